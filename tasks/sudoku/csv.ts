/**
 * The Sudoku-Extreme CSV format (spec 6.2): a header `source,question,answer,rating`, then one puzzle per
 * line with 81-character strings, '.' (or '0') for blanks. Every row is validated; errors name the
 * file, the line and the problem.
 *
 * @module
 */
import { createRng, DataError, permutation } from "@recursive/trm/core";
import { checkShape, isValidSolution, type SudokuPuzzle, type SudokuShape, sudokuSize } from "./sudoku.ts";

/** Options of {@linkcode parseSudokuCsv}. */
export interface SudokuCsvOptions extends Partial<SudokuShape> {
  /**
   * Keep a seeded random subset of this many rows, in file order (the reference drew its 1k subsample
   * without a seed). Every row is still validated.
   */
  readonly limit?: number;
  /** Seed of the subset (default 0). */
  readonly seed?: number;
}

function parseCells(text: string, N: number, where: string, field: string, allowBlank: boolean): Uint8Array {
  if (text.length !== N * N) {
    throw new DataError(`${where}: ${field} has ${text.length} characters, expected ${N * N}`);
  }
  const out = new Uint8Array(N * N);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const v = ch === "."
      ? 0
      : ch >= "0" && ch <= "9"
      ? ch.charCodeAt(0) - 48
      : N > 9
      ? parseInt(ch, 36)
      : NaN;
    if (!(v >= 0 && v <= N) || (v === 0 && !allowBlank)) {
      throw new DataError(`${where}: ${field} has invalid character "${ch}" at position ${i + 1}`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Parses Sudoku-Extreme CSV text; `fileName` is used in error messages. Each row needs 4 fields, a
 * question and an answer of N * N characters ('.' or '0' = blank in the question; digits, then 'a'..'g'
 * for 10..16 on larger grids), an answer that is a complete valid grid, and every given equal to the
 * answer. The first problem throws a `DataError` naming the file, the line and the problem.
 *
 * @example
 * ```ts
 * import { parseSudokuCsv } from "@recursive/trm/tasks/sudoku";
 * const csv = "source,question,answer,rating\nx,1.3.,1234,0\n";
 * // 2x2 boxes take 16 characters: this line is too short, and the error says where.
 * try { parseSudokuCsv(csv, "a.csv", { boxRows: 2, boxCols: 2 }); throw new Error("no"); }
 * catch (e) { if (!(e as Error).message.startsWith("a.csv:2")) throw e; }
 * ```
 */
export function parseSudokuCsv(
  text: string,
  fileName: string,
  options: SudokuCsvOptions = {},
): SudokuPuzzle[] {
  const shape: SudokuShape = { boxRows: options.boxRows ?? 3, boxCols: options.boxCols ?? 3 };
  checkShape(shape, "parseSudokuCsv");
  const { limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`parseSudokuCsv: limit must be a non-negative integer, got ${limit}`);
  }
  const N = sudokuSize(shape);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = lines[0]?.trim().toLowerCase();
  if (header !== "source,question,answer,rating" && header !== "source,q,a,rating") {
    throw new DataError(
      `${fileName}:1: expected the header "source,question,answer,rating", got "${lines[0] ?? ""}"`,
    );
  }
  const out: SudokuPuzzle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const where = `${fileName}:${i + 1}`;
    const fields = line.split(",");
    if (fields.length !== 4) {
      throw new DataError(`${where}: expected 4 comma-separated fields, got ${fields.length}`);
    }
    const puzzle = parseCells(fields[1]!, N, where, "question", true);
    const solution = parseCells(fields[2]!, N, where, "answer", false);
    if (!isValidSolution(solution, shape)) {
      throw new DataError(`${where}: answer is not a valid complete Sudoku`);
    }
    const clash = puzzle.findIndex((v, k) => v !== 0 && v !== solution[k]);
    if (clash >= 0) {
      throw new DataError(
        `${where}: answer contradicts a given of the question at position ${clash + 1} (${
          fields[1]![clash]
        } vs ${fields[2]![clash]})`,
      );
    }
    out.push({ ...shape, puzzle, solution });
  }
  if (out.length === 0) throw new DataError(`${fileName}: no puzzles after the header`);
  if (limit !== undefined && limit < out.length) {
    const keep = permutation(createRng(options.seed ?? 0), out.length).slice(0, limit).sort();
    return Array.from(keep, (k) => out[k]!);
  }
  return out;
}

/**
 * Reads and parses a Sudoku-Extreme CSV file.
 *
 * @example
 * ```ts
 * import { loadSudokuCsv } from "@recursive/trm/tasks/sudoku";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "source,question,answer,rating\nx,1.3.3..2.1..4..1,1234341221434321,0\n");
 * const [p] = await loadSudokuCsv(path, { boxRows: 2, boxCols: 2 });
 * if (p!.puzzle[1] !== 0) throw new Error("blank");
 * ```
 */
export async function loadSudokuCsv(path: string, options: SudokuCsvOptions = {}): Promise<SudokuPuzzle[]> {
  return parseSudokuCsv(await Deno.readTextFile(path), path, options);
}
