/**
 * Sudoku as a TRM task (spec 6.2): cell value v (0 blank, 1..N digits) becomes token v + 1, so PAD = 0
 * is unused, blank = 1 and digits are 2..N+1; V = N + 2, L = N * N. Every label cell is supervised.
 *
 * @module
 */
import {
  DataError,
  exactScore,
  type Example,
  type Score,
  type Task,
  type TaskSpec,
} from "@recursive/trm/core";
import { generateSudokuSet } from "./generator.ts";
import { loadSudokuCsv } from "./csv.ts";
import { renderSudoku } from "./render.ts";

/** Box shape: an N x N grid with N = boxRows * boxCols (2x2 -> 4x4, 2x3 -> 6x6, 3x3 -> 9x9). */
export interface SudokuShape {
  /** Rows per box (the height of a box; 3 for classic 9x9). */
  readonly boxRows: number;
  /** Columns per box. */
  readonly boxCols: number;
}

/** A puzzle (0 = blank) and, where known, its solution; both row-major N x N. */
export interface SudokuPuzzle extends SudokuShape {
  /** Givens, 0 for blanks. */
  readonly puzzle: Uint8Array;
  /** The complete solution. */
  readonly solution?: Uint8Array;
}

/** The Sudoku task plugin. */
export interface SudokuTask extends Task<SudokuPuzzle> {
  /** The box shape. */
  readonly shape: SudokuShape;
  /** Exact match of all cells (the reference's metric). */
  score(predicted: Int32Array, example: Example): Score;
  /** A complete grid that keeps the givens and has every digit once per row, column and box. */
  validate(puzzle: SudokuPuzzle, answer: SudokuPuzzle): boolean;
  /** N*N characters: digits or base-36 letters, `.` or `0` for blanks; whitespace is ignored. */
  parse(text: string): SudokuPuzzle;
  /** Rows of space-separated digits (0 = blank). */
  format(puzzle: SudokuPuzzle): string;
  /** The board; givens of `input` in black, filled cells in blue. */
  render(tokens: Int32Array, input?: Int32Array): string;
  /** Unique-solution puzzles with at least half the cells blank. */
  generate(count: number, seed: number): SudokuPuzzle[];
  /** A Sudoku-Extreme CSV file. */
  load(path: string): Promise<SudokuPuzzle[]>;
}

/**
 * Side length N = boxRows * boxCols of a shape.
 *
 * @example
 * ```ts
 * import { sudokuSize } from "@recursive/trm/tasks/sudoku";
 * if (sudokuSize({ boxRows: 2, boxCols: 3 }) !== 6) throw new Error("6x6");
 * ```
 */
export function sudokuSize(shape: SudokuShape): number {
  return shape.boxRows * shape.boxCols;
}

/**
 * Throws a `RangeError` (prefixed with `who`) unless the box sizes are positive integers with
 * 2 <= N = boxRows * boxCols <= 16.
 *
 * @example
 * ```ts
 * import { checkShape } from "@recursive/trm/tasks/sudoku";
 * checkShape({ boxRows: 2, boxCols: 3 }, "demo");
 * try { checkShape({ boxRows: 0, boxCols: 3 }, "demo"); throw new Error("no"); }
 * catch (e) { if (!(e as Error).message.startsWith("demo:")) throw e; }
 * ```
 */
export function checkShape(shape: SudokuShape, who: string): void {
  const { boxRows: r, boxCols: c } = shape;
  if (!(Number.isInteger(r) && Number.isInteger(c) && r >= 1 && c >= 1 && r * c >= 2 && r * c <= 16)) {
    throw new RangeError(`${who}: expected box sizes with 2 <= boxRows * boxCols <= 16, got ${r}x${c}`);
  }
}

/**
 * Number of blank (0) cells of a grid: the difficulty a generated puzzle reached.
 *
 * @example
 * ```ts
 * import { countBlanks } from "@recursive/trm/tasks/sudoku";
 * if (countBlanks(Uint8Array.from([0, 3, 0, 1])) !== 2) throw new Error("two blanks");
 * ```
 */
export function countBlanks(grid: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < grid.length; i++) if (grid[i] === 0) n++;
  return n;
}

/**
 * The task for boxes of `boxRows x boxCols` (default 3x3, classic 9x9).
 *
 * @example
 * ```ts
 * import { sudokuTask } from "@recursive/trm/tasks/sudoku";
 * const task = sudokuTask({ boxRows: 2, boxCols: 2 });
 * const ex = task.encode({ boxRows: 2, boxCols: 2, puzzle: new Uint8Array(16), solution: new Uint8Array(16).fill(1) });
 * if (task.spec.vocabSize !== 6 || ex.input[0] !== 1 || ex.label[0] !== 2) throw new Error("tokens");
 * ```
 */
