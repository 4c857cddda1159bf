/**
 * N-Queens completion, a task written only against the public task interface (not in the paper). The input is an
 * N x N board with some queens placed; the answer is the full placement of N non-attacking queens
 * that extends them (the givens are chosen so that exactly one completion exists).
 *
 * Tokens: PAD 0 (unused), empty 1, queen 2; V = 3, L = N * N.
 *
 * @module
 */
import {
  createRng,
  DataError,
  deriveSeed,
  exactScore,
  type Example,
  listTestSource,
  permutation,
  type Rng,
  type Score,
  shuffledTrainSource,
  type Task,
  type TestSource,
  type TrainSource,
} from "@recursive/trm/core";
import { applyDihedral, type DihedralId } from "../../augment/dihedral.ts";
import { colourGrid } from "../../viz/svg.ts";
import { svgDocument } from "../../viz/grid.ts";

/** A board: `queens[r]` is the column of row r's queen, or -1 where not given. */
export interface QueensPuzzle {
  /** Board side N. */
  readonly n: number;
  /** Given queens per row (-1 = empty row). */
  readonly givens: Int8Array;
  /** The unique completion, where known. */
  readonly solution?: Int8Array;
}

/** Every solution of the N-Queens problem (as column per row), by backtracking. */
export function allQueenSolutions(n: number): Int8Array[] {
  const out: Int8Array[] = [], cols = new Int8Array(n);
  const place = (r: number, used: number, d1: number, d2: number) => {
    if (r === n) return void out.push(cols.slice());
    for (let c = 0; c < n; c++) {
      if (used & (1 << c) || d1 & (1 << (r + c)) || d2 & (1 << (r - c + n))) continue;
      cols[r] = c;
      place(r + 1, used | (1 << c), d1 | (1 << (r + c)), d2 | (1 << (r - c + n)));
    }
  };
  place(0, 0, 0, 0);
  return out;
}

/** True when `cols` places N non-attacking queens consistent with `givens`. */
export function isQueensSolution(cols: Int8Array, givens: Int8Array): boolean {
  const n = cols.length;
  for (let r = 0; r < n; r++) {
    if (cols[r]! < 0 || (givens[r]! >= 0 && givens[r] !== cols[r])) return false;
    for (let s = 0; s < r; s++) {
      if (cols[s] === cols[r] || Math.abs(cols[s]! - cols[r]!) === r - s) return false;
    }
  }
  return true;
}

/**
 * A puzzle with a unique completion: a random solution, its queens revealed in random order until only
 * that solution agrees with them.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { allQueenSolutions, generateQueens } from "@recursive/trm/tasks/nqueens";
 * const p = generateQueens(createRng(0), 8);
 * const matches = allQueenSolutions(8).filter((s) => s.every((c, r) => p.givens[r]! < 0 || p.givens[r] === c));
 * if (matches.length !== 1) throw new Error("unique completion");
 * ```
 */
export function generateQueens(
  rng: Rng,
  n: number,
  solutions: readonly Int8Array[] = allQueenSolutions(n),
): QueensPuzzle {
  const solution = solutions[rng.int(0, solutions.length - 1)]!;
  const givens = new Int8Array(n).fill(-1);
  let candidates = solutions;
  for (const r of permutation(rng, n)) {
    if (candidates.length === 1) break;
    givens[r] = solution[r]!;
    candidates = candidates.filter((s) => s[r] === solution[r]);
  }
  return { n, givens, solution };
}

const toBoard = (n: number, cols: Int8Array): Int32Array => {
  const t = new Int32Array(n * n).fill(1);
  cols.forEach((c, r) => c >= 0 && (t[r * n + c] = 2));
  return t;
};

/** The N-Queens task plugin (exact match, plus validity of any consistent completion). */
export interface QueensTask extends Task<QueensPuzzle> {
  /** Exact match and `valid` (N non-attacking queens extending the givens). */
  score(predicted: Int32Array, example: Example): Score & { readonly valid: boolean };
  /** N non-attacking queens that keep the givens. */
  validate(puzzle: QueensPuzzle, answer: QueensPuzzle): boolean;
  /** N lines of N characters: `Q` a queen, `.` an empty cell. */
  parse(text: string): QueensPuzzle;
  /** The board as {@linkcode QueensTask.parse} reads it. */
  format(puzzle: QueensPuzzle): string;
  /** A chessboard with the queens. */
  render(tokens: Int32Array): string;
  /** Puzzles with a unique completion. */
  generate(count: number, seed: number): QueensPuzzle[];
}

