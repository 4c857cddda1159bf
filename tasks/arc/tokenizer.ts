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
 * Tokens of `grid` placed at `at` (default the top-left corner) on the canvas, written into `out` (900
 * cells, overwritten; default a new array).
 *
 * @example
 * ```ts
 * import { encodeArcGrid } from "@recursive/trm/tasks/arc";
 * // Spec 6.4: [[1,0,3],[4,5,0]] at (0,0) -> rows [3,2,5,1,0..], [6,7,2,1,0..], [1,1,1,0..].
 * const t = encodeArcGrid({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
 * if (t.slice(0, 5).join() !== "3,2,5,1,0" || t.slice(60, 64).join() !== "1,1,1,0") throw new Error("spec");
 * ```
 */
export function encodeArcGrid(
  grid: Grid,
  at: TranslateParams = ORIGIN,
  out: Int32Array = new Int32Array(ARC_CANVAS * ARC_CANVAS),
): Int32Array {
  return writeCanvas(out.fill(ARC_TOKENS.pad), grid, at, "encodeArcGrid");
}

// Writes the grid's colour and EOS tokens into `out` (already filled with the PAD value).
function writeCanvas(out: Int32Array, grid: Grid, at: TranslateParams, who: string): Int32Array {
  const C = ARC_CANVAS, { height: h, width: w, data } = grid, r0 = at.row, c0 = at.col;
  if (!(r0 >= 0 && c0 >= 0 && r0 + h <= C && c0 + w <= C)) {
    throw new RangeError(`${who}: a ${h}x${w} grid at (${r0}, ${c0}) leaves the ${C}x${C} canvas`);
  }
  const eos = ARC_TOKENS.eos, c2 = ARC_TOKENS.colour0;
  for (let r = 0; r < h; r++) {
    const o = (r0 + r) * C + c0, s = r * w;
    for (let c = 0; c < w; c++) out[o + c] = data[s + c]! + c2;
    if (c0 + w < C) out[o + w] = eos;
  }
  if (r0 + h < C) out.fill(eos, (r0 + h) * C + c0, (r0 + h) * C + c0 + w);
  return out;
}

/**
 * Labels for an output grid: its tokens, with PAD cells ignored by the loss (written into `out` as
 * {@linkcode encodeArcGrid}).
 *
 * @example
 * ```ts
 * import { encodeArcLabel } from "@recursive/trm/tasks/arc";
 * const l = encodeArcLabel({ height: 1, width: 1, data: Uint8Array.from([9]) });
 * if (l[0] !== 11 || l[1] !== 1 || l[2] !== -100) throw new Error("label");
 * ```
 */
export function encodeArcLabel(
  grid: Grid,
  at: TranslateParams = ORIGIN,
  out: Int32Array = new Int32Array(ARC_CANVAS * ARC_CANVAS),
): Int32Array {
  return writeCanvas(out.fill(IGNORE_LABEL), grid, at, "encodeArcLabel");
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
