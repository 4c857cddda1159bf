import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  checkShape,
  countBlanks,
  isConsistentWith,
  isValidSolution,
  type SudokuPuzzle,
  sudokuTask,
} from "./sudoku.ts";

// A valid 6x6 (2x3 boxes) grid, written out by hand.
const G6 = Uint8Array.from([
  1,
  2,
  3,
  4,
  5,
  6,
  4,
  5,
  6,
  1,
  2,
  3,
  2,
  3,
  1,
  5,
  6,
  4,
  5,
  6,
  4,
  2,
  3,
  1,
  3,
  1,
  2,
  6,
  4,
  5,
  6,
  4,
  5,
  3,
  1,
  2,
]);
const S6 = { boxRows: 2, boxCols: 3 };

Deno.test("sudokuTask() has the reference's vocabulary and sequence length for 4x4, 6x6 and 9x9", () => {
  for (const [boxRows, boxCols, V, L] of [[2, 2, 6, 16], [2, 3, 8, 36], [3, 3, 11, 81]] as const) {
    assertEquals(sudokuTask({ boxRows, boxCols }).spec, {
      name: "sudoku",
      vocabSize: V,
      seqLen: L,
      numPuzzleIds: 1,
    });
  }
  assertEquals(sudokuTask().spec.vocabSize, 11);
  assertThrows(() => sudokuTask({ boxRows: 5, boxCols: 4 }), RangeError, "sudokuTask: expected box sizes");
  assertThrows(() => checkShape({ boxRows: 1.5, boxCols: 2 }, "x"), RangeError, "x: expected");
});

Deno.test("sudokuTask().encode() maps blank to 1 and digit d to d + 1, every label cell supervised", () => {
  const task = sudokuTask(S6);
  const puzzle = G6.map((v, i) => (i % 3 === 0 ? 0 : v));
  const ex = task.encode({ ...S6, puzzle, solution: G6 });
  assertEquals(ex.puzzleId, 0);
  for (let i = 0; i < 36; i++) {
    assertEquals(ex.input[i], i % 3 === 0 ? 1 : G6[i]! + 1);
    assertEquals(ex.label[i], G6[i]! + 1);
  }
  assert(ex.label.every((t) => t >= 2 && t <= 7));
  assertThrows(
    () => task.encode({ boxRows: 2, boxCols: 2, puzzle: new Uint8Array(16) }),
    RangeError,
    "2x3-box",
  );
  assertThrows(() => task.encode({ ...S6, puzzle: new Uint8Array(35) }), RangeError, "35 cells, expected 36");
  assertThrows(() => task.encode({ ...S6, puzzle: new Uint8Array(36).fill(7) }), RangeError, "expected 0..6");
});

Deno.test("sudokuTask().decode() inverts encode() and score() is exact match over all cells", () => {
  const task = sudokuTask(S6);
  const p: SudokuPuzzle = { ...S6, puzzle: G6.map((v, i) => (i < 10 ? 0 : v)), solution: G6 };
  const ex = task.encode(p);
  assertEquals(task.decode(ex.input).puzzle, p.puzzle);
  assertEquals(task.decode(ex.label).puzzle, G6);
  assertEquals(task.score(ex.label, ex), { exact: true, cellAccuracy: 1 });
  const wrong = ex.label.slice();
  wrong[5] = 1;
  assertEquals(task.score(wrong, ex), { exact: false, cellAccuracy: 35 / 36 });
});

Deno.test("isValidSolution() accepts a valid grid and rejects each kind of violation", () => {
  assert(isValidSolution(G6, S6));
  assert(!isValidSolution(G6, { boxRows: 3, boxCols: 2 }), "boxes of the other orientation");
  const swapRows = G6.slice();
  swapRows.set(G6.subarray(12, 18), 6); // rows 1 and 2 swapped: columns and rows fine, boxes broken
  swapRows.set(G6.subarray(6, 12), 12);
  assert(!isValidSolution(swapRows, S6));
  const blank = G6.slice();
  blank[7] = 0;
  assert(!isValidSolution(blank, S6));
  const big = G6.slice();
  big[0] = 33; // 1 << 33 === 1 << 1 in 32-bit arithmetic: must still be rejected
  assert(!isValidSolution(big, S6));
  assert(!isValidSolution(G6.subarray(1), S6));
});

Deno.test("isConsistentWith() and countBlanks() compare givens and count zeros", () => {
  const puzzle = G6.map((v, i) => (i % 2 ? 0 : v));
  assert(isConsistentWith(puzzle, G6));
  assertEquals(countBlanks(puzzle), 18);
  const clash = puzzle.slice();
  clash[0] = 2;
  assert(!isConsistentWith(clash, G6));
  assert(!isConsistentWith(puzzle.subarray(1), G6));
});
