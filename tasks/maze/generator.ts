/**
 * A seeded generator of hard mazes. It carves a perfect maze (randomised depth-first search on the
 * lattice of even coordinates; a perfect maze is a tree, so there is exactly one path between any two
 * cells) and places S and G at least `minPathLength` moves apart along the tree.
 *
 * Guarantees, for every maze it returns: exactly one S and one G; solvable; the shortest S -> G path
 * has at least `minPathLength` moves and is the only shortest path (so exact match is well defined);
 * the label marks exactly that path with `o`. With `loops: 0` (the default) the maze is a tree and the
 * S -> G path is the only path of any length. With `loops > 0`, up to that many extra walls between
 * corridors are knocked out, each kept only if the shortest path stays unique and long enough, so the
 * maze has cycles (as Maze-Hard's do) but still one shortest answer. For an even `size` the last row
 * and column are walls (the lattice needs an odd side).
 *
 * @module
 */
import { createRng, deriveSeed, type Rng } from "@recursive/trm/core";
import { bfsDistances, type Maze, MAZE_TOKENS, shortestPaths } from "./maze.ts";

/** Options of {@linkcode generateMaze}. */
export interface GenerateMazeOptions {
  /** Side length (default 30). */
  readonly size?: number;
  /** Minimum shortest-path length in moves (default 110, as Maze-Hard). */
  readonly minPathLength?: number;
  /** Extra walls to knock out, keeping the shortest path unique and long enough (default 0). */
  readonly loops?: number;
}

const DIRS = [[-1, 0], [1, 0], [0, -1], [0, 1]] as const;

function carve(rng: Rng, size: number): Uint8Array {
  const cells = new Uint8Array(size * size).fill(MAZE_TOKENS.wall);
  const lattice = Math.floor((size + 1) / 2); // lattice points at 0, 2, 4, ... < size
  const start = rng.int(0, lattice * lattice - 1);
  const stack = [start], seen = new Uint8Array(lattice * lattice);
  seen[start] = 1;
  cells[2 * Math.floor(start / lattice) * size + 2 * (start % lattice)] = MAZE_TOKENS.open;
  const next: number[] = [];
  while (stack.length) {
    const cur = stack[stack.length - 1]!, r = Math.floor(cur / lattice), c = cur % lattice;
    next.length = 0;
    for (const [dr, dc] of DIRS) {
      const nr = r + dr, nc = c + dc;
      if (nr >= 0 && nc >= 0 && nr < lattice && nc < lattice && !seen[nr * lattice + nc]) {
        next.push(nr * lattice + nc);
      }
    }
    if (next.length === 0) {
      stack.pop();
      continue;
    }
    const n = next[rng.int(0, next.length - 1)]!, nr = Math.floor(n / lattice), nc = n % lattice;
    seen[n] = 1;
    cells[2 * nr * size + 2 * nc] = MAZE_TOKENS.open;
    cells[(r + nr) * size + (c + nc)] = MAZE_TOKENS.open; // the wall between the two lattice points
    stack.push(n);
  }
  return cells;
}

/** Knocks out up to `loops` walls between lattice points, keeping the S -> G shortest path unique and long. */
function addLoops(rng: Rng, maze: Maze, loops: number, minPath: number): void {
  const { size, cells } = maze, last = 2 * (Math.floor((size + 1) / 2) - 1);
  const walls: number[] = [];
  for (let r = 0; r <= last; r++) {
    for (let c = (r + 1) % 2; c <= last; c += 2) {
      if (cells[r * size + c] === MAZE_TOKENS.wall) walls.push(r * size + c);
    }
  }
  let added = 0;
  for (let k = walls.length - 1; k >= 0 && added < loops; k--) {
    // A partial Fisher-Yates: wall k is a uniform pick among those not yet tried.
    const j = rng.int(0, k), w = walls[j]!;
    walls[j] = walls[k]!;
    cells[w] = MAZE_TOKENS.open;
    const { length, count } = shortestPaths(maze);
    if (length >= minPath && count === 1) added++;
    else cells[w] = MAZE_TOKENS.wall;
  }
}

function checkOptions(size: number, minPath: number, loops: number): void {
  if (!(Number.isInteger(size) && size >= 3 && size <= 64)) {
    throw new RangeError(`generateMaze: size must be an integer in 3..64, got ${size}`);
  }
  // The longest path in a tree on the lattice visits every lattice point and the walls between them.
  const lattice = Math.floor((size + 1) / 2), longest = 2 * (lattice * lattice - 1);
  if (!(Number.isInteger(minPath) && minPath >= 1 && minPath <= longest)) {
    throw new RangeError(
      `generateMaze: minPathLength must be an integer in 1..${longest} for size ${size}, got ${minPath}`,
    );
  }
  if (!(Number.isInteger(loops) && loops >= 0)) {
    throw new RangeError(`generateMaze: loops must be a non-negative integer, got ${loops}`);
  }
}

