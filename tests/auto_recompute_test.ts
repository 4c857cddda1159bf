/**
 * train() picks activation recomputation only where the plain step would not fit the wasm heap (each
 * worker's heap holding its share of the batch), and never over a gradient strategy the caller chose.
 */
import { assertEquals } from "@std/assert";
import {
  initBackend,
  listTestSource,
  mlpMixer,
  shuffledTrainSource,
  train,
  type TrmConfigInput,
} from "../mod.ts";

await initBackend("wasm");

const spec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
const ex = { input: new Int32Array(81).fill(1), label: new Int32Array(81).fill(2), puzzleId: 0 };
const task = { spec, encode: () => ex, decode: (t: Int32Array) => t };
const data = { train: shuffledTrainSource(spec, 4, 0, () => ex), test: listTestSource(spec, [ex]) };

/** The gradient strategy train() runs with for the paper's Sudoku-MLP at `batchSize` (no step taken). */
async function chosen(batchSize: number, workers: number, gradient?: string): Promise<string> {
  const config: TrmConfigInput = {
    mixer: mlpMixer(),
    recursion: { n: 6, T: 3 },
    optim: { batchSize, ...(gradient ? { gradient } : {}) },
  };
  using run = await train(task, { config, steps: 1, data, workers, signal: AbortSignal.abort() });
  return run.config.optim.gradient.kind;
}

Deno.test("train(): plain reverse mode where it fits, recomputation where it would not", async () => {
  assertEquals(await chosen(8, 1), "reverse");
  assertEquals(await chosen(32, 1), "reverse", "batch 32: 2993 MiB measured, under the margin");
  assertEquals(await chosen(40, 1), "recompute");
  assertEquals(await chosen(40, 1, "reverse"), "reverse", "an explicit choice is kept");
  assertEquals(await chosen(40, 2), "reverse", "2 workers: 20 rows in each heap fit");
  assertEquals(await chosen(80, 2), "recompute", "2 workers: 40 rows in each heap do not");
});
