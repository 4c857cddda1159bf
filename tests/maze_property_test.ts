/** Maze generator, scorer and augmentation properties, checked with an independent BFS. */
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { createRng } from "../core/mod.ts";
import { applyDihedral, type DihedralId } from "../augment/mod.ts";
import { generateMaze, generateMazeSet, isValidPath, type Maze, MAZE_TOKENS } from "../tasks/maze/mod.ts";

/** Independent BFS: shortest S-G distance (moves) and the number of distinct shortest paths. */
function referenceBfs(m: Maze): { dist: number; paths: number } {
  const n = m.size, s = m.cells.indexOf(3), g = m.cells.indexOf(4);
  const dist = new Map<number, number>([[s, 0]]), ways = new Map<number, number>([[s, 1]]);
  let frontier = [s];
  while (frontier.length) {
    const next: number[] = [];
    for (const i of frontier) {
      const r = Math.floor(i / n), c = i % n;
      for (const [nr, nc] of [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]]) {
        if (nr! < 0 || nc! < 0 || nr! >= n || nc! >= n) continue;
        const j = nr! * n + nc!;
        if (m.cells[j] === 1) continue;
        if (!dist.has(j)) {
          dist.set(j, dist.get(i)! + 1);
          next.push(j);
        }
        if (dist.get(j) === dist.get(i)! + 1) ways.set(j, (ways.get(j) ?? 0) + ways.get(i)!);
      }
    }
    frontier = next;
  }
  return { dist: dist.get(g) ?? -1, paths: ways.get(g) ?? 0 };
}

Deno.test("generateMaze(): solvable, long, unique S/G, label is the unique shortest path; seeded", () => {
  for (const [size, minPathLength] of [[30, 110], [10, 12]] as const) {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const m = generateMaze(createRng(seed), { size, minPathLength });
        assertEquals(m.cells.filter((t) => t === MAZE_TOKENS.start).length, 1);
        assertEquals(m.cells.filter((t) => t === MAZE_TOKENS.goal).length, 1);
        const { dist, paths } = referenceBfs(m);
        assert(dist >= minPathLength, `path ${dist} < ${minPathLength}`);
        assertEquals(paths, 1, "unique shortest path");
        assertEquals(m.solution!.filter((t) => t === MAZE_TOKENS.path).length, dist - 1);
        assert(isValidPath(m, m.solution!));
      }),
      { numRuns: 30 },
    );
  }
  const a = generateMazeSet(5, 10), b = generateMazeSet(5, 10);
  assertEquals(a.map((m) => m.solution!.join("")), b.map((m) => m.solution!.join("")));
});

Deno.test("isValidPath() accepts every shortest path of an open room (many of them)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 3, max: 12 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      (n, coins) => {
        // S top-left, G bottom-right, no walls: any monotone staircase is a shortest path.
        const cells = new Uint8Array(n * n).fill(MAZE_TOKENS.open);
        cells[0] = MAZE_TOKENS.start;
        cells[n * n - 1] = MAZE_TOKENS.goal;
        const pred = cells.slice();
        let r = 0, c = 0, k = 0;
        while (r + c < 2 * n - 3) {
          if ((coins[k++ % coins.length] && r < n - 1) || c === n - 1) r++;
          else c++;
          pred[r * n + c] = MAZE_TOKENS.path;
        }
        assert(isValidPath({ size: n, cells }, pred));
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("isValidPath() rejects a broken, a too-long and a wall-crossing path", () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 0, max: 1000 }), (seed, pick) => {
      const m = generateMaze(createRng(seed), { size: 12, minPathLength: 14 });
      const sol = m.solution!, pathCells = [...sol.keys()].filter((i) => sol[i] === MAZE_TOKENS.path);
      const broken = sol.slice();
      broken[pathCells[pick % pathCells.length]!] = MAZE_TOKENS.open;
      assert(!isValidPath(m, broken), "broken");
      const open = [...m.cells.keys()].filter((i) =>
        m.cells[i] === MAZE_TOKENS.open && sol[i] !== MAZE_TOKENS.path
      );
      const tooLong = sol.slice();
      tooLong[open[pick % open.length]!] = MAZE_TOKENS.path;
      assert(!isValidPath(m, tooLong), "too long");
      const walls = [...m.cells.keys()].filter((i) => m.cells[i] === MAZE_TOKENS.wall);
      const through = sol.slice();
      through[walls[pick % walls.length]!] = MAZE_TOKENS.path;
      assert(!isValidPath(m, through), "through a wall");
    }),
    { numRuns: 60 },
  );
});

Deno.test("every dihedral transform of a valid (maze, label) is a valid (maze, label)", () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 0, max: 7 }), (seed, t) => {
      const m = generateMaze(createRng(seed), { size: 14, minPathLength: 20 });
      const g = (data: Uint8Array) =>
        applyDihedral({ height: m.size, width: m.size, data }, t as DihedralId).data;
      const moved = { size: m.size, cells: g(m.cells), solution: g(m.solution!) };
      assertEquals(referenceBfs(moved).dist, referenceBfs(m).dist);
      assert(isValidPath(moved, moved.solution));
    }),
    { numRuns: 60 },
  );
});
