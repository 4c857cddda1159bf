/**
 * Maze training and held-out sources. Training applies a random dihedral transform per example by
 * default (all 8 keep a maze and its shortest path valid); the reference's builder had this off by
 * default (`--aug`), though the paper reports 8 dihedral augmentations.
 *
 * @module
 */
import {
  createRng,
  deriveSeed,
  type Example,
  listTestSource,
  shuffledTrainSource,
  type TestSource,
  type TrainSource,
} from "@recursive/trm/core";
import { type Augmentation, dihedral, type DihedralParams, type Grid } from "../../augment/mod.ts";
import type { Maze, MazeTask } from "./maze.ts";

/** Options of {@linkcode mazeTrainSource}. */
export interface MazeTrainOptions<P = DihedralParams> {
  /** Seed of the epoch order and the augmentations. */
  readonly seed: number;
  /** Augmentation of maze and label (same params); default `dihedral()`, `null` for none. */
  readonly augment?: Augmentation<P> | null;
}

function checkMazes(task: MazeTask, mazes: readonly Maze[], needSolution: boolean, who: string): void {
  const n = Math.sqrt(task.spec.seqLen);
  mazes.forEach((m, i) => {
    if (m.size !== n) throw new RangeError(`${who}: maze ${i} is ${m.size}x${m.size}, the task is ${n}x${n}`);
    if (needSolution && !m.solution) throw new RangeError(`${who}: maze ${i} has no solution to train on`);
  });
}

function augmented<P>(
  task: MazeTask,
  mazes: readonly Maze[],
  seed: number,
  aug: Augmentation<P>,
): (index: number, epoch: number) => Example {
  return (index, epoch) => {
    const m = mazes[index]!, size = m.size;
    // One draw per (epoch, maze): the same params move the maze and its label.
    const params = aug.sample(createRng(deriveSeed(seed, epoch, index)));
    const move = (data: Uint8Array): Uint8Array => {
      const out: Grid = aug.apply({ height: size, width: size, data }, params);
      if (out.height !== size || out.width !== size) {
        throw new RangeError(
          `mazeTrainSource: augmentation "${aug.name}" made a ${out.height}x${out.width} grid from a ${size}x${size} maze`,
        );
      }
      return out.data;
    };
    return task.encode({ size, cells: move(m.cells), solution: move(m.solution!) });
  };
}

/**
 * Deterministic, random-access training batches over `mazes` (each needs its `solution`). Example `k`
 * of the run is position `k mod N` of epoch `floor(k / N)`'s permutation (seeded by
 * `deriveSeed(seed, epoch)`); its augmentation params come from `createRng(deriveSeed(seed, epoch,
 * index))` and move the maze and its label alike. `batch(step, B)` returns examples
 * `[step * B, (step + 1) * B)`, so a resumed run sees the same batches.
 *
 * @example
 * ```ts
 * import { generateMazeSet, mazeTask, mazeTrainSource } from "@recursive/trm/tasks/maze";
 * const task = mazeTask({ size: 10 });
 * const src = mazeTrainSource(task, generateMazeSet(0, 4, { size: 10, minPathLength: 10 }), { seed: 0 });
 * const [ex] = src.batch(0, 3);
 * if (src.batch(0, 3).length !== 3 || !task.score(ex!.label, ex!).pathValid) throw new Error("batch");
 * ```
 */
export function mazeTrainSource<P = DihedralParams>(
  task: MazeTask,
  mazes: readonly Maze[],
  options: MazeTrainOptions<P>,
): TrainSource {
  checkMazes(task, mazes, true, "mazeTrainSource");
  const example = options.augment === null
    ? (index: number) => task.encode(mazes[index]!)
    : options.augment === undefined
    ? augmented(task, mazes, options.seed, dihedral())
    : augmented(task, mazes, options.seed, options.augment);
  return shuffledTrainSource(task.spec, mazes.length, options.seed, example);
}

/**
 * Held-out mazes in order, without augmentation.
 *
 * @example
 * ```ts
 * import { generateMazeSet, mazeTask, mazeTestSource } from "@recursive/trm/tasks/maze";
 * const src = mazeTestSource(mazeTask({ size: 10 }), generateMazeSet(0, 2, { size: 10, minPathLength: 10 }));
 * if (src.size !== 2) throw new Error("size");
 * ```
 */
export function mazeTestSource(task: MazeTask, mazes: readonly Maze[]): TestSource {
  checkMazes(task, mazes, false, "mazeTestSource");
  return listTestSource(task.spec, mazes.map((m) => task.encode(m)));
}
