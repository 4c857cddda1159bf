/**
 * The Sudoku task: tokens as the reference, a seeded generator of unique-solution puzzles (4x4, 6x6, 9x9
 * and other box shapes), the Sudoku-Extreme CSV loader, and training / held-out sources.
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
export * from "./sudoku.ts";
export * from "./solver.ts";
export * from "./generator.ts";
export * from "./csv.ts";
export * from "./source.ts";