/**
 * One maze with its labelled unique shortest path (see the module doc for the guarantees); throws a
 * `RangeError` if `minPathLength` is not reached after 200 carved mazes.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { generateMaze, shortestPaths } from "@recursive/trm/tasks/maze";
 * const m = generateMaze(createRng(0), { loops: 20 });
 * const { length, count } = shortestPaths(m);
 * if (length < 110 || count !== 1) throw new Error("hard, with one shortest path");
 * ```
 */
export function generateMaze(rng: Rng, options: GenerateMazeOptions = {}): Maze {
  const size = options.size ?? 30, minPath = options.minPathLength ?? 110, loops = options.loops ?? 0;
  checkOptions(size, minPath, loops);
  for (let attempt = 0; attempt < 200; attempt++) {
    const cells = carve(rng, size);
    const open: number[] = [];
    for (let i = 0; i < cells.length; i++) if (cells[i] === MAZE_TOKENS.open) open.push(i);
    for (let tryStart = 0; tryStart < 4; tryStart++) {
      const s = open[rng.int(0, open.length - 1)]!;
      const far = bfsDistances(size, s, (i) => cells[i] !== MAZE_TOKENS.wall);
      const goals = open.filter((i) => far[i]! >= minPath);
      if (goals.length === 0) continue;
      const g = goals[rng.int(0, goals.length - 1)]!;
      cells[s] = MAZE_TOKENS.start;
      cells[g] = MAZE_TOKENS.goal;
      const maze = { size, cells };
      if (loops > 0) addLoops(rng, maze, loops, minPath);
      const dist = loops > 0 ? bfsDistances(size, s, (i) => cells[i] !== MAZE_TOKENS.wall) : far;
      const solution = cells.slice();
      // Walk back from G along decreasing distance. The shortest path is unique, so every cell on it
      // has exactly one neighbour one move closer to S.
      for (let i = g; dist[i]! > 1;) {
        const c = i % size;
        const prev = [i - size, i + size, c > 0 ? i - 1 : -1, c < size - 1 ? i + 1 : -1]
          .find((j) => j >= 0 && j < size * size && dist[j] === dist[i]! - 1)!;
        solution[prev] = MAZE_TOKENS.path;
        i = prev;
      }
      return { size, cells, solution };
    }
  }
  throw new RangeError(
    `generateMaze: could not reach a shortest path of ${minPath} moves in a ${size}x${size} maze`,
  );
}

/**
 * `count` distinct mazes from `seed` (candidate `k` is drawn from `deriveSeed(seed, k)`; repeats are
 * skipped). A prefix of a longer set from the same seed and options is the shorter set.
 *
 * @example
 * ```ts
 * import { generateMazeSet } from "@recursive/trm/tasks/maze";
 * const set = generateMazeSet(1, 5, { size: 10, minPathLength: 12 });
 * if (new Set(set.map((m) => m.cells.join(""))).size !== 5) throw new Error("distinct");
 * ```
 */
export function generateMazeSet(seed: number, count: number, options: GenerateMazeOptions = {}): Maze[] {
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`generateMazeSet: count must be a non-negative integer, got ${count}`);
  }
  const out: Maze[] = [], seen = new Set<string>();
  for (let k = 0; out.length < count; k++) {
    if (k > count * 20 + 100) {
      throw new RangeError(`generateMazeSet: only ${out.length} of ${count} distinct mazes found`);
    }
    const m = generateMaze(createRng(deriveSeed(seed, k)), options);
    const key = m.cells.join("");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

/**
 * Disjoint training and held-out sets: `generateMazeSet(seed, testCount + trainCount)` split so that
 * the first `testCount` mazes are the test set (the split the `train` CLI uses for generated mazes).
 * No maze appears in both.
 *
 * @example
 * ```ts
 * import { generateMazeSplit } from "@recursive/trm/tasks/maze";
 * const { train, test } = generateMazeSplit(0, 8, 2, { size: 10, minPathLength: 10 });
 * const seen = new Set(train.map((m) => m.cells.join("")));
 * if (test.length !== 2 || test.some((m) => seen.has(m.cells.join("")))) throw new Error("disjoint");
 * ```
 */
export function generateMazeSplit(
  seed: number,
  trainCount: number,
  testCount: number,
  options: GenerateMazeOptions = {},
): { readonly train: Maze[]; readonly test: Maze[] } {
  const all = generateMazeSet(seed, testCount + trainCount, options);
  return { train: all.slice(testCount), test: all.slice(0, testCount) };
}
