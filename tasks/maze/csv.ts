/**
 * The Maze-Hard CSV format (spec 6.3): header `source,question,answer,rating`, then one maze per line as
 * size*size-character strings over `"# SGo"`. Errors name the file, the line and the problem.
 *
 * @module
 */
import { DataError } from "@recursive/trm/core";
import { type Maze, MAZE_CHARSET, MAZE_TOKENS, shortestPathLength } from "./maze.ts";

function parseCells(text: string, where: string, field: string, allowPath: boolean): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const t = MAZE_CHARSET.indexOf(text[i]!) + 1;
    if (t === 0 || (t === MAZE_TOKENS.path && !allowPath)) {
      throw new DataError(
        `${where}: ${field} has invalid character "${text[i]}" at position ${i + 1} (expected one of "${
          allowPath ? MAZE_CHARSET : "# SG"
        }")`,
      );
    }
    out[i] = t;
  }
  return out;
}

/** Options of {@linkcode parseMazeCsv}. */
export interface MazeCsvOptions {
  /** Required side length (e.g. 30 for Maze-Hard); by default any square size, the same on every line. */
  readonly size?: number;
}

/**
 * Parses Maze-Hard CSV text; `fileName` is used in error messages. Each line is checked: 4 fields,
 * square (or `options.size`-sided) question and answer of equal length over `"# SGo"` (`o` only in the
 * answer), exactly one S and one G in each, the answer equal to the question outside the path, and a
 * solvable maze. The first problem throws a `DataError` naming the file, the line and the problem.
 *
 * @example
 * ```ts
 * import { parseMazeCsv } from "@recursive/trm/tasks/maze";
 * const mazes = parseMazeCsv("source,question,answer,rating\nx,S G#,SoG#,0\n", "m.csv");
 * if (mazes[0]!.size !== 2) throw new Error("2x2");
 * ```
 */
export function parseMazeCsv(text: string, fileName: string, options: MazeCsvOptions = {}): Maze[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim().toLowerCase() !== "source,question,answer,rating") {
    throw new DataError(
      `${fileName}:1: expected the header "source,question,answer,rating", got "${lines[0] ?? ""}"`,
    );
  }
  const out: Maze[] = [];
  let size = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const where = `${fileName}:${i + 1}`;
    const fields = line.split(",");
    if (fields.length !== 4) {
      throw new DataError(`${where}: expected 4 comma-separated fields, got ${fields.length}`);
    }
    const [, q, a] = fields as [string, string, string, string];
    const n = Math.round(Math.sqrt(q.length));
    if (n * n !== q.length || n < 2) {
      throw new DataError(
        `${where}: question has ${q.length} characters, expected a square number such as 900`,
      );
    }
    if (options.size !== undefined && n !== options.size) {
      throw new DataError(
        `${where}: question has ${q.length} characters, expected ${
          options.size ** 2
        } (${options.size}x${options.size})`,
      );
    }
    if (size && n !== size) throw new DataError(`${where}: a ${n}x${n} maze among ${size}x${size} ones`);
    size = n;
    if (a.length !== q.length) {
      throw new DataError(`${where}: answer has ${a.length} characters, expected ${q.length}`);
    }
    const cells = parseCells(q, where, "question", false), solution = parseCells(a, where, "answer", true);
    for (const [field, grid] of [["question", cells], ["answer", solution]] as const) {
      const s = grid.filter((t) => t === MAZE_TOKENS.start).length,
        g = grid.filter((t) => t === MAZE_TOKENS.goal).length;
      if (s !== 1 || g !== 1) {
        throw new DataError(`${where}: ${field} must have exactly one S and one G, has ${s} S and ${g} G`);
      }
    }
    for (let k = 0; k < cells.length; k++) {
      const same = solution[k] === cells[k] ||
        (solution[k] === MAZE_TOKENS.path && cells[k] === MAZE_TOKENS.open);
      if (!same) {
        throw new DataError(
          `${where}: answer differs from the question at position ${k + 1} outside the path`,
        );
      }
    }
    const maze = { size: n, cells, solution };
    if (shortestPathLength(maze) < 0) throw new DataError(`${where}: the maze has no path from S to G`);
    out.push(maze);
  }
  if (out.length === 0) throw new DataError(`${fileName}: no mazes after the header`);
  return out;
}

/**
 * Reads and parses a Maze-Hard CSV file.
 *
 * @example
 * ```ts
 * import { loadMazeCsv } from "@recursive/trm/tasks/maze";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "source,question,answer,rating\nx,S G#,SoG#,0\n");
 * if ((await loadMazeCsv(path)).length !== 1) throw new Error("one maze");
 * ```
 */
export async function loadMazeCsv(path: string, options: MazeCsvOptions = {}): Promise<Maze[]> {
  return parseMazeCsv(await Deno.readTextFile(path), path, options);
}
