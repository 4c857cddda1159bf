/**
 * An exact Sudoku solver for any box shape (N = boxRows * boxCols <= 16): bitmask candidates per row,
 * column and box, the most constrained empty cell first, and a stack of empty cells so that each node
 * scans only the cells still empty. Used to build random solution grids and to prove uniqueness.
 *
 * @module
 */
import type { Rng } from "@recursive/trm/core";
import { checkShape, type SudokuShape } from "./sudoku.ts";

/** Row, column and box index of every cell, and a popcount table over candidate masks. */
interface Layout {
  readonly N: number;
  readonly cells: number;
  readonly row: Int32Array;
  readonly col: Int32Array;
  readonly box: Int32Array;
  /** `pop[m]` = number of set bits of `m` (masks use bits 1..N). */
  readonly pop: Uint8Array;
}

const layouts = new Map<string, Layout>();

function layout(shape: SudokuShape): Layout {
  const key = `${shape.boxRows}x${shape.boxCols}`;
  let l = layouts.get(key);
  if (!l) {
    checkShape(shape, "sudoku solver");
    const N = shape.boxRows * shape.boxCols, cells = N * N, stacks = N / shape.boxCols;
    const row = new Int32Array(cells), col = new Int32Array(cells), box = new Int32Array(cells);
    for (let i = 0; i < cells; i++) {
      const r = Math.floor(i / N), c = i % N;
      row[i] = r;
      col[i] = c;
      box[i] = Math.floor(r / shape.boxRows) * stacks + Math.floor(c / shape.boxCols);
    }
    const pop = new Uint8Array(1 << (N + 1));
    for (let m = 1; m < pop.length; m++) pop[m] = pop[m >> 1]! + (m & 1);
    layouts.set(key, l = { N, cells, row, col, box, pop });
  }
  return l;
}

/** One reusable search over a fixed layout. */
class Search {
  readonly #l: Layout;
  readonly #all: number;
  readonly grid: Uint8Array;
  readonly #rows: Int32Array;
  readonly #cols: Int32Array;
  readonly #boxes: Int32Array;
  readonly #empties: Int32Array;
  readonly #digits: Int32Array;
  #nEmpty = 0;
  #found = 0;
  #limit = 1;
  #out: Uint8Array | undefined;
  #rng: Rng | undefined;
  #banCell = -1;
  #banBit = 0;

  constructor(l: Layout) {
    this.#l = l;
    this.#all = (1 << (l.N + 1)) - 2;
    this.grid = new Uint8Array(l.cells);
    this.#rows = new Int32Array(l.N);
    this.#cols = new Int32Array(l.N);
    this.#boxes = new Int32Array(l.N);
    this.#empties = new Int32Array(l.cells);
    this.#digits = new Int32Array(l.cells * l.N);
  }

