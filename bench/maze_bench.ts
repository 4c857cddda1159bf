/**
 * Maze data-side throughput (`deno bench bench/maze_bench.ts`): the generator in mazes/s (iter/s of
 * the single-maze cases), a whole 1000-maze training set, augmented training batches and scoring.
 */
import { createRng } from "../core/mod.ts";
import { generateMaze, generateMazeSet, mazeTask, mazeTrainSource } from "../tasks/maze/mod.ts";

const rng = createRng(0);
const task = mazeTask();
const train = generateMazeSet(1, 1000);
const source = mazeTrainSource(task, train, { seed: 0 });
const examples = source.batch(0, 64);
let step = 0;

Deno.bench({
  name: "generate a 30x30 maze (path >= 110, perfect)",
  group: "generate",
  baseline: true,
  fn: () => void generateMaze(rng),
});
Deno.bench({
  name: "generate a 30x30 maze (path >= 110, 20 loops)",
  group: "generate",
  fn: () => void generateMaze(rng, { loops: 20 }),
});
Deno.bench({
  name: "generate a 10x10 maze (path >= 12)",
  group: "generate",
  fn: () => void generateMaze(rng, { size: 10, minPathLength: 12 }),
});
Deno.bench({
  name: "generateMazeSet: 1000 distinct 30x30 mazes (the training set)",
  group: "set",
  n: 5,
  warmup: 1,
  fn: () => void generateMazeSet(step++, 1000),
});
Deno.bench({
  name: "mazeTrainSource: one 768-example batch, dihedral on the fly",
  group: "source",
  fn: () => void source.batch(step++, 768),
});
Deno.bench({
  name: "score 64 predictions (exact + path validity)",
  group: "source",
  fn: () => {
    for (const ex of examples) task.score(ex.label, ex);
  },
});
