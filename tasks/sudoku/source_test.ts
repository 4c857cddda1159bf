import { assert, assertEquals, assertThrows } from "@std/assert";
import { createRng, deriveSeed, permutation } from "@recursive/trm/core";
import { sudokuShuffle } from "../../augment/sudoku_shuffle.ts";
import type { Augmentation, Grid } from "../../augment/types.ts";
import { generateSudokuSet } from "./generator.ts";
import { sudokuTestSource, sudokuTrainSource } from "./source.ts";
import { isConsistentWith, isValidSolution, sudokuTask } from "./sudoku.ts";

const shape = { boxRows: 2, boxCols: 3 };
const task = sudokuTask(shape);
const puzzles = generateSudokuSet(0, 12, shape);
const key = (e: { input: Int32Array }) => e.input.join();

/** Test-only augmentation: relabel digits by a random permutation (0 stays). */
const relabel: Augmentation<Uint8Array> = {
  name: "relabel",
  sample: (rng) => Uint8Array.from([0, ...Array.from(permutation(rng, 6), (d) => d + 1)]),
  apply: (g: Grid, map) => ({ ...g, data: g.data.map((v) => map[v]!) }),
  invert: (g: Grid, map) => ({ ...g, data: g.data.map((v) => map.indexOf(v)) }),
};

Deno.test("sudokuTrainSource() batches are slices of the concatenated per-epoch permutations", () => {
  const src = sudokuTrainSource(task, puzzles, { seed: 5 });
  assertEquals(src.epochSize, 12);
  const stream = Array.from({ length: 12 }, (_, s) => src.batch(s, 4)).flat().map(key); // 4 epochs
  for (let epoch = 0; epoch < 4; epoch++) {
    const order = permutation(createRng(deriveSeed(5, epoch)), 12);
    assertEquals(
      stream.slice(epoch * 12, epoch * 12 + 12),
      Array.from(order, (i) => key(task.encode(puzzles[i]!))),
    );
  }
  assertEquals(src.batch(2, 5).map(key), stream.slice(10, 15)); // straddles epochs 0 and 1
  assertEquals(src.batch(7, 4).map(key), src.batch(7, 4).map(key));
  assertEquals([...src.batch(2, 3), ...src.batch(3, 3)].map(key), src.batch(1, 6).map(key));
  const other = sudokuTrainSource(task, puzzles, { seed: 6 });
  assert(other.batch(0, 12).map(key).join() !== src.batch(0, 12).map(key).join());
});

Deno.test("sudokuTrainSource() applies the params of deriveSeed(seed, epoch, index) to puzzle and solution", () => {
  const src = sudokuTrainSource(task, puzzles, { seed: 3, augment: relabel });
  const batch = src.batch(1, 20); // examples 20..39: epochs 1, 2 and 3
  batch.forEach((ex, b) => {
    const k = 20 + b, epoch = Math.floor(k / 12);
    const index = permutation(createRng(deriveSeed(3, epoch)), 12)[k % 12]!, p = puzzles[index]!;
    const map = relabel.sample(createRng(deriveSeed(3, epoch, index)));
    assertEquals(ex.input, Int32Array.from(p.puzzle, (v) => map[v]! + 1));
    assertEquals(ex.label, Int32Array.from(p.solution!, (v) => map[v]! + 1));
  });
  // Epochs differ: the same puzzle is relabelled anew.
  assert(
    batch.map(key).join() !== sudokuTrainSource(task, puzzles, { seed: 3 }).batch(1, 20).map(key).join(),
  );
});

Deno.test("sudokuTrainSource() with sudokuShuffle keeps every example a valid, consistent, new puzzle", () => {
  const src = sudokuTrainSource(task, puzzles, { seed: 1, augment: sudokuShuffle(shape) });
  const known = new Set(puzzles.map((p) => p.puzzle.join()));
  let changed = 0;
  for (const ex of src.batch(0, 48)) {
    const p = Uint8Array.from(ex.input, (t) => t - 1), s = Uint8Array.from(ex.label, (t) => t - 1);
    assert(isValidSolution(s, shape) && isConsistentWith(p, s));
    if (!known.has(p.join())) changed++;
  }
  assert(changed > 40, `most examples are new shuffles, got ${changed} of 48`);
});

Deno.test("sudokuTrainSource() and sudokuTestSource() refuse mismatched or unsolved puzzles", () => {
  const four = generateSudokuSet(0, 2, { boxRows: 2, boxCols: 2 });
  assertThrows(
    () => sudokuTrainSource(task, four, { seed: 0 }),
    RangeError,
    "puzzle 0 has 2x2 boxes, the task 2x3",
  );
  const unsolved = [{ ...shape, puzzle: puzzles[0]!.puzzle }];
  assertThrows(() => sudokuTrainSource(task, unsolved, { seed: 0 }), RangeError, "puzzle 0 has no solution");
  assertThrows(
    () => sudokuTestSource(task, unsolved),
    RangeError,
    "sudokuTestSource: puzzle 0 has no solution",
  );
  assertThrows(() => sudokuTrainSource(task, [], { seed: 0 }), RangeError, "expected training puzzles");
  const shrink: Augmentation<null> = {
    name: "shrink",
    sample: () => null,
    apply: (g) => ({ height: 1, width: g.data.length, data: g.data }),
    invert: (g) => g,
  };
  const bad = sudokuTrainSource(task, puzzles, { seed: 0, augment: shrink });
  assertThrows(() => bad.batch(0, 1), RangeError, 'augmentation "shrink" made a 1x36 grid from a 6x6 one');
});

Deno.test("sudokuTestSource() keeps order and encodes without augmentation", () => {
  const src = sudokuTestSource(task, puzzles);
  assertEquals(src.size, 12);
  assertEquals(src.spec, task.spec);
  puzzles.forEach((p, i) => assertEquals(src.example(i), task.encode(p)));
});
