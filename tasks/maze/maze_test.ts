import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { isValidPath, type Maze, mazeTask, mazeToText, shortestPathLength, shortestPaths } from "./maze.ts";
import {
  arbitraryLoopyMaze,
  markPath,
  pathCells,
  refAllShortestPaths,
  refShortest,
} from "./testdata/reference.ts";

Deno.test("shortestPaths() agrees with an independent BFS on random mazes with loops", () => {
  fc.assert(
    fc.property(arbitraryLoopyMaze(7), (m) => {
      const all = refAllShortestPaths(m, 50);
      const { length, count } = shortestPaths(m, 50);
      assertEquals(length, refShortest(m));
      assertEquals(shortestPathLength(m), refShortest(m));
      assertEquals(count, all.length);
      assertEquals(shortestPaths(m).count, Math.min(2, all.length));
    }),
    { numRuns: 150 },
  );
  const walled = { size: 3, cells: Uint8Array.from([3, 1, 4, 1, 1, 1, 2, 2, 2]) };
  assertEquals(shortestPaths(walled), { length: -1, count: 0 });
});

Deno.test("isValidPath() accepts every shortest path of random mazes with loops", () => {
  let checked = 0;
  fc.assert(
    fc.property(arbitraryLoopyMaze(8), (m) => {
      const all = refAllShortestPaths(m, 300);
      assert(all.length > 0);
      for (const path of all) {
        assert(isValidPath(m, markPath(m.cells, path)), `rejected ${path}\n${mazeToText(m.size, m.cells)}`);
        checked++;
      }
    }),
    { numRuns: 150 },
  );
  assert(checked > 300, `only ${checked} paths checked`);
});

Deno.test("isValidPath() equals 'the o cells are exactly one shortest path' on mutated paths", () => {
  fc.assert(
    fc.property(
      arbitraryLoopyMaze(6),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(1, 2, 5)), { minLength: 0, maxLength: 3 }),
      (m, edits) => {
        const all = refAllShortestPaths(m, 5000);
        const pred = markPath(m.cells, all[0]!);
        for (const [at, token] of edits) pred[at % pred.length] = token;
        const marked = pathCells(pred).join();
        const expected = all.some((p) => p.join() === marked);
        assertEquals(isValidPath(m, pred), expected, `${mazeToText(m.size, pred)}`);
      },
    ),
    { numRuns: 200 },
  );
});

/** A random simple S -> G path (inner cells), by randomised DFS, or undefined. */
function randomSimplePath(m: Maze, seed: number): number[] | undefined {
  const n = m.size, rng = createRng(seed), s = m.cells.indexOf(3), g = m.cells.indexOf(4);
  const seen = new Set([s]), stack: number[] = [];
  const go = (i: number): boolean => {
    const r = Math.floor(i / n), c = i % n;
    const nbrs = [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]]
      .filter(([a, b]) => a! >= 0 && b! >= 0 && a! < n && b! < n && m.cells[a! * n + b!] !== 1)
      .map(([a, b]) => a! * n + b!);
    for (let k = nbrs.length - 1; k > 0; k--) {
      const j = rng.int(0, k);
      [nbrs[j], nbrs[k]] = [nbrs[k]!, nbrs[j]!];
    }
    for (const j of nbrs) {
      if (j === g) return true;
      if (seen.has(j)) continue;
      seen.add(j);
      stack.push(j);
      if (go(j)) return true;
      stack.pop();
    }
    return false;
  };
  return go(s) ? stack : undefined;
}

