import { assert, assertEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { generateSudoku, generateSudokuSet, generateSudokuSplit, splitBySolution } from "./generator.ts";
import { countSolutions } from "./solver.ts";
import { countBlanks, isConsistentWith, isValidSolution } from "./sudoku.ts";

/** Every 4x4 grid, by brute force over all 4^16 fillings pruned on rows only (no solver involved). */
function all4x4(): Uint8Array[] {
  const out: Uint8Array[] = [], g = new Uint8Array(16);
  const ok = (x: Uint8Array) => {
    const units = [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]];
    for (let i = 0; i < 4; i++) {
      units.push([0, 1, 2, 3].map((j) => i * 4 + j), [0, 1, 2, 3].map((j) => j * 4 + i));
    }
    return units.every((u) => new Set(u.map((k) => x[k])).size === 4);
  };
  const fill = (i: number) => {
    if (i === 16) {
      if (ok(g)) out.push(g.slice());
      return;
    }
    for (let v = 1; v <= 4; v++) {
      g[i] = v;
      let fine = true;
      for (let c = i & ~3; c < i; c++) if (g[c] === v) fine = false;
      if (fine) fill(i + 1);
    }
    g[i] = 0;
  };
  fill(0);
  return out;
}

Deno.test("generateSudoku() 4x4 puzzles have exactly one solution (brute-force count), at the asked blanks", () => {
  const grids = all4x4();
  assertEquals(grids.length, 288);
  for (let seed = 0; seed < 200; seed++) {
    // Half the cells (the default), and as many as uniqueness allows.
    for (const blanks of [undefined, 16]) {
      const p = generateSudoku(createRng(seed), { boxRows: 2, boxCols: 2, ...(blanks ? { blanks } : {}) });
      const matches = grids.filter((s) => isConsistentWith(p.puzzle, s));
      assertEquals(matches.length, 1, `seed ${seed}`);
      assertEquals(matches[0], p.solution);
      if (blanks === undefined) assertEquals(countBlanks(p.puzzle), 8);
      else {assert(
          countBlanks(p.puzzle) >= 10,
          `a minimal 4x4 has at most 6 clues, got ${16 - countBlanks(p.puzzle)}`,
        );}
    }
  }
});

Deno.test("generateSudoku() minimal puzzles: no remaining clue can be removed", () => {
  for (const shape of [{ boxRows: 2, boxCols: 2 }, { boxRows: 2, boxCols: 3 }]) {
    for (let seed = 0; seed < 20; seed++) {
      const p = generateSudoku(createRng(seed), { ...shape, blanks: p0(shape) });
      for (let i = 0; i < p.puzzle.length; i++) {
        if (p.puzzle[i] === 0) continue;
        const q = p.puzzle.slice();
        q[i] = 0;
        assertEquals(countSolutions(q, shape), 2, `seed ${seed}: clue ${i} was removable`);
      }
    }
  }
});
const p0 = (s: { boxRows: number; boxCols: number }) => (s.boxRows * s.boxCols) ** 2;

Deno.test("generateSudoku() 6x6 and 9x9: valid, consistent, unique, at least half blank by default", () => {
  for (const [boxRows, boxCols] of [[2, 3], [3, 3]] as const) {
    const cells = (boxRows * boxCols) ** 2;
    for (let seed = 0; seed < 20; seed++) {
      const p = generateSudoku(createRng(seed), { boxRows, boxCols });
      assert(isValidSolution(p.solution!, p));
      assert(isConsistentWith(p.puzzle, p.solution!));
      assertEquals(countSolutions(p.puzzle, p), 1);
      assertEquals(countBlanks(p.puzzle), Math.ceil(cells / 2));
    }
  }
});

Deno.test("generateSudoku() is deterministic in its generator; attempts bounds the effort", () => {
  const a = generateSudoku(createRng(5), { blanks: 55 }), b = generateSudoku(createRng(5), { blanks: 55 });
  assertEquals(a, b);
  assert(generateSudoku(createRng(6), { blanks: 55 }).puzzle.join() !== a.puzzle.join());
  // With 10 attempts at most 10 cells can become blank.
  assert(countBlanks(generateSudoku(createRng(5), { blanks: 55, attempts: 10 }).puzzle) <= 10);
});

