/**
 * Sudoku data-side throughput (`deno bench bench/sudoku_bench.ts`): the unique-solution generator in
 * puzzles/s (the iter/s of each single-puzzle case) at the default half-blank target and at "as many
 * blanks as uniqueness allows", a whole training set, and augmented training batches.
 */
import { createRng } from "../core/mod.ts";
import { sudokuShuffle } from "../augment/mod.ts";
import { generateSudoku, generateSudokuSet, sudokuTask, sudokuTrainSource } from "../tasks/sudoku/mod.ts";

const rng = createRng(0);
const cases = [
  ["4x4", { boxRows: 2, boxCols: 2 }],
  ["6x6", { boxRows: 2, boxCols: 3 }],
  ["9x9", { boxRows: 3, boxCols: 3 }],
] as const;

for (const [name, shape] of cases) {
  const cells = (shape.boxRows * shape.boxCols) ** 2;
  Deno.bench({
    name: `generate a ${name} Sudoku (${Math.ceil(cells / 2)} blanks, unique)`,
    group: `generate ${name}`,
    baseline: true,
    fn: () => void generateSudoku(rng, shape),
  });
  Deno.bench({
    name: `generate a minimal ${name} Sudoku (all removable clues removed)`,
    group: `generate ${name}`,
    fn: () => void generateSudoku(rng, { ...shape, blanks: cells }),
  });
}

let seed = 0;
Deno.bench({
  name: "generateSudokuSet: 1000 distinct 9x9 puzzles (>= 41 blanks)",
  group: "set",
  n: 5,
  warmup: 1,
  fn: () => void generateSudokuSet(seed++, 1000),
});

const task = sudokuTask();
const source = sudokuTrainSource(task, generateSudokuSet(1, 1000), { seed: 0, augment: sudokuShuffle() });
let step = 0;
Deno.bench({
  name: "sudokuTrainSource: one 768-example 9x9 batch, shuffled on the fly",
  group: "source",
  fn: () => void source.batch(step++, 768),
});
