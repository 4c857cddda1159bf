/**
 * Sudoku training and held-out sources. Training augments on the fly, seeded per (epoch, puzzle), so
 * the reference's 1000 precomputed shuffles per puzzle become a fresh shuffle at every visit.
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
import type { Augmentation, Grid } from "../../augment/types.ts";
import { type SudokuPuzzle, sudokuSize, type SudokuTask } from "./sudoku.ts";

/** Options of {@linkcode sudokuTrainSource}. */
export interface SudokuTrainOptions<P> {
  /** Seed of the epoch order and the augmentations. */
  readonly seed: number;
  /**
   * Applied with the same params to puzzle and solution (e.g. `sudokuShuffle()` from
   * `@recursive/trm/augment`); none by default. It must map an N x N grid to an N x N grid.
   */
  readonly augment?: Augmentation<P>;
}

function checkPuzzles(task: SudokuTask, puzzles: readonly SudokuPuzzle[], train: boolean, who: string): void {
  const { boxRows, boxCols } = task.shape;
  puzzles.forEach((p, i) => {
    if (p.boxRows !== boxRows || p.boxCols !== boxCols) {
      throw new RangeError(
        `${who}: puzzle ${i} has ${p.boxRows}x${p.boxCols} boxes, the task ${boxRows}x${boxCols}`,
      );
    }
    if (train && !p.solution) throw new RangeError(`${who}: puzzle ${i} has no solution to train on`);
  });
}

function augmented<P>(
  task: SudokuTask,
  puzzles: readonly SudokuPuzzle[],
  seed: number,
  aug: Augmentation<P>,
): (index: number, epoch: number) => Example {
  const N = sudokuSize(task.shape);
  return (index, epoch) => {
    const p = puzzles[index]!;
    // One draw per (epoch, puzzle): the same params move the givens and the solution.
    const params = aug.sample(createRng(deriveSeed(seed, epoch, index)));
    const move = (data: Uint8Array): Uint8Array => {
      const out: Grid = aug.apply({ height: N, width: N, data }, params);
      if (out.height !== N || out.width !== N || out.data.length !== N * N) {
        throw new RangeError(
          `sudokuTrainSource: augmentation "${aug.name}" made a ${out.height}x${out.width} grid from a ${N}x${N} one`,
        );
      }
      return out.data;
    };
    return task.encode({ ...p, puzzle: move(p.puzzle), solution: move(p.solution!) });
  };
}

/**
 * Deterministic, random-access training batches over `puzzles` (each needs its `solution`). Example
 * `k` of the run is position `k mod size` of epoch `floor(k / size)`'s permutation (seeded by
 * `deriveSeed(seed, epoch)`); with `augment`, its params come from `createRng(deriveSeed(seed, epoch,
 * index))` and move the puzzle and its solution alike. `batch(step, B)` returns examples
 * `[step * B, (step + 1) * B)`, so a resumed run sees the same batches.
 *
 * @example
 * ```ts
 * import { generateSudokuSet, sudokuTask, sudokuTrainSource } from "@recursive/trm/tasks/sudoku";
 * const task = sudokuTask({ boxRows: 2, boxCols: 2 });
 * const src = sudokuTrainSource(task, generateSudokuSet(0, 10, { boxRows: 2, boxCols: 2 }), { seed: 1 });
 * if (src.batch(3, 4).length !== 4 || src.batch(3, 4)[0]!.input.join() !== src.batch(3, 4)[0]!.input.join()) {
 *   throw new Error("deterministic");
 * }
 * ```
 */
export function sudokuTrainSource<P>(
  task: SudokuTask,
  puzzles: readonly SudokuPuzzle[],
  options: SudokuTrainOptions<P>,
): TrainSource {
  checkPuzzles(task, puzzles, true, "sudokuTrainSource");
  const aug = options.augment;
  return shuffledTrainSource(
    task.spec,
    puzzles.length,
    options.seed,
    aug ? augmented(task, puzzles, options.seed, aug) : (index) => task.encode(puzzles[index]!),
  );
}

/**
 * Held-out examples in the given order, without augmentation (each puzzle needs its `solution`, the
 * label to score against).
 *
 * @example
 * ```ts
 * import { generateSudokuSet, sudokuTask, sudokuTestSource } from "@recursive/trm/tasks/sudoku";
 * const task = sudokuTask({ boxRows: 2, boxCols: 2 });
 * const src = sudokuTestSource(task, generateSudokuSet(0, 5, { boxRows: 2, boxCols: 2 }));
 * if (src.size !== 5 || src.example(4).label.includes(1)) throw new Error("five solved labels");
 * ```
 */
export function sudokuTestSource(task: SudokuTask, puzzles: readonly SudokuPuzzle[]): TestSource {
  checkPuzzles(task, puzzles, true, "sudokuTestSource");
  return listTestSource(task.spec, puzzles.map((p) => task.encode(p)));
}