Deno.test("generateSudoku() minBlanks retries grids, and refuses impossible targets with a clear error", () => {
  for (let seed = 0; seed < 5; seed++) {
    assert(countBlanks(generateSudoku(createRng(seed), { blanks: 81, minBlanks: 56 }).puzzle) >= 56);
  }
  assertThrows(
    () => generateSudoku(createRng(0), { boxRows: 2, boxCols: 2, blanks: 16, minBlanks: 13, tries: 50 }),
    RangeError,
    "generateSudoku: no 4x4 puzzle with >= 13 blanks in 50 grids",
  );
  assertThrows(
    () => generateSudoku(createRng(0), { blanks: 82 }),
    RangeError,
    "blanks must be an integer in [0, 81]",
  );
  assertThrows(() => generateSudoku(createRng(0), { blanks: 10, minBlanks: 11 }), RangeError, "minBlanks");
  assertThrows(() => generateSudoku(createRng(0), { attempts: -1 }), RangeError, "attempts");
  assertThrows(
    () => generateSudoku(createRng(0), { boxRows: 0 }),
    RangeError,
    "generateSudoku: expected box sizes",
  );
});

Deno.test("generateSudokuSet() is deterministic in its seed, distinct, and prefix-stable", () => {
  const opts = { boxRows: 2, boxCols: 3 };
  const a = generateSudokuSet(3, 50, opts), b = generateSudokuSet(3, 50, opts);
  assertEquals(a, b);
  assertEquals(new Set(a.map((p) => p.puzzle.join(""))).size, 50);
  assertEquals(generateSudokuSet(3, 20, opts), a.slice(0, 20));
  const c = generateSudokuSet(4, 50, opts);
  assert(a.some((p, i) => p.puzzle.join("") !== c[i]!.puzzle.join("")));
  assert(a.every((p) => countBlanks(p.puzzle) >= 18));
  assertThrows(() => generateSudokuSet(0, -1), RangeError, "count must be a non-negative integer");
});

Deno.test("generateSudokuSet() refuses impossible requests instead of looping", () => {
  // With no blanks a puzzle is a full grid, and 4x4 has only 288 of them.
  assertEquals(generateSudokuSet(0, 250, { boxRows: 2, boxCols: 2, blanks: 0 }).length, 250);
  assertThrows(
    () => generateSudokuSet(0, 289, { boxRows: 2, boxCols: 2, blanks: 0 }),
    RangeError,
    "generateSudokuSet: only 288 of 289 distinct puzzles",
  );
});

Deno.test("generateSudokuSplit() shares no puzzle and no solution grid between train and test", () => {
  const shape = { boxRows: 2, boxCols: 2 };
  const { train, test } = generateSudokuSplit(1, 400, 100, shape);
  assertEquals([train.length, test.length], [400, 100]);
  assertEquals(test, generateSudokuSet(1, 100, shape));
  const keys = new Set([...train, ...test].map((p) => p.puzzle.join("")));
  assertEquals(keys.size, 500);
  const grids = new Set(test.map((p) => p.solution!.join("")));
  assert(train.every((p) => !grids.has(p.solution!.join(""))));
  const loose = generateSudokuSplit(1, 400, 100, { ...shape, disjointSolutions: false });
  assert(loose.train.some((p) => grids.has(p.solution!.join(""))), "4x4 has only 288 grids: some are shared");
});

Deno.test("splitBySolution() shares no solution grid between train and test", () => {
  const { train, test } = splitBySolution(generateSudokuSet(0, 300, { boxRows: 2, boxCols: 2 }), 60);
  assertEquals(train.length + test.length, 300);
  const sol = new Set(train.map((p) => p.solution!.join("")));
  assert(test.length > 30 && test.length <= 60 && test.every((p) => !sol.has(p.solution!.join(""))));
});
