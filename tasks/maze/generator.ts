/**
 * A seeded generator of hard mazes. It carves a perfect maze (randomised depth-first search on the
 * lattice of even coordinates; a perfect maze is a tree, so there is exactly one path between any two
 * cells) and places S and G at least `minPathLength` moves apart.
 *
 * Guarantees: solvable; the shortest S -> G path has at least `minPathLength` moves and is unique (so
 * exact match is well defined); exactly one S and one G; the label marks that path with `o`. Unlike
 * Maze-Hard's mazes, ours have no loops.
 *
 * @module
 */
import { createRng, deriveSeed, type Rng } from "@recursive/trm/core";
import { bfsDistances, type Maze, MAZE_TOKENS } from "./maze.ts";

/** Options of {@linkcode generateMaze}. */
export interface GenerateMazeOptions {
  /** Side length (default 30). */
  readonly size?: number;
  /** Minimum shortest-path length in moves (default 110, as Maze-Hard). */
  readonly minPathLength?: number;
}

function carve(rng: Rng, size: number): Uint8Array {
  const cells = new Uint8Array(size * size).fill(MAZE_TOKENS.wall);
  const lattice = Math.floor((size + 1) / 2); // lattice points at 0, 2, 4, ... < size
  const start = rng.int(0, lattice * lattice - 1);
  const stack = [start], seen = new Uint8Array(lattice * lattice);
  seen[start] = 1;
  const open = (lr: number, lc: number) => (cells[2 * lr * size + 2 * lc] = MAZE_TOKENS.open);
  open(Math.floor(start / lattice), start % lattice);
  const dirs = [[-1, 0], [1, 0], [0, -1], [0, 1]] as const;
  while (stack.length) {
    const cur = stack[stack.length - 1]!, r = Math.floor(cur / lattice), c = cur % lattice;
    const next: number[] = [];
    for (const [dr, dc] of dirs) {
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
    open(nr, nc);
    cells[(r + nr) * size + (c + nc)] = MAZE_TOKENS.open; // the wall between the two lattice points
    stack.push(n);
  }
  return cells;
}

/**
 * One maze; throws if no maze of this size can reach `minPathLength` after many tries.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { generateMaze, shortestPathLength } from "@recursive/trm/tasks/maze";
 * const m = generateMaze(createRng(0));
 * if (shortestPathLength(m) < 110) throw new Error("hard");
 * ```
 */
export function generateMaze(rng: Rng, options: GenerateMazeOptions = {}): Maze {
  const size = options.size ?? 30, minPath = options.minPathLength ?? 110;
  for (let attempt = 0; attempt < 200; attempt++) {
    const cells = carve(rng, size);
    const open: number[] = [];
    cells.forEach((v, i) => v === MAZE_TOKENS.open && open.push(i));
    for (let tryStart = 0; tryStart < 4; tryStart++) {
      const s = open[rng.int(0, open.length - 1)]!;
      const dist = bfsDistances(size, s, (i) => cells[i] !== MAZE_TOKENS.wall);
      const far = open.filter((i) => dist[i]! >= minPath);
      if (far.length === 0) continue;
      const g = far[rng.int(0, far.length - 1)]!;
      const solution = cells.slice();
      // Walk back from G along decreasing distance: in a tree this is the one path.
      for (let i = g; dist[i]! > 1;) {
        const c = i % size;
        const prev = [i - size, i + size, c > 0 ? i - 1 : -1, c < size - 1 ? i + 1 : -1]
          .find((j) => j >= 0 && j < size * size && dist[j] === dist[i]! - 1)!;
        solution[prev] = MAZE_TOKENS.path;
        i = prev;
      }
      cells[s] = solution[s] = MAZE_TOKENS.start;
      cells[g] = solution[g] = MAZE_TOKENS.goal;
      return { size, cells, solution };
    }
  }
  throw new RangeError(
    `generateMaze: could not reach a shortest path of ${minPath} moves in a ${size}x${size} maze`,
  );
}

/**
 * `count` distinct mazes from `seed` (maze `k` is drawn from `deriveSeed(seed, k)`).
 *
 * @example
 * ```ts
 * import { generateMazeSet } from "@recursive/trm/tasks/maze";
 * const set = generateMazeSet(1, 5, { size: 10, minPathLength: 12 });
 * if (new Set(set.map((m) => m.cells.join(""))).size !== 5) throw new Error("distinct");
 * ```
 */
export function generateMazeSet(seed: number, count: number, options: GenerateMazeOptions = {}): Maze[] {
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
