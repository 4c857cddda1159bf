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
  listTestSource,
  shuffledTrainSource,
  type TestSource,
  type TrainSource,
} from "@recursive/trm/core";
import { dihedral } from "../../augment/mod.ts";
import type { Augmentation, Grid } from "../../augment/types.ts";
import type { Maze, MazeTask } from "./maze.ts";

/** Options of {@linkcode mazeTrainSource}. */
export interface MazeTrainOptions<P> {
  /** Seed of the epoch order and the augmentations. */
  readonly seed: number;
  /** Augmentation of maze and label (same params); default `dihedral()`, `null` for none. */
  readonly augment?: Augmentation<P> | null;
}

/**
 * Deterministic, random-access training batches over `mazes`.
 *
 * @example
 * ```ts
 * import { generateMazeSet, mazeTask, mazeTrainSource } from "@recursive/trm/tasks/maze";
 * const task = mazeTask({ size: 10 });
 * const src = mazeTrainSource(task, generateMazeSet(0, 4, { size: 10, minPathLength: 10 }), { seed: 0 });
 * if (src.batch(0, 3).length !== 3) throw new Error("batch");
 * ```
 */
export function mazeTrainSource<P = unknown>(
  task: MazeTask,
  mazes: readonly Maze[],
  options: MazeTrainOptions<P>,
): TrainSource {
  const aug = (options.augment === undefined ? dihedral() : options.augment) as Augmentation<unknown> | null;
  return shuffledTrainSource(task.spec, mazes.length, options.seed, (index, epoch) => {
    const m = mazes[index]!;
    if (!aug) return task.encode(m);
    const params = aug.sample(createRng(deriveSeed(options.seed, epoch, index)));
    const grid = (data: Uint8Array): Grid => ({ height: m.size, width: m.size, data });
    return task.encode({
      size: m.size,
      cells: aug.apply(grid(m.cells), params).data,
      solution: aug.apply(grid(m.solution!), params).data,
    });
  });
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
  return listTestSource(task.spec, mazes.map((m) => task.encode(m)));
}