  /**
   * Counts solutions of `puzzle` up to `limit` (0 for contradictory givens); the first is copied to
   * `out`. `banCell`/`banValue` forbid one value in one cell; `rng` randomises the digit order.
   */
  count(puzzle: Uint8Array, limit: number, out?: Uint8Array, rng?: Rng, banCell = -1, banValue = 0): number {
    const l = this.#l, N = l.N;
    if (puzzle.length !== l.cells) {
      throw new RangeError(`sudoku solver: expected ${l.cells} cells, got ${puzzle.length}`);
    }
    this.#rows.fill(0);
    this.#cols.fill(0);
    this.#boxes.fill(0);
    this.#nEmpty = 0;
    for (let i = 0; i < l.cells; i++) {
      const v = puzzle[i]!;
      this.grid[i] = v;
      if (v === 0) {
        this.#empties[this.#nEmpty++] = i;
        continue;
      }
      if (v > N) throw new RangeError(`sudoku solver: cell ${i} holds ${v}, expected 0..${N}`);
      const bit = 1 << v, r = l.row[i]!, c = l.col[i]!, b = l.box[i]!;
      if ((this.#rows[r]! | this.#cols[c]! | this.#boxes[b]!) & bit) return 0;
      this.#rows[r]! |= bit;
      this.#cols[c]! |= bit;
      this.#boxes[b]! |= bit;
    }
    this.#found = 0;
    this.#limit = limit;
    this.#out = out;
    this.#rng = rng;
    this.#banCell = banCell;
    this.#banBit = banCell >= 0 ? 1 << banValue : 0;
    if (limit > 0) this.#search(0);
    return this.#found;
  }

  /** Depth-first search from position `d` of the empty-cell stack; true = stop (limit reached). */
  #search(d: number): boolean {
    const l = this.#l, rows = this.#rows, cols = this.#cols, boxes = this.#boxes, empties = this.#empties;
    if (d === this.#nEmpty) {
      this.#found++;
      if (this.#found === 1 && this.#out) this.#out.set(this.grid);
      return this.#found >= this.#limit;
    }
    let bestK = d, bestMask = 0, bestCount = 99;
    for (let k = d; k < this.#nEmpty; k++) {
      const i = empties[k]!;
      let m = this.#all & ~(rows[l.row[i]!]! | cols[l.col[i]!]! | boxes[l.box[i]!]!);
      if (i === this.#banCell) m &= ~this.#banBit;
      const n = l.pop[m]!;
      if (n < bestCount) {
        bestK = k;
        bestMask = m;
        bestCount = n;
        if (n <= 1) break;
      }
    }
    if (bestCount === 0) return false;
    const cell = empties[bestK]!;
    empties[bestK] = empties[d]!;
    empties[d] = cell;
    const r = l.row[cell]!, c = l.col[cell]!, b = l.box[cell]!;
    let n = 0;
    const base = d * l.N, digits = this.#digits;
    for (let m = bestMask; m !== 0; m &= m - 1) digits[base + n++] = 31 - Math.clz32(m & -m);
    if (this.#rng) {
      for (let i = n - 1; i > 0; i--) {
        const j = this.#rng.int(0, i), t = digits[base + i]!;
        digits[base + i] = digits[base + j]!;
        digits[base + j] = t;
      }
    }
    let stop = false;
    for (let k = 0; k < n && !stop; k++) {
      const v = digits[base + k]!, bit = 1 << v;
      this.grid[cell] = v;
      rows[r]! |= bit;
      cols[c]! |= bit;
      boxes[b]! |= bit;
      stop = this.#search(d + 1);
      rows[r]! &= ~bit;
      cols[c]! &= ~bit;
      boxes[b]! &= ~bit;
    }
    this.grid[cell] = 0;
    return stop;
  }
}

/**
 * A reusable solver for one box shape (no allocation per call): `count` as {@linkcode countSolutions},
 * `hasOtherSolution(puzzle, cell, value)` = some solution has a value other than `value` at `cell`
 * (so, when the puzzle with `value` given there was unique, blanking `cell` keeps it unique iff false),
 * and `randomGrid(rng)` = a uniformly shuffled search's first complete grid.
 *
 * @example
 * ```ts
 * import { sudokuSolver } from "@recursive/trm/tasks/sudoku";
 * const solver = sudokuSolver({ boxRows: 2, boxCols: 2 });
 * const grid = Uint8Array.from([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]);
 * const puzzle = grid.slice();
 * puzzle[0] = 0;
 * if (solver.hasOtherSolution(puzzle, 0, 1) || solver.count(puzzle, 2) !== 1) throw new Error("unique");
 * ```
 */
export interface SudokuSolver {
  /** Solutions of `puzzle` (0 = blank) counted up to `limit`; the first is copied into `out`. */
  count(puzzle: Uint8Array, limit?: number, out?: Uint8Array): number;
  /** True when a solution of `puzzle` puts a value other than `value` in `cell`. */
  hasOtherSolution(puzzle: Uint8Array, cell: number, value: number): boolean;
  /** A random complete valid grid, drawn with `rng`. */
  randomGrid(rng: Rng): Uint8Array;
}

/**
 * Creates a {@linkcode SudokuSolver} for boxes of `boxRows x boxCols`.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { isValidSolution, sudokuSolver } from "@recursive/trm/tasks/sudoku";
 * const shape = { boxRows: 2, boxCols: 3 };
 * if (!isValidSolution(sudokuSolver(shape).randomGrid(createRng(0)), shape)) throw new Error("valid");
 * ```
 */
export function sudokuSolver(shape: SudokuShape): SudokuSolver {
  const l = layout(shape), s = new Search(l), empty = new Uint8Array(l.cells);
  return {
    count: (puzzle, limit = 2, out) => s.count(puzzle, limit, out),
    hasOtherSolution: (puzzle, cell, value) => s.count(puzzle, 1, undefined, undefined, cell, value) > 0,
    randomGrid: (rng) => {
      const out = new Uint8Array(l.cells);
      s.count(empty, 1, out, rng);
      return out;
    },
  };
}

/**
 * Counts solutions of `puzzle` (0 = blank, row-major N x N) up to `limit` (default 2: enough to tell
 * "unique" from "several"); the first solution found is copied into `out` when given.
 *
 * @example
 * ```ts
 * import { countSolutions } from "@recursive/trm/tasks/sudoku";
 * const shape = { boxRows: 2, boxCols: 2 };
 * if (countSolutions(new Uint8Array(16), shape) !== 2) throw new Error("an empty grid has many");
 * ```
 */
export function countSolutions(puzzle: Uint8Array, shape: SudokuShape, limit = 2, out?: Uint8Array): number {
  return new Search(layout(shape)).count(puzzle, limit, out);
}
