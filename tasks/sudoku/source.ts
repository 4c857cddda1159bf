/**
 * Sudoku training and held-out data sources, with on-the-fly augmentation seeded per example.
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
import type { Augmentation, Grid } from "../../augment/types.ts";
import { type SudokuPuzzle, sudokuSize, type SudokuTask } from "./sudoku.ts";

/** Options of {@linkcode sudokuTrainSource}. */
export interface SudokuTrainOptions<P> {
  /** Seed of the epoch order and the augmentations. */
  readonly seed: number;
  /** Applied with the same params to puzzle and solution (e.g. `sudokuShuffle()`); none by default. */
  readonly augment?: Augmentation<P>;
}

const asGrid = (data: Uint8Array, N: number): Grid => ({ height: N, width: N, data });

/**
 * Training batches: example `k` of the run is position `k mod size` of epoch `floor(k / size)`'s
 * permutation (seeded by `deriveSeed(seed, epoch)`); its augmentation draws from
 * `deriveSeed(seed, epoch, index)`. Any step is computed directly, so resuming needs no state.
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
  const N = sudokuSize(task.shape), aug = options.augment;
  return shuffledTrainSource(task.spec, puzzles.length, options.seed, (index, epoch) => {
    const p = puzzles[index]!;
    if (!aug) return task.encode(p);
    const params = aug.sample(createRng(deriveSeed(options.seed, epoch, index)));
    return task.encode({
      ...p,
      puzzle: aug.apply(asGrid(p.puzzle, N), params).data,
      solution: aug.apply(asGrid(p.solution!, N), params).data,
    });
  });
}

/**
 * Held-out examples in order, without augmentation.
 *
 * @example
 * ```ts
 * import { generateSudokuSet, sudokuTask, sudokuTestSource } from "@recursive/trm/tasks/sudoku";
 * const task = sudokuTask({ boxRows: 2, boxCols: 2 });
 * const src = sudokuTestSource(task, generateSudokuSet(0, 5, { boxRows: 2, boxCols: 2 }));
 * if (src.size !== 5) throw new Error("size");
 * ```
 */
export function sudokuTestSource(task: SudokuTask, puzzles: readonly SudokuPuzzle[]): TestSource {
  return listTestSource(task.spec, puzzles.map((p) => task.encode(p)));
}
