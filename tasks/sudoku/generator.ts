/**
 * A seeded generator of Sudoku puzzles with a unique solution. A random complete grid is built by a
 * randomised solver; clues are then removed in random order, each removal kept only if the solution
 * stays unique, until `blanks` cells are empty or `attempts` removals have been tried.
 *
 * @module
 */
import { createRng, deriveSeed, permutation, type Rng } from "@recursive/trm/core";
import { countSolutions } from "./solver.ts";
import { type SudokuPuzzle, type SudokuShape, sudokuSize } from "./sudoku.ts";

/** Options of {@linkcode generateSudoku}. */
export interface GenerateSudokuOptions extends Partial<SudokuShape> {
  /**
   * Difficulty knob: target number of blank cells (default: half the cells, rounded up). The
   * generator stops early when no further clue can be removed without losing uniqueness.
   */
  readonly blanks?: number;
  /** Search effort: removals tried before giving up (default: every cell once). */
  readonly attempts?: number;
}

/**
 * One puzzle with a unique solution; `puzzle.filter(v => v === 0).length` tells the blanks reached.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { countSolutions, generateSudoku } from "@recursive/trm/tasks/sudoku";
 * const p = generateSudoku(createRng(1), { boxRows: 2, boxCols: 3, blanks: 18 });
 * if (countSolutions(p.puzzle, p, 2) !== 1) throw new Error("unique");
 * ```
 */
export function generateSudoku(rng: Rng, options: GenerateSudokuOptions = {}): SudokuPuzzle {
  const shape: SudokuShape = { boxRows: options.boxRows ?? 3, boxCols: options.boxCols ?? 3 };
  const N = sudokuSize(shape), cells = N * N;
  const blanks = Math.min(cells, options.blanks ?? Math.ceil(cells / 2));
  const solution = new Uint8Array(cells);
  countSolutions(new Uint8Array(cells), shape, 1, solution, rng);
  const puzzle = solution.slice();
  const order = permutation(rng, cells);
  let removed = 0;
  const attempts = Math.min(cells, options.attempts ?? cells);
  for (let k = 0; k < attempts && removed < blanks; k++) {
    const i = order[k]!, v = puzzle[i]!;
    puzzle[i] = 0;
    if (countSolutions(puzzle, shape, 2) === 1) removed++;
    else puzzle[i] = v;
  }
  return { ...shape, puzzle, solution };
}

/** Options of {@linkcode generateSudokuSet}. */
export interface GenerateSudokuSetOptions extends GenerateSudokuOptions {
  /** Keep only puzzles with at least this many blanks (default: `blanks`). */
  readonly minBlanks?: number;
}

/**
 * `count` distinct puzzles (by givens) from `seed`, each with at least `minBlanks` blanks.
 * Throws if the shape cannot produce that many (e.g. asking a 4x4 for more than exist).
 *
 * @example
 * ```ts
 * import { generateSudokuSet } from "@recursive/trm/tasks/sudoku";
 * const set = generateSudokuSet(7, 20, { boxRows: 2, boxCols: 2, blanks: 8 });
 * if (new Set(set.map((p) => p.puzzle.join(""))).size !== 20) throw new Error("distinct");
 * ```
 */
export function generateSudokuSet(
  seed: number,
  count: number,
  options: GenerateSudokuSetOptions = {},
): SudokuPuzzle[] {
  const out: SudokuPuzzle[] = [], seen = new Set<string>();
  const N = sudokuSize({ boxRows: options.boxRows ?? 3, boxCols: options.boxCols ?? 3 });
  const minBlanks = options.minBlanks ?? options.blanks ?? Math.ceil((N * N) / 2);
  const maxTries = count * 50 + 1000;
  for (let t = 0; out.length < count; t++) {
    if (t >= maxTries) {
      throw new RangeError(
        `generateSudokuSet: only ${out.length} of ${count} distinct ${N}x${N} puzzles with >= ${minBlanks} blanks found`,
      );
    }
    const p = generateSudoku(createRng(deriveSeed(seed, t)), options);
    const key = p.puzzle.join("");
    if (seen.has(key) || p.puzzle.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) < minBlanks) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * Splits generated puzzles into train and held-out sets that share no puzzle and no solution grid
 * (puzzles are grouped by solution; whole groups go to one side).
 *
 * @example
 * ```ts
 * import { generateSudokuSet, splitBySolution } from "@recursive/trm/tasks/sudoku";
 * const { train, test } = splitBySolution(generateSudokuSet(1, 60, { boxRows: 2, boxCols: 2 }), 10);
 * const sol = new Set(train.map((p) => p.solution!.join("")));
 * if (test.some((p) => sol.has(p.solution!.join("")))) throw new Error("disjoint");
 * ```
 */
export function splitBySolution(
  puzzles: readonly SudokuPuzzle[],
  testSize: number,
): { train: SudokuPuzzle[]; test: SudokuPuzzle[] } {
  const groups = new Map<string, SudokuPuzzle[]>();
  for (const p of puzzles) {
    const key = (p.solution ?? p.puzzle).join("");
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const train: SudokuPuzzle[] = [], test: SudokuPuzzle[] = [];
  for (const group of groups.values()) (test.length + group.length <= testSize ? test : train).push(...group);
  return { train, test };
}
