import { assertEquals, assertStringIncludes } from "@std/assert";
import { resolveConfig } from "./config.ts";
import { trainStepFlops } from "./flops.ts";
import { chooseWorkers, workerModulesPresent, WORKERS_MIN_STEP_FLOPS } from "./workers_choice.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

const sudoku = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
const config = (hidden: number, batchSize: number, n = 6, T = 3) =>
  resolveConfig({ mixer: mlpMixer(), model: { hidden }, recursion: { n, T }, optim: { batchSize } });

Deno.test("chooseWorkers: one per core for a large step on wasm, one process otherwise", () => {
  const big = config(128, 64), small = config(16, 64, 1, 1);
  // The threshold sits between the two configurations, so the test checks the rule, not the constant.
  assertEquals(trainStepFlops(big, sudoku, 64) >= WORKERS_MIN_STEP_FLOPS, true);
  assertEquals(trainStepFlops(small, sudoku, 64) < WORKERS_MIN_STEP_FLOPS, true);
  assertEquals(chooseWorkers(big, sudoku, "wasm", 2).workers, 2);
  assertEquals(chooseWorkers(big, sudoku, "wasm", 8).workers, 8);
  assertEquals(chooseWorkers(big, sudoku, "wasm", 32).workers, 16, "at least 4 slots per worker");
  const tiny = chooseWorkers(small, sudoku, "wasm", 2);
  assertEquals(tiny.workers, 1);
  assertStringIncludes(tiny.reason, "too small");
  assertEquals(chooseWorkers(big, sudoku, "wasm", 1).workers, 1);
  assertEquals(chooseWorkers(config(128, 7), sudoku, "wasm", 2).workers, 1, "batch 7: under 4 slots each");
  assertEquals(chooseWorkers(big, sudoku, "webgpu", 2).workers, 1);
  assertEquals(chooseWorkers(big, sudoku, "cpu", 2).workers, 1);
});

Deno.test("workerModulesPresent: true from the source tree, false when a module is missing", () => {
  assertEquals(workerModulesPresent(), true);
  assertEquals(workerModulesPresent([new URL("../plugins/mod.ts", import.meta.url)]), true);
  assertEquals(workerModulesPresent([new URL("./no_such_module.ts", import.meta.url)]), false);
  assertEquals(
    workerModulesPresent(["https://example.com/plugins.ts"]),
    true,
    "remote modules are assumed to load",
  );
});
