/**
 * Validity-preserving Sudoku shuffles (spec 6.2): digit relabelling (0 = blank stays), an optional
 * transpose (only for square boxes), band permutation with row permutation inside each band, and stack
 * permutation with column permutation inside each stack. Order of application as the reference:
 * transpose, then new[i][j] = old[rowPerm[i]][colPerm[j]], then the digit map.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";
import { applyColorMap, invertColorMap } from "./color_permutation.ts";
import type { Augmentation, Grid } from "./types.ts";

/** Parameters of {@linkcode sudokuShuffle}. */
export interface SudokuShuffleParams {
  /** `digits[v]` is the new value of v (digits[0] = 0). */
  readonly digits: Uint8Array;
  /** Transpose first (always false for non-square boxes). */
  readonly transpose: boolean;
  /** Output row i takes input row rowPerm[i]. */
  readonly rowPerm: Int32Array;
  /** Output column j takes input column colPerm[j]. */
  readonly colPerm: Int32Array;
}

/** Options of {@linkcode sudokuShuffle}. */
export interface SudokuShuffleOptions {
  /** Rows per box (default 3). */
  readonly boxRows?: number;
  /** Columns per box (default 3). */
  readonly boxCols?: number;
}

function shuffled(rng: Rng, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Permutes `groups` blocks of `size` lines, and the lines inside each block independently. */
function blockPermutation(rng: Rng, groups: number, size: number): Int32Array {
  const out = new Int32Array(groups * size);
  shuffled(rng, groups).forEach((g, gi) =>
    shuffled(rng, size).forEach((r, ri) => (out[gi * size + ri] = g * size + r))
  );
  return out;
}

function transposeGrid(g: Grid): Grid {
  const out = new Uint8Array(g.data.length);
  for (let i = 0; i < g.height; i++) {
    for (let j = 0; j < g.width; j++) out[j * g.height + i] = g.data[i * g.width + j]!;
  }
  return { height: g.width, width: g.height, data: out };
}

function permuteLines(g: Grid, rows: Int32Array, cols: Int32Array): Grid {
  const N = g.width, out = new Uint8Array(g.data.length);
  for (let i = 0; i < N; i++) {
    const src = rows[i]! * N;
    for (let j = 0; j < N; j++) out[i * N + j] = g.data[src + cols[j]!]!;
  }
  return { height: N, width: N, data: out };
}

function inversePerm(p: Int32Array): Int32Array {
  const inv = new Int32Array(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}

/**
 * The Sudoku shuffle for boxes of `boxRows x boxCols` (grids of side N = boxRows * boxCols).
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { sudokuShuffle } from "@recursive/trm/augment";
 * const aug = sudokuShuffle({ boxRows: 2, boxCols: 2 });
 * const g = { height: 4, width: 4, data: Uint8Array.from([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]) };
 * const p = aug.sample(createRng(0));
 * if (aug.invert(aug.apply(g, p), p).data.join() !== g.data.join()) throw new Error("inverse");
 * ```
 */
export function sudokuShuffle(options: SudokuShuffleOptions = {}): Augmentation<SudokuShuffleParams> {
  const br = options.boxRows ?? 3, bc = options.boxCols ?? 3, N = br * bc;
  const check = (g: Grid) => {
    if (g.height !== N || g.width !== N) {
      throw new RangeError(`sudokuShuffle: expected a ${N}x${N} grid, got ${g.height}x${g.width}`);
    }
  };
  return {
    name: "sudoku-shuffle",
    sample: (rng) => {
      const digits = Uint8Array.from([0, ...shuffled(rng, N).map((d) => d + 1)]);
      const transpose = br === bc && rng.int(0, 1) === 1;
      // Bands are groups of boxRows rows; stacks are groups of boxCols columns.
      return {
        digits,
        transpose,
        rowPerm: blockPermutation(rng, N / br, br),
        colPerm: blockPermutation(rng, N / bc, bc),
      };
    },
    apply: (grid, p) => {
      check(grid);
      const t = p.transpose ? transposeGrid(grid) : grid;
      return applyColorMap(permuteLines(t, p.rowPerm, p.colPerm), p.digits);
    },
    invert: (grid, p) => {
      check(grid);
      const g = permuteLines(
        applyColorMap(grid, invertColorMap(p.digits)),
        inversePerm(p.rowPerm),
        inversePerm(p.colPerm),
      );
      return p.transpose ? transposeGrid(g) : g;
    },
  };
}
