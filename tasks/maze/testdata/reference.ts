/**
 * Test-only oracles for the maze tests, written independently of the library: a Map-based BFS over
 * (row, col) pairs, an enumeration of all shortest paths, and random mazes with loops.
 *
 * @module
 */
import fc from "fast-check";

/** A maze as the tests see it: side `n`, tokens 1 wall, 2 open, 3 S, 4 G (5 path in labels). */
export interface RefMaze {
  readonly size: number;
  readonly cells: Uint8Array;
}

const key = (r: number, c: number) => `${r},${c}`;

/** Distances (moves) from S through non-wall cells, keyed "r,c". */
export function refDistances(m: RefMaze): Map<string, number> {
  const n = m.size, s = m.cells.indexOf(3);
  const dist = new Map<string, number>([[key(Math.floor(s / n), s % n), 0]]);
  let frontier: [number, number][] = [[Math.floor(s / n), s % n]];
  for (let d = 1; frontier.length; d++) {
    const next: [number, number][] = [];
    for (const [r, c] of frontier) {
      for (const [nr, nc] of [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]] as [number, number][]) {
        if (nr < 0 || nc < 0 || nr >= n || nc >= n || m.cells[nr * n + nc] === 1) continue;
        if (dist.has(key(nr, nc))) continue;
        dist.set(key(nr, nc), d);
        next.push([nr, nc]);
      }
    }
    frontier = next;
  }
  return dist;
}

/** Shortest S -> G length in moves, or -1. */
export function refShortest(m: RefMaze): number {
  const g = m.cells.indexOf(4);
  return refDistances(m).get(key(Math.floor(g / m.size), g % m.size)) ?? -1;
}

/**
 * Every shortest S -> G path (up to `limit` of them), each as the sorted indices of its cells strictly
 * between S and G.
 */
export function refAllShortestPaths(m: RefMaze, limit = 1000): number[][] {
  const n = m.size, dist = refDistances(m), g = m.cells.indexOf(4), out: number[][] = [];
  const d = (i: number) => dist.get(key(Math.floor(i / n), i % n));
  if (d(g) === undefined) return out;
  const walk = (i: number, inner: number[]) => {
    if (out.length >= limit) return;
    if (d(i) === 0) {
      out.push([...inner].sort((a, b) => a - b));
      return;
    }
    const r = Math.floor(i / n), c = i % n;
    for (const [nr, nc] of [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]] as [number, number][]) {
      if (nr < 0 || nc < 0 || nr >= n || nc >= n) continue;
      const j = nr * n + nc;
      if (d(j) !== d(i)! - 1) continue;
      walk(j, d(j) === 0 ? inner : [...inner, j]);
    }
  };
  walk(g, []);
  return out;
}

/** The indices of cells marked 5 (path), sorted. */
export function pathCells(tokens: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === 5) out.push(i);
  return out;
}

/** `cells` with the given indices marked as path. */
export function markPath(cells: Uint8Array, path: readonly number[]): Uint8Array {
  const out = cells.slice();
  for (const i of path) out[i] = 5;
  return out;
}

/**
 * Random solvable mazes with loops: an `n x n` grid (3..`maxSize`) with walls at density up to 35%, S
 * and G on distinct open cells, solvable.
 */
export function arbitraryLoopyMaze(maxSize = 8): fc.Arbitrary<RefMaze> {
  return fc.integer({ min: 3, max: maxSize }).chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 99 }), { minLength: n * n, maxLength: n * n }),
      fc.integer({ min: 0, max: 34 }),
      fc.integer({ min: 0, max: n * n - 1 }),
      fc.integer({ min: 1, max: n * n - 1 }),
    ).map(([noise, density, s, offset]) => {
      const cells = Uint8Array.from(noise, (v) => (v < density ? 1 : 2));
      const g = (s + offset) % (n * n);
      cells[s] = 3;
      cells[g] = 4;
      return { size: n, cells };
    }).filter((m) => refShortest(m) > 0)
  );
}
