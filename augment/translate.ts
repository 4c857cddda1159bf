/**
 * ARC translation (spec 6.4): a pair is placed at a random offset on the 30 x 30 canvas, the input
 * and the output at the same offset; cropping at that offset gives it back.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { Pair } from "./compose.ts";
import type { Grid } from "./types.ts";

/** Where the top-left cell of both grids of a pair lands. */
export interface TranslateParams {
  /** Row offset. */
  readonly row: number;
  /** Column offset. */
  readonly col: number;
}

/**
 * A uniform offset in [0, canvas - max(h_in, h_out)] x [0, canvas - max(w_in, w_out)].
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { sampleTranslation } from "@recursive/trm/augment";
 * const g = { height: 29, width: 30, data: new Uint8Array(870) };
 * const p = sampleTranslation(createRng(0), { input: g, output: g });
 * if (p.col !== 0 || p.row > 1) throw new Error("fits");
 * ```
 */
export function sampleTranslation(rng: Rng, pair: Pair, canvas = 30): TranslateParams {
  const h = Math.max(pair.input.height, pair.output.height),
    w = Math.max(pair.input.width, pair.output.width);
  if (h > canvas || w > canvas) {
    throw new RangeError(`sampleTranslation: a ${h}x${w} pair does not fit a ${canvas}x${canvas} canvas`);
  }
  return { row: rng.int(0, canvas - h), col: rng.int(0, canvas - w) };
}

/**
 * Writes `grid` onto a `canvas x canvas` array of `fill` at the offset (cells outside are never written).
 *
 * @example
 * ```ts
 * import { placeOnCanvas } from "@recursive/trm/augment";
 * const c = placeOnCanvas({ height: 1, width: 1, data: Uint8Array.from([7]) }, { row: 1, col: 2 }, 3);
 * if (c.data[5] !== 7 || c.data.reduce((a, b) => a + b) !== 7) throw new Error("placed");
 * ```
 */
export function placeOnCanvas(grid: Grid, at: TranslateParams, canvas = 30, fill = 0): Grid {
  if (at.row < 0 || at.col < 0 || at.row + grid.height > canvas || at.col + grid.width > canvas) {
    throw new RangeError(
      `placeOnCanvas: a ${grid.height}x${grid.width} grid at (${at.row}, ${at.col}) leaves the ${canvas}x${canvas} canvas`,
    );
  }
  const out = new Uint8Array(canvas * canvas).fill(fill);
  for (let r = 0; r < grid.height; r++) {
    out.set(grid.data.subarray(r * grid.width, (r + 1) * grid.width), (at.row + r) * canvas + at.col);
  }
  return { height: canvas, width: canvas, data: out };
}

/**
 * Cuts the `height x width` window at the offset out of a canvas (the inverse of `placeOnCanvas`).
 *
 * @example
 * ```ts
 * import { cropFromCanvas, placeOnCanvas } from "@recursive/trm/augment";
 * const g = { height: 2, width: 1, data: Uint8Array.from([3, 4]) };
 * const at = { row: 5, col: 6 };
 * if (cropFromCanvas(placeOnCanvas(g, at), at, 2, 1).data.join() !== "3,4") throw new Error("crop");
 * ```
 */
export function cropFromCanvas(canvas: Grid, at: TranslateParams, height: number, width: number): Grid {
  const out = new Uint8Array(height * width);
  for (let r = 0; r < height; r++) {
    const start = (at.row + r) * canvas.width + at.col;
    out.set(canvas.data.subarray(start, start + width), r * width);
  }
  return { height, width, data: out };
}
