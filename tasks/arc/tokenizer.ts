/**
 * The reference's ARC tokenizer (spec 6.4): a 30 x 30 canvas, PAD 0, EOS 1, colour c -> c + 2 (V 12,
 * L 900); an EOS row under the grid and an EOS column right of it (the corner stays PAD), so the model
 * predicts the output size. Decoding crops the largest EOS-free top-left rectangle (spec 7.2).
 *
 * @module
 */
import { IGNORE_LABEL } from "@recursive/trm/core";
import type { Grid } from "../../augment/types.ts";
import type { TranslateParams } from "../../augment/translate.ts";

/** Canvas side. */
export const ARC_CANVAS = 30;
/** Token ids. */
export const ARC_TOKENS = { pad: 0, eos: 1, colour0: 2 } as const;

const ORIGIN: TranslateParams = { row: 0, col: 0 };

/**
 * Tokens of `grid` placed at `at` (default the top-left corner) on the canvas.
 *
 * @example
 * ```ts
 * import { encodeArcGrid } from "@recursive/trm/tasks/arc";
 * // Spec 6.4: [[1,0,3],[4,5,0]] at (0,0) -> rows [3,2,5,1,0..], [6,7,2,1,0..], [1,1,1,0..].
 * const t = encodeArcGrid({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
 * if (t.slice(0, 5).join() !== "3,2,5,1,0" || t.slice(60, 64).join() !== "1,1,1,0") throw new Error("spec");
 * ```
 */
export function encodeArcGrid(grid: Grid, at: TranslateParams = ORIGIN): Int32Array {
  const C = ARC_CANVAS, out = new Int32Array(C * C);
  const { height: h, width: w } = grid;
  if (at.row + h > C || at.col + w > C) {
    throw new RangeError(`encodeArcGrid: a ${h}x${w} grid at (${at.row}, ${at.col}) leaves the canvas`);
  }
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      out[(at.row + r) * C + at.col + c] = grid.data[r * w + c]! + ARC_TOKENS.colour0;
    }
    if (at.col + w < C) out[(at.row + r) * C + at.col + w] = ARC_TOKENS.eos;
  }
  if (at.row + h < C) { for (let c = 0; c < w; c++) out[(at.row + h) * C + at.col + c] = ARC_TOKENS.eos; }
  return out;
}

/**
 * Labels for an output grid: its tokens, with PAD cells ignored by the loss.
 *
 * @example
 * ```ts
 * import { encodeArcLabel } from "@recursive/trm/tasks/arc";
 * const l = encodeArcLabel({ height: 1, width: 1, data: Uint8Array.from([9]) });
 * if (l[0] !== 11 || l[1] !== 1 || l[2] !== -100) throw new Error("label");
 * ```
 */
export function encodeArcLabel(grid: Grid, at: TranslateParams = ORIGIN): Int32Array {
  return encodeArcGrid(grid, at).map((t) => (t === ARC_TOKENS.pad ? IGNORE_LABEL : t));
}

/**
 * The reference's `_crop`: scanning rows from the top with a shrinking column bound (the first non-colour
 * token of a row sets it), the top-left rectangle of largest area; colours = tokens - 2. An empty
 * prediction gives a 0 x 0 grid. `at` shifts the scan's origin (for translated canvases).
 *
 * @example
 * ```ts
 * import { decodeArcGrid, encodeArcGrid } from "@recursive/trm/tasks/arc";
 * const g = { height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) };
 * if (decodeArcGrid(encodeArcGrid(g)).data.join() !== "1,0,3,4,5,0") throw new Error("round trip");
 * ```
 */
export function decodeArcGrid(tokens: ArrayLike<number>, at: TranslateParams = ORIGIN): Grid {
  const C = ARC_CANVAS;
  let best = 0, bestRows = 0, bestCols = 0, cols = C - at.col;
  for (let rows = 1; rows <= C - at.row; rows++) {
    for (let c = 0; c < cols; c++) {
      const t = tokens[(at.row + rows - 1) * C + at.col + c]!;
      if (t < ARC_TOKENS.colour0 || t > ARC_TOKENS.colour0 + 9) {
        cols = c;
        break;
      }
    }
    if (rows * cols > best) [best, bestRows, bestCols] = [rows * cols, rows, cols];
  }
  const data = new Uint8Array(bestRows * bestCols);
  for (let r = 0; r < bestRows; r++) {
    for (let c = 0; c < bestCols; c++) {
      data[r * bestCols + c] = tokens[(at.row + r) * C + at.col + c]! - ARC_TOKENS.colour0;
    }
  }
  return { height: bestRows, width: bestCols, data };
}
