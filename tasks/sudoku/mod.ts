/**
 * The Sudoku task: tokens as the reference (blank = 1, digit d = d + 1, V = N + 2, L = N * N), a
 * seeded generator of unique-solution puzzles (4x4, 6x6, 9x9 and other box shapes) with a blanks
 * knob, the Sudoku-Extreme CSV loader, and deterministic training / held-out sources.
 *
 * @example
 * ```ts
 * import { generateSudokuSet, sudokuTask } from "@recursive/trm/tasks/sudoku";
 * const task = sudokuTask({ boxRows: 2, boxCols: 3 });
 * const [p] = generateSudokuSet(0, 1, { boxRows: 2, boxCols: 3 });
 * if (task.encode(p!).input.length !== 36) throw new Error("6x6");
 * ```
 * @module
 */
export {
  checkShape,
  countBlanks,
  isConsistentWith,
  isValidSolution,
  type SudokuPuzzle,
  type SudokuShape,
  sudokuSize,
  type SudokuTask,
  sudokuTask,
} from "./sudoku.ts";
export { countSolutions, type SudokuSolver, sudokuSolver } from "./solver.ts";
export {
  generateSudoku,
  type GenerateSudokuOptions,
  generateSudokuSet,
  type GenerateSudokuSetOptions,
  generateSudokuSplit,
  type GenerateSudokuSplitOptions,
  splitBySolution,
} from "./generator.ts";
export { loadSudokuCsv, parseSudokuCsv, type SudokuCsvOptions } from "./csv.ts";
export { renderSudoku } from "./render.ts";
export { sudokuTestSource, type SudokuTrainOptions, sudokuTrainSource } from "./source.ts";
export * from "./preset_data.ts";
