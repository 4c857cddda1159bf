import fc from "fast-check";
import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { generateMaze, generateMazeSet, generateMazeSplit } from "./generator.ts";
import { isValidPath, type Maze } from "./maze.ts";
import { pathCells, refAllShortestPaths, refShortest } from "./testdata/reference.ts";

/** Checks one generated maze against the independent oracle; returns its shortest length. */
function checkMaze(m: Maze, size: number, minPathLength: number): number {
  assertEquals(m.size, size);
  assertEquals(m.cells.length, size * size);
  assertEquals(m.cells.filter((t) => t === 3).length, 1, "one S");
  assertEquals(m.cells.filter((t) => t === 4).length, 1, "one G");
  assert(m.cells.every((t) => t >= 1 && t <= 4), "maze tokens 1..4");
  const best = refShortest(m);
  assert(best >= minPathLength, `shortest path ${best} < ${minPathLength}`);
  const all = refAllShortestPaths(m, 2);
  assertEquals(all.length, 1, "unique shortest path");
  // The label is the maze with exactly that path marked.
  const sol = m.solution!;
  assertEquals(pathCells(sol), all[0]);
  for (let i = 0; i < sol.length; i++) if (sol[i] !== 5) assertEquals(sol[i], m.cells[i]);
  assert(isValidPath(m, sol));
  return best;
}

Deno.test("generateMaze() makes solvable, long mazes with one S, one G and a unique labelled shortest path", () => {
  const cases = [
    { size: 30, minPathLength: 110, loops: 0, runs: 25 },
    { size: 30, minPathLength: 110, loops: 25, runs: 15 },
    { size: 10, minPathLength: 12, loops: 0, runs: 60 },
    { size: 11, minPathLength: 20, loops: 8, runs: 60 },
  ];
  for (const { size, minPathLength, loops, runs } of cases) {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        checkMaze(generateMaze(createRng(seed), { size, minPathLength, loops }), size, minPathLength);
      }),
      { numRuns: runs },
    );
  }
});

Deno.test("generateMaze() with loops has cycles: more open cells than a tree", () => {
  let extra = 0;
  for (let seed = 0; seed < 10; seed++) {
    const tree = generateMaze(createRng(seed)), loopy = generateMaze(createRng(seed), { loops: 20 });
    const open = (m: Maze) => m.cells.filter((t) => t !== 1).length;
    assertEquals(open(tree), 15 * 15 * 2 - 1, "a spanning tree of the 15x15 lattice");
    extra += open(loopy) - open(tree);
  }
  assert(extra > 50, `only ${extra} walls knocked out in 10 mazes`);
});

Deno.test("generateMaze() with an even size walls off the last row and column", () => {
  const m = generateMaze(createRng(4));
  for (let k = 0; k < 30; k++) {
    assertEquals(m.cells[29 * 30 + k], 1);
    assertEquals(m.cells[k * 30 + 29], 1);
  }
});

Deno.test("generateMaze() is seeded: the same seed gives the same maze, others differ", () => {
  for (const loops of [0, 10]) {
    const a = generateMaze(createRng(7), { loops }), b = generateMaze(createRng(7), { loops });
    assertEquals([...a.solution!], [...b.solution!]);
    assertNotEquals([...a.cells], [...generateMaze(createRng(8), { loops }).cells]);
  }
  const x = generateMazeSet(5, 12), y = generateMazeSet(5, 12);
  assertEquals(x.map((m) => m.solution!.join("")), y.map((m) => m.solution!.join("")));
});

Deno.test("generateMaze() refuses bad options with a message", () => {
  const rng = createRng(0);
  assertThrows(() => generateMaze(rng, { size: 2 }), RangeError, "size must be an integer in 3..64");
  assertThrows(() => generateMaze(rng, { size: 30.5 }), RangeError, "size must be an integer");
  // A 10x10 maze uses a 5x5 lattice: at most 2 * (25 - 1) = 48 moves.
  assertThrows(() => generateMaze(rng, { size: 10, minPathLength: 49 }), RangeError, "in 1..48 for size 10");
  assertThrows(() => generateMaze(rng, { minPathLength: 0 }), RangeError, "minPathLength");
  assertThrows(() => generateMaze(rng, { loops: -1 }), RangeError, "loops must be");
});

Deno.test("generateMazeSet() gives distinct mazes, and a shorter set is a prefix of a longer one", () => {
  const opts = { size: 6, minPathLength: 6 };
  const long = generateMazeSet(2, 40, opts), short = generateMazeSet(2, 15, opts);
  assertEquals(new Set(long.map((m) => m.cells.join(""))).size, 40);
  assertEquals(short.map((m) => m.cells.join("")), long.slice(0, 15).map((m) => m.cells.join("")));
  for (const m of long) checkMaze(m, 6, 6);
  assertEquals(generateMazeSet(2, 0), []);
  assertThrows(() => generateMazeSet(2, -1), RangeError, "count must be");
  // A 3x3 maze has 2 lattice points per side, hence few distinct mazes: the set says so.
  assertThrows(() => generateMazeSet(0, 500, { size: 3, minPathLength: 2 }), RangeError, "distinct mazes");
});

Deno.test("generateMazeSplit() gives disjoint train and test sets of the asked sizes", () => {
  const opts = { size: 8, minPathLength: 10 };
  const { train, test } = generateMazeSplit(9, 30, 10, opts);
  assertEquals([train.length, test.length], [30, 10]);
  const trainKeys = new Set(train.map((m) => m.cells.join("")));
  assert(test.every((m) => !trainKeys.has(m.cells.join(""))));
  assertEquals(
    [...test, ...train].map((m) => m.cells.join("")),
    generateMazeSet(9, 40, opts).map((m) => m.cells.join("")),
  );
});
