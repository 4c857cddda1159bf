/**
 * End to end: a tiny TRM learns 4x4 Sudoku (>= 8 of 16 cells blank, unique solutions) and solves
 * held-out puzzles it never saw, on the wasm backend, within the test budget.
 */
import { assertGreaterOrEqual } from "@std/assert";
import { createTrm, evaluate, initBackend, resolveConfig, TrainSession } from "../core/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { sudokuShuffle } from "../augment/mod.ts";
import { generateSudokuSet, sudokuTask, sudokuTestSource, sudokuTrainSource } from "../tasks/sudoku/mod.ts";

Deno.test("a tiny TRM reaches >= 90% held-out exact accuracy on 4x4 Sudoku", async () => {
  await initBackend("wasm");
  const shape = { boxRows: 2, boxCols: 2 };
  const task = sudokuTask(shape);
  const all = generateSudokuSet(11, 1700, { ...shape, blanks: 8 });
  const test = sudokuTestSource(task, all.slice(0, 200));
  const train = sudokuTrainSource(task, all.slice(200), { seed: 11, augment: sudokuShuffle(shape) });
  const steps = 260;
  const config = resolveConfig({
    mixer: mlpMixer(),
    model: { hidden: 64 },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps: 8 },
    optim: { batchSize: 48, lr: 3e-3, warmupSteps: 50, weightDecay: 0.1, puzzleEmbLr: 1e-3, emaDecay: 0.99 },
  });
  using model = createTrm(task.spec, config, { seed: 11 });
  using session = new TrainSession(model, { totalSteps: steps, seed: 11 });
  for (let s = 0; s < steps; s++) await session.step(train.batch(s, config.optim.batchSize));
  const result = await session.ema!.withShadows(() =>
    evaluate(model, test, session.puzzles, { batchSize: 200 })
  );
  assertGreaterOrEqual(result.exactAccuracy, 0.9, `held-out exact accuracy ${result.exactAccuracy}`);
});