Deno.test("isValidPath() rejects a broken, a too-long and a wall-crossing path", () => {
  let longChecked = 0, wallChecked = 0;
  fc.assert(
    fc.property(arbitraryLoopyMaze(8), fc.nat(), (m, seed) => {
      const best = refShortest(m), all = refAllShortestPaths(m, 5000), path = all[0]!;
      // Broken: one path cell moved to an open cell off the path (the count stays right), unless that
      // happens to give another shortest path.
      const spare = [...m.cells.keys()].filter((i) => m.cells[i] === 2 && !path.includes(i));
      if (path.length > 0 && spare.length > 0) {
        const broken = markPath(m.cells, path);
        broken[path[seed % path.length]!] = 2;
        broken[spare[seed % spare.length]!] = 5;
        const cells = pathCells(broken).join();
        if (!all.some((p) => p.join() === cells)) assert(!isValidPath(m, broken), "broken");
      }
      // Too long: a connected simple S -> G path with more moves than the shortest.
      const simple = randomSimplePath(m, seed);
      if (simple && simple.length + 1 > best) {
        assert(!isValidPath(m, markPath(m.cells, simple)), "too long");
        longChecked++;
      }
      // Through a wall: wall up a path cell where a detour keeps the shortest length, so the old path
      // is still connected and of the right length, and only the wall makes it invalid.
      for (const x of path) {
        const walled = { size: m.size, cells: m.cells.slice() };
        walled.cells[x] = 1;
        if (refShortest(walled) !== best) continue;
        assert(!isValidPath(walled, markPath(walled.cells, path)), "through a wall");
        wallChecked++;
      }
      // Any wall cell marked as path is rejected.
      const wall = m.cells.indexOf(1);
      if (wall >= 0) assert(!isValidPath(m, markPath(m.cells, [...path, wall])), "extra wall cell");
    }),
    { numRuns: 200 },
  );
  assert(longChecked > 20 && wallChecked > 20, `too-long ${longChecked}, wall ${wallChecked} checks`);
});

Deno.test("isValidPath() rejects a path over S or G and a prediction of the wrong length", () => {
  const m = { size: 3, cells: Uint8Array.from([3, 2, 4, 2, 2, 2, 1, 1, 1]) };
  assert(isValidPath(m, Uint8Array.from([3, 5, 4, 2, 2, 2, 1, 1, 1])));
  assert(!isValidPath(m, Uint8Array.from([5, 5, 4, 2, 2, 2, 1, 1, 1])));
  assert(!isValidPath(m, Uint8Array.from([3, 5, 4, 2, 2, 2, 1, 1])));
});

Deno.test("mazeTask() encodes, decodes and scores exact and valid-but-different answers", () => {
  const task = mazeTask({ size: 3 });
  assertEquals(task.spec, { name: "maze", vocabSize: 6, seqLen: 9, numPuzzleIds: 1 });
  assertEquals(mazeTask().spec.seqLen, 900);
  // S . . / . . . / . . G: many shortest paths; the label marks the top-right one.
  const cells = Uint8Array.from([3, 2, 2, 2, 2, 2, 2, 2, 4]);
  const solution = Uint8Array.from([3, 5, 5, 2, 2, 5, 2, 2, 4]);
  const ex = task.encode({ size: 3, cells, solution });
  assertEquals([...ex.input], [...cells]);
  assertEquals([...ex.label], [...solution]);
  assertEquals(ex.puzzleId, 0);
  const back = task.decode(ex.label);
  assertEquals([...back.cells], [...cells]);
  assertEquals([...back.solution!], [...solution]);
  assertEquals(task.score(ex.label, ex), { exact: true, cellAccuracy: 1, pathValid: true });
  const other = Int32Array.from([3, 2, 2, 5, 2, 2, 5, 5, 4]); // down the left, along the bottom
  const s = task.score(other, ex);
  assertEquals([s.exact, s.pathValid], [false, true]);
  assertEquals(s.cellAccuracy, 3 / 9);
  const cut = Int32Array.from([3, 5, 2, 2, 2, 5, 2, 2, 4]);
  assertEquals(task.score(cut, ex).pathValid, false);
  assertThrows(() => task.encode({ size: 4, cells: new Uint8Array(16) }), RangeError, "expected a 3x3 maze");
  assertThrows(() => task.encode({ size: 3, cells: new Uint8Array(8) }), RangeError, "8 cells, expected 9");
  assertThrows(() => mazeTask({ size: 1 }), RangeError, "size must be an integer");
});

Deno.test("mazeToText() writes the reference charset row by row", () => {
  assertEquals(mazeToText(3, Uint8Array.from([3, 5, 5, 2, 1, 5, 2, 2, 4])), "Soo\n #o\n  G");
});
