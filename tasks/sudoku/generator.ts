/**
 * A seeded generator of Sudoku puzzles with a unique solution. A random complete grid comes from a
 * randomised solver; clues are then blanked in random order, each blank kept only if no other solution
 * appears, until `blanks` cells are empty or `attempts` cells have been tried. A clue that cannot be
 * removed now can never be removed later (fewer clues only add solutions), so one pass over all cells
 * (the default effort) reaches a minimal puzzle.
 *
 * @module
 */
import { createRng, deriveSeed, permutation, type Rng } from "@recursive/trm/core";
import { sudokuSolver } from "./solver.ts";
import { checkShape, type SudokuPuzzle, type SudokuShape } from "./sudoku.ts";

/** Options of {@linkcode generateSudoku}. */
export interface GenerateSudokuOptions extends Partial<SudokuShape> {
  /**
   * Difficulty knob: target number of blank cells (default: half the cells, rounded up; `N * N` means
   * "as many as uniqueness allows"). Removal stops once it is reached.
   */
  readonly blanks?: number;
  /**
   * Required blanks: a grid that stops short of this (no more clues removable) is discarded and a new
   * one drawn, up to `tries` grids. Default 0 (accept whatever was reached; see `countBlanks`).
   */
  readonly minBlanks?: number;
  /** Effort: cells tried for removal per grid (default every cell, i.e. down to a minimal puzzle). */
  readonly attempts?: number;
  /** Grids drawn before giving up on `minBlanks` with a `RangeError` (default 100). */
  readonly tries?: number;
}

interface Resolved {
  readonly shape: SudokuShape;
  readonly blanks: number;
  readonly minBlanks: number;
  readonly attempts: number;
  readonly tries: number;
}

function resolve(options: GenerateSudokuOptions, who: string): Resolved {
  const shape: SudokuShape = { boxRows: options.boxRows ?? 3, boxCols: options.boxCols ?? 3 };
  checkShape(shape, who);
  const N = shape.boxRows * shape.boxCols, cells = N * N;
  const int = (name: string, v: number, lo: number, hi: number): number => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) {
      throw new RangeError(`${who}: ${name} must be an integer in [${lo}, ${hi}] for ${N}x${N}, got ${v}`);
    }
    return v;
  };
  const blanks = int("blanks", options.blanks ?? Math.ceil(cells / 2), 0, cells);
  return {
    shape,
    blanks,
    minBlanks: int("minBlanks", options.minBlanks ?? 0, 0, blanks),
    attempts: int("attempts", options.attempts ?? cells, 0, cells),
    tries: int("tries", options.tries ?? 100, 1, Number.MAX_SAFE_INTEGER),
  };
}

function generate(rng: Rng, o: Resolved, who: string): SudokuPuzzle {
  const solver = sudokuSolver(o.shape);
  for (let t = 0; t < o.tries; t++) {
    const solution = solver.randomGrid(rng);
    const puzzle = solution.slice(), order = permutation(rng, puzzle.length);
    let removed = 0;
    for (let k = 0; k < o.attempts && removed < o.blanks; k++) {
      const i = order[k]!, v = puzzle[i]!;
      puzzle[i] = 0;
      if (solver.hasOtherSolution(puzzle, i, v)) puzzle[i] = v;
      else removed++;
    }
    if (removed >= o.minBlanks) return { ...o.shape, puzzle, solution };
  }
  const N = o.shape.boxRows * o.shape.boxCols;
  throw new RangeError(
    `${who}: no ${N}x${N} puzzle with >= ${o.minBlanks} blanks in ${o.tries} grids (lower minBlanks or raise tries)`,
  );
}

/**
 * One puzzle with a unique solution, drawn with `rng`; {@linkcode countBlanks} of its `puzzle` tells
 * the blanks reached (`blanks` unless uniqueness stopped the removal first).
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { countBlanks, countSolutions, generateSudoku } from "@recursive/trm/tasks/sudoku";
 * const p = generateSudoku(createRng(1), { boxRows: 2, boxCols: 3, blanks: 18 });
 * if (countSolutions(p.puzzle, p) !== 1 || countBlanks(p.puzzle) !== 18) throw new Error("unique, 18 blanks");
 * ```
 */
export function generateSudoku(rng: Rng, options: GenerateSudokuOptions = {}): SudokuPuzzle {
  return generate(rng, resolve(options, "generateSudoku"), "generateSudoku");
}