export function sudokuTask(shape: Partial<SudokuShape> = {}): SudokuTask {
  const s: SudokuShape = { boxRows: shape.boxRows ?? 3, boxCols: shape.boxCols ?? 3 };
  checkShape(s, "sudokuTask");
  const N = sudokuSize(s);
  const spec: TaskSpec = { name: "sudoku", vocabSize: N + 2, seqLen: N * N, numPuzzleIds: 1 };
  return {
    spec,
    shape: s,
    encode: (p) => {
      if (p.boxRows !== s.boxRows || p.boxCols !== s.boxCols) {
        throw new RangeError(
          `sudoku: expected a ${s.boxRows}x${s.boxCols}-box puzzle, got ${p.boxRows}x${p.boxCols}`,
        );
      }
      for (const [field, g] of [["puzzle", p.puzzle], ["solution", p.solution]] as const) {
        if (g && g.length !== N * N) {
          throw new RangeError(`sudoku: ${field} has ${g.length} cells, expected ${N * N}`);
        }
        const bad = g ? g.findIndex((v) => v > N) : -1;
        if (bad >= 0) throw new RangeError(`sudoku: ${field} cell ${bad} holds ${g![bad]}, expected 0..${N}`);
      }
      const input = Int32Array.from(p.puzzle, (v) => v + 1);
      // Without a solution the label is the input itself (used when solving, never for training).
      const label = Int32Array.from(p.solution ?? p.puzzle, (v) => v + 1);
      return { input, label, puzzleId: 0 };
    },
    decode: (tokens) => ({ ...s, puzzle: Uint8Array.from(tokens, (t) => Math.max(0, Math.min(N, t - 1))) }),
    score: exactScore,
    validate: (puzzle, answer) =>
      isValidSolution(answer.puzzle, s) && isConsistentWith(puzzle.puzzle, answer.puzzle),
    parse: (text) => {
      const cells = text.replace(/\s+/g, "");
      if (cells.length !== N * N) {
        throw new DataError(`puzzle: expected ${N * N} cells for a ${N}x${N} Sudoku, got ${cells.length}`);
      }
      const puzzle = Uint8Array.from(cells, (ch, i) => {
        const v = ch === "." ? 0 : parseInt(ch, 36);
        if (!(v >= 0 && v <= N)) {
          throw new DataError(`puzzle: invalid Sudoku character "${ch}" at position ${i + 1}`);
        }
        return v;
      });
      const clash = givenClash(puzzle, s);
      if (clash) throw new DataError(`puzzle: inconsistent givens: ${clash}`);
      return { ...s, puzzle };
    },
    format: (p) =>
      Array.from(
        { length: N },
        (_, r) => Array.from(p.puzzle.subarray(r * N, (r + 1) * N), (v) => v.toString(36)).join(" "),
      )
        .join("\n"),
    render: (tokens, input) => renderSudoku(s, tokens, input),
    generate: (count, seed) => generateSudokuSet(seed, count, { ...s, minBlanks: Math.floor((N * N) / 2) }),
    load: (path) => loadSudokuCsv(path, s),
  };
}

/**
 * True when `grid` is a complete, valid Sudoku of `shape` (every row, column and box holds 1..N once).
 *
 * @example
 * ```ts
 * import { isValidSolution } from "@recursive/trm/tasks/sudoku";
 * const g = Uint8Array.from([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]);
 * if (!isValidSolution(g, { boxRows: 2, boxCols: 2 })) throw new Error("valid");
 * ```
 */
export function isValidSolution(grid: Uint8Array, shape: SudokuShape): boolean {
  const N = sudokuSize(shape);
  if (grid.length !== N * N) return false;
  for (let i = 0; i < grid.length; i++) if (!(grid[i]! >= 1 && grid[i]! <= N)) return false;
  const full = (1 << (N + 1)) - 2;
  for (let i = 0; i < N; i++) {
    let row = 0, col = 0, box = 0;
    const br = Math.floor(i / (N / shape.boxCols)) * shape.boxRows;
    const bc = (i % (N / shape.boxCols)) * shape.boxCols;
    for (let j = 0; j < N; j++) {
      row |= 1 << grid[i * N + j]!;
      col |= 1 << grid[j * N + i]!;
      box |= 1 << grid[(br + Math.floor(j / shape.boxCols)) * N + bc + (j % shape.boxCols)]!;
    }
    if (row !== full || col !== full || box !== full) return false;
  }
  return true;
}

/** The first rule the givens of `grid` break (a digit twice in a row, column or box), as words. */
function givenClash(grid: Uint8Array, shape: SudokuShape): string | undefined {
  const N = sudokuSize(shape);
  const units: [string, (i: number, j: number) => number][] = [
    ["row", (i, j) => i * N + j],
    ["column", (i, j) => j * N + i],
    ["box", (i, j) => {
      const r0 = Math.floor(i / (N / shape.boxCols)) * shape.boxRows,
        c0 = (i % (N / shape.boxCols)) * shape.boxCols;
      return (r0 + Math.floor(j / shape.boxCols)) * N + c0 + (j % shape.boxCols);
    }],
  ];
  for (const [unit, cell] of units) {
    for (let i = 0; i < N; i++) {
      const seen = new Map<number, number>();
      for (let j = 0; j < N; j++) {
        const k = cell(i, j), v = grid[k]!;
        if (v === 0) continue;
        const first = seen.get(v);
        if (first !== undefined) {
          return `${unit} ${i + 1} holds ${v.toString(36)} twice (cells ${first + 1} and ${k + 1})`;
        }
        seen.set(v, k);
      }
    }
  }
  return undefined;
}

/**
 * True when every given of `puzzle` agrees with `solution`.
 *
 * @example
 * ```ts
 * import { isConsistentWith } from "@recursive/trm/tasks/sudoku";
 * if (!isConsistentWith(Uint8Array.from([0, 2]), Uint8Array.from([1, 2]))) throw new Error("consistent");
 * ```
 */
export function isConsistentWith(puzzle: Uint8Array, solution: Uint8Array): boolean {
  return puzzle.length === solution.length && puzzle.every((v, i) => v === 0 || v === solution[i]);
}
