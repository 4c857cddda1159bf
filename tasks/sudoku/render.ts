/**
 * The Sudoku task's `render` hook: the board as an SVG document (givens black, filled digits blue).
 *
 * @module
 */
import { sudokuPanel } from "../../viz/svg.ts";
import { svgDocument } from "../../viz/grid.ts";
import type { SudokuShape } from "./sudoku.ts";

/**
 * An SVG document of a Sudoku board from tokens (token = digit + 1); givens from `input`.
 *
 * @example
 * ```ts
 * import { sudokuTask } from "@recursive/trm/tasks/sudoku";
 * const t = sudokuTask({ boxRows: 2, boxCols: 2 });
 * const ex = t.encode(t.parse("1.3.3..2.1..4..1"));
 * if (!t.render(ex.input).startsWith("<svg") || !t.render(ex.input).includes(">3<")) throw new Error("board");
 * ```
 */
export function renderSudoku(
  shape: SudokuShape,
  tokens: ArrayLike<number>,
  input?: ArrayLike<number>,
): string {
  const n = shape.boxRows * shape.boxCols;
  const givens = input ? Array.from(input, (v) => v - 1) : undefined;
  const svg = svgDocument(
    sudokuPanel(Array.from(tokens, (v) => v - 1), n, shape.boxRows, shape.boxCols, givens),
  );
  // Declares the cell layout, so a trace can mark changed and wrong cells on the board itself.
  return svg.replace("<svg ", `<svg data-grid="${n} ${n}" `);
}