/** Options of {@linkcode generateSudokuSet}: as {@linkcode GenerateSudokuOptions}, `minBlanks` defaulting to `blanks`. */
export type GenerateSudokuSetOptions = GenerateSudokuOptions;

function setOptions(options: GenerateSudokuSetOptions, who: string): Resolved {
  const o = resolve(options, who);
  return options.minBlanks === undefined ? { ...o, minBlanks: o.blanks } : o;
}

/** Candidate `k` of a set has its own generator, so any prefix of a longer set is the shorter set. */
function candidate(seed: number, k: number, o: Resolved, who: string): SudokuPuzzle {
  return generate(createRng(deriveSeed(seed, k)), o, who);
}

function countCheck(who: string, name: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new RangeError(`${who}: ${name} must be a non-negative integer, got ${n}`);
  }
}

/**
 * `count` puzzles from `seed`, distinct by givens, each with at least `minBlanks` (default: `blanks`)
 * blanks. Candidate `k` is drawn from `deriveSeed(seed, k)` and repeats are skipped, so a prefix of a
 * longer set from the same seed and options is the shorter set. Throws a `RangeError` when the shape
 * cannot supply that many distinct puzzles.
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
  const who = "generateSudokuSet";
  countCheck(who, "count", count);
  const o = setOptions(options, who), out: SudokuPuzzle[] = [], seen = new Set<string>();
  const maxCandidates = count * 20 + 1000;
  for (let k = 0; out.length < count; k++) {
    if (k >= maxCandidates) {
      throw new RangeError(
        `${who}: only ${out.length} of ${count} distinct puzzles in ${maxCandidates} candidates`,
      );
    }
    const p = candidate(seed, k, o, who), key = p.puzzle.join("");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** Options of {@linkcode generateSudokuSplit}. */
export interface GenerateSudokuSplitOptions extends GenerateSudokuSetOptions {
  /** Also keep test solution grids out of training (default true; 4x4 has only 288 grids). */
  readonly disjointSolutions?: boolean;
}

/**
 * Disjoint training and held-out sets from `seed`: the test set is `generateSudokuSet(seed,
 * testCount)`; training takes the following candidates whose givens are new and (by default) whose
 * solution grid is not any test puzzle's.
 *
 * @example
 * ```ts
 * import { generateSudokuSplit } from "@recursive/trm/tasks/sudoku";
 * const { train, test } = generateSudokuSplit(0, 40, 10, { boxRows: 2, boxCols: 2 });
 * const grids = new Set(test.map((p) => p.solution!.join("")));
 * if (train.length !== 40 || train.some((p) => grids.has(p.solution!.join("")))) throw new Error("disjoint");
 * ```
 */
export function generateSudokuSplit(
  seed: number,
  trainCount: number,
  testCount: number,
  options: GenerateSudokuSplitOptions = {},
): { readonly train: SudokuPuzzle[]; readonly test: SudokuPuzzle[] } {
  const who = "generateSudokuSplit";
  countCheck(who, "trainCount", trainCount);
  countCheck(who, "testCount", testCount);
  const o = setOptions(options, who), disjoint = options.disjointSolutions ?? true;
  const train: SudokuPuzzle[] = [], test: SudokuPuzzle[] = [];
  const seen = new Set<string>(), testGrids = new Set<string>();
  const maxCandidates = (trainCount + testCount) * 20 + 1000;
  for (let k = 0; test.length < testCount || train.length < trainCount; k++) {
    if (k >= maxCandidates) {
      throw new RangeError(
        `${who}: only ${train.length} of ${trainCount} training and ${test.length} of ${testCount} test puzzles in ${maxCandidates} candidates`,
      );
    }
    const p = candidate(seed, k, o, who), key = p.puzzle.join(""), grid = p.solution!.join("");
    if (seen.has(key)) continue;
    if (test.length < testCount) {
      test.push(p);
      testGrids.add(grid);
    } else if (!(disjoint && testGrids.has(grid))) train.push(p);
    else continue;
    seen.add(key);
  }
  return { train, test };
}

/**
 * Splits puzzles (generated or loaded) into train and held-out sets that share no solution grid, hence
 * no puzzle: puzzles are grouped by solution (file order kept) and whole groups go to the test set
 * while they fit in `testSize`.
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
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const train: SudokuPuzzle[] = [], test: SudokuPuzzle[] = [];
  for (const group of groups.values()) (test.length + group.length <= testSize ? test : train).push(...group);
  return { train, test };
}
