/**
 * Maze as a TRM task (spec 6.3): the charset `"# SGo"` maps to tokens 1..5 (wall, open, start, goal,
 * path), PAD = 0, V = 6, L = size * size. The input is the maze; the label is the maze with one
 * shortest path from S to G marked `o` (S and G keep their marks). Every label cell is supervised.
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
import { colourGrid, MAZE_PALETTE } from "../../viz/svg.ts";
import { svgDocument } from "../../viz/grid.ts";
import { generateMazeSet } from "./generator.ts";
import { loadMazeCsv } from "./csv.ts";

/** Token values. */
export const MAZE_TOKENS = { wall: 1, open: 2, start: 3, goal: 4, path: 5 } as const;
/** The reference's charset: index + 1 is the token. */
export const MAZE_CHARSET = "# SGo";

/** A square maze of tokens 1..4 and, where known, its labelled solution (tokens 1..5). */
export interface Maze {
  /** Side length. */
  readonly size: number;
  /** Row-major cells: 1 wall, 2 open, 3 start, 4 goal. */
  readonly cells: Uint8Array;
  /** The same maze with a shortest S-G path marked 5, where known. */
  readonly solution?: Uint8Array;
}

/** Maze score: exact match, plus whether the predicted path is a valid shortest path. */
export interface MazeScore extends Score {
  /** The predicted `o` cells form a connected S -> G path through open cells of shortest length. */
  readonly pathValid: boolean;
}

/** The Maze task plugin. */
export interface MazeTask extends Task<Maze> {
  /** Exact match plus path validity. */
  score(predicted: Int32Array, example: Example): MazeScore;
  /** The answer marks one shortest S -> G path through open cells of the maze (any of them). */
  validate(puzzle: Maze, answer: Maze): boolean;
  /** `size` lines of `size` characters over `# SG` (line breaks between rows). */
  parse(text: string): Maze;
  /** The maze (its solution where known) in the reference's charset. */
  format(maze: Maze): string;
  /** Cells in the maze palette (wall, open, start, goal, path). */
  render(tokens: Int32Array): string;
  /** Perfect mazes with a shortest path of at least min(110, size * size / 8) moves (110 = Maze-Hard). */
  generate(count: number, seed: number): Maze[];
  /** A Maze-Hard CSV file. */
  load(path: string): Promise<Maze[]>;
}

const NEIGHBOURS = [[-1, 0], [1, 0], [0, -1], [0, 1]] as const;

/**
 * Breadth-first distances (moves) from cell `from` through cells for which `passable(i)` holds; -1 where
 * unreachable.
 *
 * @example
 * ```ts
 * import { bfsDistances } from "@recursive/trm/tasks/maze";
 * const d = bfsDistances(2, 0, () => true);
 * if (d[3] !== 2) throw new Error("corner to corner of a 2x2 is 2 moves");
 * ```
 */
export function bfsDistances(size: number, from: number, passable: (i: number) => boolean): Int32Array {
  const dist = new Int32Array(size * size).fill(-1), queue = new Int32Array(size * size);
  let head = 0, tail = 0;
  dist[from] = 0;
  queue[tail++] = from;
  while (head < tail) {
    const i = queue[head++]!, r = Math.floor(i / size), c = i % size;
    for (const [dr, dc] of NEIGHBOURS) {
      const nr = r + dr, nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= size || nc >= size) continue;
      const j = nr * size + nc;
      if (dist[j] !== -1 || !passable(j)) continue;
      dist[j] = dist[i]! + 1;
      queue[tail++] = j;
    }
  }
  return dist;
}

/**
 * Shortest S -> G distance in moves through non-wall cells (-1 if unsolvable).
 *
 * @example
 * ```ts
 * import { shortestPathLength } from "@recursive/trm/tasks/maze";
 * // S . G in one row: 2 moves.
 * if (shortestPathLength({ size: 3, cells: Uint8Array.from([3, 2, 4, 1, 1, 1, 1, 1, 1]) }) !== 2) throw new Error("2");
 * ```
 */
export function shortestPathLength(maze: Maze): number {
  const s = maze.cells.indexOf(MAZE_TOKENS.start), g = maze.cells.indexOf(MAZE_TOKENS.goal);
  if (s < 0 || g < 0) return -1;
  return bfsDistances(maze.size, s, (i) => maze.cells[i] !== MAZE_TOKENS.wall)[g]!;
}

/**
 * The shortest S -> G length (moves, -1 if unsolvable) and the number of distinct shortest paths,
 * counted up to `limit` (default 2, enough to tell "unique" from "not unique"; 0 if unsolvable).
 *
 * @example
 * ```ts
 * import { shortestPaths } from "@recursive/trm/tasks/maze";
 * // An open 2x2 room with S and G in opposite corners: two shortest paths of 2 moves.
 * const room = { size: 2, cells: Uint8Array.from([3, 2, 2, 4]) };
 * const { length, count } = shortestPaths(room, 10);
 * if (length !== 2 || count !== 2) throw new Error("two paths of 2 moves");
 * ```
 */
export function shortestPaths(maze: Maze, limit = 2): { readonly length: number; readonly count: number } {
  const n = maze.size, cells = maze.cells;
  const s = cells.indexOf(MAZE_TOKENS.start), g = cells.indexOf(MAZE_TOKENS.goal);
  if (s < 0 || g < 0) return { length: -1, count: 0 };
  const dist = new Int32Array(n * n).fill(-1), ways = new Float64Array(n * n), queue = new Int32Array(n * n);
  let head = 0, tail = 0;
  dist[s] = 0;
  ways[s] = 1;
  queue[tail++] = s;
  // BFS finishes every cell at distance d before it takes one at d + 1, so when a cell is taken, all
  // its shortest-path predecessors have added their counts.
  while (head < tail) {
    const i = queue[head++]!, r = Math.floor(i / n), c = i % n;
    for (const [dr, dc] of NEIGHBOURS) {
      const nr = r + dr, nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= n || nc >= n) continue;
      const j = nr * n + nc;
      if (cells[j] === MAZE_TOKENS.wall) continue;
      if (dist[j] === -1) {
        dist[j] = dist[i]! + 1;
        queue[tail++] = j;
      }
      if (dist[j] === dist[i]! + 1) ways[j] = Math.min(limit, ways[j]! + ways[i]!);
    }
  }
  return { length: dist[g]!, count: ways[g]! };
}

