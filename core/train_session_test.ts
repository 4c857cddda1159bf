import * as tf from "@tensorflow/tfjs-core";
import { assertEquals, assertRejects } from "@std/assert";
import { createTrm } from "./model.ts";
import { evaluate } from "./evaluate.ts";
import { NonFiniteLossError, TrainSession } from "./train_session.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { assertNoLeak, testBackend, tinyConfig } from "../tests/_helpers.ts";

await testBackend();

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
const batch = (tag: number, B = 4) =>
  Array.from({ length: B }, (_, b) => {
    const input = Int32Array.from({ length: 6 }, (_, i) => 1 + ((i + b + tag) % 4));
    return { input, label: input.slice(), puzzleId: (b + tag) % 3 };
  });

Deno.test("TrainSession.step() keeps a slot's example until it halts (cross-batch carry)", async () => {
  const config = tinyConfig(mlpMixer()); // N_sup 3; q_halt starts at -5, so no early halting here
  using model = createTrm(spec, { ...config, supervision: { maxSteps: 3, explorationProb: 0 } });
  using session = new TrainSession(model, { totalSteps: 10 });
  const counts: number[] = [], steps: number[][] = [];
  for (let s = 0; s < 7; s++) {
    const m = await session.step(batch(s));
    counts.push(m.count);
    steps.push([...session.slotSteps]);
  }
  assertEquals(counts, [0, 0, 4, 0, 0, 4, 0]); // every slot halts at N_sup = 3, then is refilled
  assertEquals(steps.map((s) => s[0]), [1, 2, 3, 1, 2, 3, 1]);
});

for (const mixer of [mlpMixer(), attention({ heads: 2 })]) {
  Deno.test(`TrainSession.step() and evaluate() (${mixer.kind}) leak no tensors`, async () => {
    using model = createTrm(spec, tinyConfig(mixer));
    using session = new TrainSession(model, { totalSteps: 10 });
    let i = 0;
    await assertNoLeak(() => session.step(batch(i++)), 2);
    const source = { spec, size: 5, example: (k: number) => batch(k, 1)[0]! };
    await assertNoLeak(() =>
      session.ema!.withShadows(() => evaluate(model, source, session.puzzles, { batchSize: 2 }))
    );
    await assertNoLeak(() => evaluate(model, source, session.puzzles, { batchSize: 2, earlyHalt: true }));
  });
}

Deno.test("TrainSession.step() updates only the touched puzzle-embedding rows", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer()));
  using session = new TrainSession(model, { totalSteps: 10 });
  const rows = batch(0).map((e) => ({ ...e, puzzleId: 1 }));
  await session.step(rows);
  const d = model.config.model.hidden, w = session.puzzles.weights;
  assertEquals(w.subarray(0, d).every((v) => v === 0), true); // id 0 untouched
  assertEquals(w.subarray(d, 2 * d).some((v) => v !== 0), true); // id 1 moved
  assertEquals(w.subarray(2 * d).every((v) => v === 0), true);
});

Deno.test("TrainSession.step() stops on a non-finite loss, naming the step", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer()));
  using session = new TrainSession(model, { totalSteps: 10 });
  model.variables[0]!.assign(tf.fill(model.variables[0]!.shape, NaN));
  await assertRejects(() => session.step(batch(0)), NonFiniteLossError, "step 1");
  assertEquals(session.stepCount, 0);
});

Deno.test("TrainSession is deterministic: same seed, same losses", async () => {
  const run = async () => {
    using model = createTrm(spec, tinyConfig(attention({ heads: 2 })), { seed: 3 });
    using session = new TrainSession(model, { totalSteps: 10, seed: 4 });
    const out: number[] = [];
    for (let s = 0; s < 4; s++) out.push((await session.step(batch(s))).loss);
    return out;
  };
  assertEquals(await run(), await run());
});

Deno.test("TrainSession.step() works with T = 1 (no recursion without gradient)", async () => {
  const config = tinyConfig(mlpMixer());
  using model = createTrm(spec, { ...config, recursion: { n: 1, T: 1 } });
  using session = new TrainSession(model, { totalSteps: 10 });
  for (let s = 0; s < 3; s++) assertEquals(Number.isFinite((await session.step(batch(s))).loss), true);
});