/**
 * The task for N x N boards.
 *
 * @example
 * ```ts
 * import { queensTask } from "@recursive/trm/tasks/nqueens";
 * const t = queensTask(8);
 * if (t.spec.seqLen !== 64 || t.spec.vocabSize !== 3) throw new Error("spec");
 * ```
 */
export function queensTask(n = 8): QueensTask {
  const spec = { name: "nqueens", vocabSize: 3, seqLen: n * n, numPuzzleIds: 1 };
  const colsOf = (tokens: ArrayLike<number>): Int8Array =>
    Int8Array.from({ length: n }, (_, r) => {
      const row = Array.from({ length: n }, (_, c) => tokens[r * n + c]);
      return row.filter((t) => t === 2).length === 1 ? row.indexOf(2) : -1;
    });
  return {
    spec,
    encode: (p) => ({ input: toBoard(n, p.givens), label: toBoard(n, p.solution ?? p.givens), puzzleId: 0 }),
    decode: (tokens) => ({ n, givens: colsOf(tokens) }),
    score: (predicted, example) => {
      const all = predicted.filter((t) => t === 2).length === n;
      return {
        ...exactScore(predicted, example),
        valid: all && isQueensSolution(colsOf(predicted), colsOf(example.input)),
      };
    },
    validate: (puzzle, answer) => isQueensSolution(answer.givens, puzzle.givens),
    parse: (text) => {
      const rows = text.trim().split(/\r?\n/).map((l) => l.trim());
      if (rows.length !== n || rows.some((r) => r.length !== n || /[^Q.]/.test(r))) {
        throw new DataError(`puzzle: expected ${n} lines of ${n} characters "Q" or "."`);
      }
      return { n, givens: colsOf(Int32Array.from(rows.join(""), (ch) => (ch === "Q" ? 2 : 1))) };
    },
    format: (p) => {
      const cols = p.solution ?? p.givens;
      return Array.from(
        { length: n },
        (_, r) => Array.from({ length: n }, (_, c) => (cols[r] === c ? "Q" : ".")).join(""),
      )
        .join("\n");
    },
    render: (tokens) =>
      svgDocument(
        colourGrid(n, n, Array.from(tokens, (t, i) => t === 2 ? 2 : (Math.floor(i / n) + i) % 2), [
          "#f0d9b5",
          "#b58863",
          "#c62828",
        ], 20),
      ),
    generate: (count, seed) => generateQueensSet(seed, count, n),
  };
}

/**
 * Training batches with a random symmetry of the square per example (D4 keeps N-Queens valid).
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { generateQueens, queensTask, queensTrainSource } from "@recursive/trm/tasks/nqueens";
 * const task = queensTask(6);
 * const src = queensTrainSource(task, [generateQueens(createRng(1), 6)], 0);
 * if (src.batch(0, 2).length !== 2) throw new Error("batch");
 * ```
 */
export function queensTrainSource(
  task: QueensTask,
  puzzles: readonly QueensPuzzle[],
  seed: number,
): TrainSource {
  const n = Math.round(Math.sqrt(task.spec.seqLen));
  return shuffledTrainSource(task.spec, puzzles.length, seed, (index, epoch) => {
    const ex = task.encode(puzzles[index]!);
    const t = createRng(deriveSeed(seed, epoch, index)).int(0, 7) as DihedralId;
    const move = (tokens: Int32Array) =>
      Int32Array.from(applyDihedral({ height: n, width: n, data: Uint8Array.from(tokens) }, t).data);
    return { input: move(ex.input), label: move(ex.label), puzzleId: 0 };
  });
}

/** Held-out examples in order. */
export function queensTestSource(task: QueensTask, puzzles: readonly QueensPuzzle[]): TestSource {
  return listTestSource(task.spec, puzzles.map((p) => task.encode(p)));
}

/** `count` distinct puzzles (by givens) from `seed`. */
export function generateQueensSet(seed: number, count: number, n = 8): QueensPuzzle[] {
  const solutions = allQueenSolutions(n), seen = new Set<string>(), out: QueensPuzzle[] = [];
  for (let k = 0; out.length < count; k++) {
    if (k > count * 50 + 1000) {
      throw new RangeError(`generateQueensSet: only ${out.length} distinct ${n}x${n} puzzles found`);
    }
    const p = generateQueens(createRng(deriveSeed(seed, k)), n, solutions);
    const key = p.givens.join();
    if (!seen.has(key)) seen.add(key), out.push(p);
  }
  return out;
}

/** The plugin for `--task nqueens` (or this file's path): an 8x8 board, or the side of a checkpoint's spec. */
export default function plugin(spec?: { readonly seqLen: number }): QueensTask {
  return queensTask(spec ? Math.round(Math.sqrt(spec.seqLen)) : 8);
}
