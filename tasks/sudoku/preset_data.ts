/**
 * The data of a Sudoku preset: generated unique-solution puzzles of a shape and difficulty, or the paper's
 * CSV files, with the reference's digit/band/stack shuffles drawn on the fly.
 *
 * @module
 */
import { type PreparedData, type PresetDataOptions, trainAndTest } from "../../core/mod.ts";
import { sudokuShuffle } from "../../augment/mod.ts";
import { loadSudokuCsv } from "./csv.ts";
import { generateSudokuSet } from "./generator.ts";
import { sudokuTestSource, sudokuTrainSource } from "./source.ts";
import { sudokuTask } from "./sudoku.ts";

/** Shape and difficulty of a Sudoku preset. */
export interface SudokuPresetShape {
  /** Box height. */
  readonly boxRows: number;
  /** Box width. */
  readonly boxCols: number;
  /** Fewest blank cells of a generated puzzle. */
  readonly minBlanks: number;
}

/** Prepares a Sudoku preset's data (generated, or `o.data` as a CSV file with `test.csv` beside it). */
export async function sudokuPresetData(t: SudokuPresetShape, o: PresetDataOptions): Promise<PreparedData> {
  const shape = { boxRows: t.boxRows, boxCols: t.boxCols };
  const task = sudokuTask(shape);
  // Generated puzzles are distinct by givens, so the held-out set shares no puzzle with training.
  const { train, test, origin } = await trainAndTest(
    o,
    "sudoku",
    (path, heldOut) =>
      loadSudokuCsv(path, {
        ...shape,
        ...(heldOut && o.testSize ? { limit: o.testSize, seed: o.seed } : {}),
      }),
    (count) => generateSudokuSet(o.seed, count, { ...shape, blanks: t.minBlanks, minBlanks: t.minBlanks }),
    "generated",
  );
  const n = t.boxRows * t.boxCols;
  return {
    spec: task.spec,
    // Training augmentation on the fly (the reference precomputed 1000 shuffles per puzzle).
    train: sudokuTrainSource(task, train, { seed: o.seed, augment: sudokuShuffle(shape) }),
    test: sudokuTestSource(task, test),
    describe: `${n}x${n} Sudoku (${origin}): ${train.length} train / ${test.length} held-out puzzles`,
  };
}