/**
 * Whether `predicted` (tokens) marks a valid shortest path of `maze`: its path cells are open cells of
 * the maze, they connect S to G, and there are exactly (shortest length - 1) of them. (Connected plus
 * that count means they form one shortest path.)
 *
 * @example
 * ```ts
 * import { isValidPath } from "@recursive/trm/tasks/maze";
 * const maze = { size: 1 + 2, cells: Uint8Array.from([3, 2, 4, 1, 1, 1, 1, 1, 1]) };
 * if (!isValidPath(maze, Uint8Array.from([3, 5, 4, 1, 1, 1, 1, 1, 1]))) throw new Error("S o G");
 * ```
 */
export function isValidPath(maze: Maze, predicted: ArrayLike<number>): boolean {
  const n = maze.size * maze.size;
  if (predicted.length !== n) return false;
  const s = maze.cells.indexOf(MAZE_TOKENS.start), g = maze.cells.indexOf(MAZE_TOKENS.goal);
  const best = shortestPathLength(maze);
  if (best < 0) return false;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (predicted[i] !== MAZE_TOKENS.path) continue;
    if (maze.cells[i] !== MAZE_TOKENS.open) return false; // through a wall, or over S/G
    count++;
  }
  if (count !== best - 1) return false;
  const d = bfsDistances(maze.size, s, (i) => i === g || predicted[i] === MAZE_TOKENS.path);
  return d[g] === best;
}

/**
 * The maze task for `size x size` mazes (default 30, Maze-Hard).
 *
 * @example
 * ```ts
 * import { mazeTask } from "@recursive/trm/tasks/maze";
 * const t = mazeTask();
 * if (t.spec.vocabSize !== 6 || t.spec.seqLen !== 900) throw new Error("spec");
 * ```
 */
export function mazeTask(options: { readonly size?: number } = {}): MazeTask {
  const size = options.size ?? 30;
  if (!(Number.isInteger(size) && size >= 2 && size <= 64)) {
    throw new RangeError(`mazeTask: size must be an integer in 2..64, got ${size}`);
  }
  const spec: TaskSpec = { name: "maze", vocabSize: 6, seqLen: size * size, numPuzzleIds: 1 };
  return {
    spec,
    encode: (m) => {
      if (m.size !== size) {
        throw new RangeError(`mazeTask: expected a ${size}x${size} maze, got ${m.size}x${m.size}`);
      }
      for (const [field, grid] of [["cells", m.cells], ["solution", m.solution]] as const) {
        if (grid && grid.length !== size * size) {
          throw new RangeError(`mazeTask: maze ${field} has ${grid.length} cells, expected ${size * size}`);
        }
      }
      return { input: Int32Array.from(m.cells), label: Int32Array.from(m.solution ?? m.cells), puzzleId: 0 };
    },
    decode: (tokens) => ({
      size,
      cells: Uint8Array.from(tokens, (t) => (t === MAZE_TOKENS.path ? MAZE_TOKENS.open : t)),
      solution: Uint8Array.from(tokens),
    }),
    score: (predicted, example) => ({
      ...exactScore(predicted, example),
      pathValid: isValidPath({ size, cells: Uint8Array.from(example.input) }, predicted),
    }),
    validate: (puzzle, answer) => isValidPath(puzzle, answer.solution ?? answer.cells),
    parse: (text) => {
      // Open cells are spaces, so only line breaks are dropped.
      const cells = text.replace(/\r?\n/g, "");
      if (cells.length !== size * size) {
        throw new DataError(
          `puzzle: expected ${size * size} cells for a ${size}x${size} maze, got ${cells.length}`,
        );
      }
      return {
        size,
        cells: Uint8Array.from(cells, (ch, i) => {
          const t = MAZE_CHARSET.indexOf(ch) + 1;
          if (t === 0 || t === MAZE_TOKENS.path) {
            throw new DataError(`puzzle: invalid maze character "${ch}" at position ${i + 1}`);
          }
          return t;
        }),
      };
    },
    format: (m) => mazeToText(size, m.solution ?? m.cells),
    render: (tokens) => svgDocument(colourGrid(size, size, tokens, MAZE_PALETTE, 12)),
    generate: (count, seed) =>
      generateMazeSet(seed, count, { size, minPathLength: Math.floor(Math.min(110, (size * size) / 8)) }),
    load: (path) => loadMazeCsv(path, { size }),
  };
}

/**
 * The maze as text, one row per line, in the reference's charset.
 *
 * @example
 * ```ts
 * import { mazeToText } from "@recursive/trm/tasks/maze";
 * if (mazeToText(2, Uint8Array.from([3, 5, 1, 4])) !== "So\n#G") throw new Error("text");
 * ```
 */
export function mazeToText(size: number, tokens: ArrayLike<number>): string {
  const rows: string[] = [];
  for (let r = 0; r < size; r++) {
    let line = "";
    for (let c = 0; c < size; c++) line += MAZE_CHARSET[(tokens[r * size + c] ?? 1) - 1] ?? "?";
    rows.push(line);
  }
  return rows.join("\n");
}
