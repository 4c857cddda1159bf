/**
 * Data-side throughput (`deno bench bench/data_bench.ts`): augmentations on 30x30 ARC grids and 9x9
 * Sudoku boards (aim: >= 100k grids/s on one core), and the Sudoku and maze generators.
 */
import { createRng } from "../core/mod.ts";
import { applyDihedral, colorPermutation, compose, dihedral, sudokuShuffle } from "../augment/mod.ts";
import { generateSudoku } from "../tasks/sudoku/mod.ts";
import { generateMaze } from "../tasks/maze/mod.ts";

const rng = createRng(0);
const arcGrid = { height: 30, width: 30, data: Uint8Array.from({ length: 900 }, (_, i) => i % 10) };
const sudoku = generateSudoku(createRng(1));
const sudokuGrid = { height: 9, width: 9, data: sudoku.solution! };
const arc = compose(colorPermutation(), dihedral()), shuffle = sudokuShuffle();

Deno.bench({
  name: "dihedral rot90, 30x30 ARC grid",
  group: "augment",
  baseline: true,
  fn: () => void applyDihedral(arcGrid, 1),
});
Deno.bench({
  name: "colour permutation + dihedral (sample + apply), 30x30",
  group: "augment",
  fn: () => void arc.apply(arcGrid, arc.sample(rng)),
});
Deno.bench({
  name: "sudoku shuffle (sample + apply), 9x9",
  group: "augment",
  fn: () => void shuffle.apply(sudokuGrid, shuffle.sample(rng)),
});
Deno.bench({
  name: "generate a 4x4 Sudoku (8 blanks, unique)",
  group: "generate",
  fn: () => void generateSudoku(rng, { boxRows: 2, boxCols: 2, blanks: 8 }),
});
Deno.bench({
  name: "generate a 9x9 Sudoku (50 blanks, unique)",
  group: "generate",
  fn: () => void generateSudoku(rng, { blanks: 50 }),
});
Deno.bench({
  name: "generate a 30x30 maze (path >= 110)",
  group: "generate",
  baseline: true,
  fn: () => void generateMaze(rng),
});
