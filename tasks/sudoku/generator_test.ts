import { assert, assertEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { generateSudoku, generateSudokuSet, splitBySolution } from "./generator.ts";
import { isConsistentWith, isValidSolution } from "./sudoku.ts";

/** Every 4x4 Sudoku grid, by brute force (independent of the solver under test). */
function all4x4(): Uint8Array[] {
  const out: Uint8Array[] = [], g = new Uint8Array(16);
  const fill = (i: number) => {
    if (i === 16) {
      if (isValidSolution(g, { boxRows: 2, boxCols: 2 })) out.push(g.slice());
      return;
    }
    for (let v = 1; v <= 4; v++) {
      g[i] = v;
      // prune on rows only; isValidSolution checks the rest
      const r = i >> 2;
      let ok = true;
      for (let c = 0; c < (i & 3); c++) if (g[r * 4 + c] === v) ok = false;
      if (ok) fill(i + 1);
    }
    g[i] = 0;
  };
  fill(0);
  return out;
}

Deno.test("generateSudoku() 4x4 puzzles have exactly one solution (brute-force check) and >= 8 blanks", () => {
  const grids = all4x4();
  assertEquals(grids.length, 288);
  for (let seed = 0; seed < 200; seed++) {
    const p = generateSudoku(createRng(seed), { boxRows: 2, boxCols: 2, blanks: 8 });
    const matches = grids.filter((s) => isConsistentWith(p.puzzle, s));
    assertEquals(matches.length, 1, `seed ${seed}`);
    assertEquals(matches[0]!.join(), p.solution!.join());
    assertEquals(p.puzzle.filter((v) => v === 0).length, 8);
  }
});

Deno.test("generateSudoku() 6x6 and 9x9 solutions are valid and consistent with their givens", () => {
  for (const [boxRows, boxCols, blanks] of [[2, 3, 18], [3, 3, 45]] as const) {
    for (let seed = 0; seed < 10; seed++) {
      const p = generateSudoku(createRng(seed), { boxRows, boxCols, blanks });
      assert(isValidSolution(p.solution!, p));
      assert(isConsistentWith(p.puzzle, p.solution!));
      assertEquals(p.puzzle.filter((v) => v === 0).length, blanks);
    }
  }
});

Deno.test("generateSudokuSet() is deterministic in its seed and distinct", () => {
  const a = generateSudokuSet(3, 50, { boxRows: 2, boxCols: 3 }),
    b = generateSudokuSet(3, 50, { boxRows: 2, boxCols: 3 });
  assertEquals(a.map((p) => p.puzzle.join("")), b.map((p) => p.puzzle.join("")));
  assertEquals(new Set(a.map((p) => p.puzzle.join(""))).size, 50);
  const c = generateSudokuSet(4, 50, { boxRows: 2, boxCols: 3 });
  assert(a.some((p, i) => p.puzzle.join("") !== c[i]!.puzzle.join("")));
});

Deno.test("generateSudokuSet() refuses impossible requests instead of looping", () => {
  assertThrows(
    () => generateSudokuSet(0, 10, { boxRows: 2, boxCols: 2, blanks: 16, minBlanks: 15 }),
    RangeError,
    "only",
  );
});

Deno.test("splitBySolution() shares no solution grid between train and test", () => {
  const { train, test } = splitBySolution(generateSudokuSet(0, 300, { boxRows: 2, boxCols: 2 }), 60);
  assertEquals(train.length + test.length, 300);
  const sol = new Set(train.map((p) => p.solution!.join("")));
  assert(test.length > 0 && test.every((p) => !sol.has(p.solution!.join(""))));
});
