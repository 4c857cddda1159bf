/**
 * Sudoku training and held-out data sources, with on-the-fly augmentation seeded per example.
 *
 * @module
 */
import {
  createRng,
  deriveSeed,
  type Example,
  permutation,
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
  if (puzzles.length === 0) throw new RangeError("sudokuTrainSource: no training puzzles");
  const N = sudokuSize(task.shape), size = puzzles.length;
  const orders = new Map<number, Int32Array>();
  const order = (epoch: number) => {
    let o = orders.get(epoch);
    if (!o) {
      if (orders.size > 4) orders.clear();
      orders.set(epoch, o = permutation(createRng(deriveSeed(options.seed, epoch)), size));
    }
    return o;
  };
  const example = (k: number): Example => {
    const epoch = Math.floor(k / size), index = order(epoch)[k % size]!;
    const p = puzzles[index]!;
    const aug = options.augment;
    if (!aug) return task.encode(p);
    const params = aug.sample(createRng(deriveSeed(options.seed, epoch, index)));
    return task.encode({
      ...p,
      puzzle: aug.apply(asGrid(p.puzzle, N), params).data,
      solution: aug.apply(asGrid(p.solution!, N), params).data,
    });
  };
  return {
    spec: task.spec,
    epochSize: size,
    batch: (step, batchSize) => Array.from({ length: batchSize }, (_, b) => example(step * batchSize + b)),
  };
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
  const examples = puzzles.map((p) => task.encode(p));
  return { spec: task.spec, size: examples.length, example: (i) => examples[i]! };
}
