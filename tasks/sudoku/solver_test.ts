import { assert, assertEquals } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { countSolutions, sudokuSolver } from "./solver.ts";
import { isConsistentWith, isValidSolution } from "./sudoku.ts";

const S4 = { boxRows: 2, boxCols: 2 };

/** Every valid 4x4 grid by plain enumeration of rows (independent of the solver). */
function all4x4(): Uint8Array[] {
  const perms: number[][] = [];
  const permute = (a: number[], rest: number[]) => {
    if (rest.length === 0) perms.push(a);
    rest.forEach((v, i) => permute([...a, v], rest.filter((_, j) => j !== i)));
  };
  permute([], [1, 2, 3, 4]);
  const out: Uint8Array[] = [];
  for (const a of perms) {
    for (const b of perms) {
      for (const c of perms) {
        for (const d of perms) {
          const g = Uint8Array.from([...a, ...b, ...c, ...d]);
          if (isValidSolution(g, S4)) out.push(g);
        }
      }
    }
  }
  return out;
}

Deno.test("countSolutions() agrees with brute force on random 4x4 puzzles", () => {
  const grids = all4x4();
  assertEquals(grids.length, 288);
  const rng = createRng(3);
  for (let t = 0; t < 300; t++) {
    const base = grids[rng.int(0, grids.length - 1)]!;
    // Keep each given with probability ~1/4; sometimes plant a conflicting digit.
    const puzzle = base.map((v) => (rng.int(0, 3) === 0 ? v : 0));
    if (t % 10 === 0) puzzle[rng.int(0, 15)] = rng.int(1, 4);
    const truth = grids.filter((g) => isConsistentWith(puzzle, g)).length;
    for (const limit of [1, 2, 1000]) assertEquals(countSolutions(puzzle, S4, limit), Math.min(truth, limit));
    const out = new Uint8Array(16);
    if (truth > 0) {
      countSolutions(puzzle, S4, 1, out);
      assert(isValidSolution(out, S4) && isConsistentWith(puzzle, out));
    }
  }
});

Deno.test("sudokuSolver().hasOtherSolution() finds a second solution exactly when one exists", () => {
  const grids = all4x4(), solver = sudokuSolver(S4), rng = createRng(9);
  for (let t = 0; t < 200; t++) {
    const g = grids[rng.int(0, grids.length - 1)]!;
    const puzzle = g.map((v) => (rng.int(0, 1) === 0 ? v : 0)), cell = rng.int(0, 15);
    puzzle[cell] = 0;
    const other = grids.some((s) => isConsistentWith(puzzle, s) && s[cell] !== g[cell]);
    assertEquals(solver.hasOtherSolution(puzzle, cell, g[cell]!), other);
  }
});

Deno.test("sudokuSolver().randomGrid() is valid, seeded and varied for 4x4, 6x6, 9x9 and 8x8 (2x4)", () => {
  for (
    const shape of [S4, { boxRows: 2, boxCols: 3 }, { boxRows: 3, boxCols: 3 }, { boxRows: 2, boxCols: 4 }]
  ) {
    const solver = sudokuSolver(shape), seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const g = solver.randomGrid(createRng(seed));
      assert(isValidSolution(g, shape));
      assertEquals(g, solver.randomGrid(createRng(seed)));
      seen.add(g.join());
    }
    assert(seen.size >= 15, `${shape.boxRows}x${shape.boxCols}: ${seen.size} distinct grids of 20`);
  }
});

Deno.test("countSolutions() solves a classic 9x9 and tells a unique puzzle from an ambiguous one", () => {
  const shape = { boxRows: 3, boxCols: 3 };
  const q = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";
  const a = "534678912672195348198342567859761423426853791713924856961537284287419635345286179";
  const puzzle = Uint8Array.from(q, (c) => (c === "." ? 0 : +c)), out = new Uint8Array(81);
  assertEquals(countSolutions(puzzle, shape, 2, out), 1);
  assertEquals(out.join(""), a);
  assertEquals(countSolutions(new Uint8Array(81), shape, 5), 5);
  const loose = puzzle.map((v, i) => (i < 27 ? 0 : v));
  assertEquals(countSolutions(loose, shape, 2), 2);
});
