import { assert, assertEquals } from "@std/assert";
import { sudokuShuffle } from "../../augment/mod.ts";
import { generateSudokuSet } from "./generator.ts";
import { sudokuTrainSource } from "./source.ts";
import { isConsistentWith, isValidSolution, sudokuTask } from "./sudoku.ts";

const shape = { boxRows: 2, boxCols: 3 };
const task = sudokuTask(shape);
const puzzles = generateSudokuSet(0, 12, shape);

Deno.test("sudokuTrainSource() is random-access deterministic and visits every puzzle once per epoch", () => {
  const src = sudokuTrainSource(task, puzzles, { seed: 5 });
  assertEquals(src.batch(7, 4).map((e) => e.input.join()), src.batch(7, 4).map((e) => e.input.join()));
  const epoch = [...src.batch(0, 6), ...src.batch(1, 6)].map((e) => e.input.join());
  assertEquals(new Set(epoch).size, 12);
  const other = sudokuTrainSource(task, puzzles, { seed: 6 });
  assert(
    other.batch(0, 12).map((e) => e.input.join()).join() !==
      src.batch(0, 12).map((e) => e.input.join()).join(),
  );
});

Deno.test("sudokuTrainSource() augments puzzle and solution with the same params", () => {
  const src = sudokuTrainSource(task, puzzles, { seed: 1, augment: sudokuShuffle(shape) });
  const examples = src.batch(0, 24);
  let changed = 0;
  for (const ex of examples) {
    const p = Uint8Array.from(ex.input, (t) => t - 1), s = Uint8Array.from(ex.label, (t) => t - 1);
    assert(isValidSolution(s, shape) && isConsistentWith(p, s));
    changed += puzzles.some((q) => q.puzzle.join() === p.join()) ? 0 : 1;
  }
  assert(changed > 12, "most examples are new shuffles of their puzzle");
});
