/**
 * A small exact Sudoku solver for any box shape: bitmask candidates and most-constrained-cell first.
 * Used to build random solution grids and to check that a puzzle's solution is unique.
 *
 * @module
 */
import type { Rng } from "@recursive/trm/core";
import { type SudokuShape, sudokuSize } from "./sudoku.ts";

interface Units {
  readonly N: number;
  /** For each cell: its row, column and box index. */
  readonly row: Int32Array;
  readonly col: Int32Array;
  readonly box: Int32Array;
}

const unitsCache = new Map<string, Units>();

function units(shape: SudokuShape): Units {
  const key = `${shape.boxRows}x${shape.boxCols}`;
  let u = unitsCache.get(key);
  if (!u) {
    const N = sudokuSize(shape), cells = N * N;
    const row = new Int32Array(cells), col = new Int32Array(cells), box = new Int32Array(cells);
    for (let i = 0; i < cells; i++) {
      const r = Math.floor(i / N), c = i % N;
      row[i] = r;
      col[i] = c;
      box[i] = Math.floor(r / shape.boxRows) * (N / shape.boxCols) + Math.floor(c / shape.boxCols);
    }
    unitsCache.set(key, u = { N, row, col, box });
  }
  return u;
}

function popcount(x: number): number {
  let n = 0;
  while (x) {
    x &= x - 1;
    n++;
  }
  return n;
}

/**
 * Counts solutions of `puzzle` (0 = blank) up to `limit`; if `out` is given, the first solution found
 * is written there. With `rng`, candidate digits are tried in random order (for random grids).
 *
 * @example
 * ```ts
 * import { countSolutions } from "@recursive/trm/tasks/sudoku";
 * const shape = { boxRows: 2, boxCols: 2 };
 * if (countSolutions(new Uint8Array(16), shape, 2) !== 2) throw new Error("an empty grid has many");
 * ```
 */
export function countSolutions(
  puzzle: Uint8Array,
  shape: SudokuShape,
  limit = 2,
  out?: Uint8Array,
  rng?: Rng,
): number {
  const { N, row, col, box } = units(shape);
  const cells = N * N;
  const rows = new Int32Array(N), cols = new Int32Array(N), boxes = new Int32Array(N);
  const grid = Uint8Array.from(puzzle);
  for (let i = 0; i < cells; i++) {
    const v = grid[i]!;
    if (v === 0) continue;
    const bit = 1 << v;
    if ((rows[row[i]!]! | cols[col[i]!]! | boxes[box[i]!]!) & bit) return 0; // contradictory givens
    rows[row[i]!]! |= bit;
    cols[col[i]!]! |= bit;
    boxes[box[i]!]! |= bit;
  }
  const all = ((1 << (N + 1)) - 2) | 0;
  let found = 0;
  const digits = new Int32Array(N);
  const search = (): boolean => {
    // Most constrained empty cell.
    let best = -1, bestMask = 0, bestCount = N + 1;
    for (let i = 0; i < cells; i++) {
      if (grid[i] !== 0) continue;
      const mask = all & ~(rows[row[i]!]! | cols[col[i]!]! | boxes[box[i]!]!);
      const n = popcount(mask);
      if (n < bestCount) {
        best = i;
        bestMask = mask;
        bestCount = n;
        if (n <= 1) break;
      }
    }
    if (best < 0) {
      found++;
      if (out && found === 1) out.set(grid);
      return found >= limit;
    }
    if (bestCount === 0) return false;
    let k = 0;
    for (let v = 1; v <= N; v++) if (bestMask & (1 << v)) digits[k++] = v;
    const order = digits.slice(0, k);
    if (rng) {
      for (let i = k - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const r = row[best]!, c = col[best]!, b = box[best]!;
    for (const v of order) {
      const bit = 1 << v;
      grid[best] = v;
      rows[r]! |= bit;
      cols[c]! |= bit;
      boxes[b]! |= bit;
      const stop = search();
      rows[r]! &= ~bit;
      cols[c]! &= ~bit;
      boxes[b]! &= ~bit;
      grid[best] = 0;
      if (stop) return true;
    }
    return false;
  };
  search();
  return found;
}
