import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { createTrm, namedVariables, type Trm } from "./model.ts";
import { evaluate } from "./evaluate.ts";
import { haltProbabilityOf, predict } from "./predict.ts";
import { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { assertNoLeak, testBackend, tinyConfig } from "../tests/_helpers.ts";

await testBackend();

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 2 };
const inputs = Array.from(
  { length: 7 },
  (_, b) => Int32Array.from({ length: 6 }, (_, i) => 1 + ((i * b + b) % 4)),
);
const puzzles = new PuzzleEmbedding(2, 16);

/** Sets q_head so that every row's halting margin is `bias` (weight 0): a known halting probability. */
function setHaltBias(model: Trm, bias: number): void {
  const b = tf.tensor1d([bias, -5]);
  namedVariables(model).get("q_head/b")!.assign(b);
  b.dispose();
}

Deno.test("predict: batched rows equal one-by-one rows, and repeated calls agree (deterministic)", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4), { seed: 3 });
  const all = await predict(model, puzzles, inputs, { trace: true });
  assertEquals(all.length, 7);
  for (let i = 0; i < inputs.length; i++) {
    const [one] = await predict(model, puzzles, [inputs[i]!], { trace: true });
    assertEquals(Array.from(one!.answer), Array.from(all[i]!.answer), `row ${i}`);
    assertEquals(one!.steps, all[i]!.steps);
  }
  const again = await predict(model, puzzles, inputs, { trace: true });
  assertEquals(again.map((p) => Array.from(p.answer)), all.map((p) => Array.from(p.answer)));
});

Deno.test("predict: a row halts at the first step whose sigmoid(margin) exceeds the threshold", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4));
  // q_head weight is 0 at init, so the margin is exactly the bias: p = sigmoid(1) = 0.731.
  setHaltBias(model, 1);
  const p = haltProbabilityOf(1);
  const halted = await predict(model, puzzles, inputs, { haltThreshold: p - 0.01, trace: true });
  assert(halted.every((r) => r.steps === 1 && r.trace!.length === 1), "halts at step 1");
  assert(Math.abs(halted[0]!.haltProbabilities[0]! - p) < 1e-6, "reports sigmoid(margin)");
  const ran = await predict(model, puzzles, inputs, { haltThreshold: p + 0.01, trace: true });
  assert(ran.every((r) => r.steps === 3 && r.trace!.length === 3 && r.haltProbabilities.length === 3));
  // maxSteps caps the run; null runs the full depth even when the margin is positive.
  const capped = await predict(model, puzzles, inputs, { haltThreshold: null, maxSteps: 2 });
  assert(capped.every((r) => r.steps === 2 && r.trace === undefined));
  const full = await predict(model, puzzles, inputs, { haltThreshold: null });
  assert(full.every((r) => r.steps === 3 && r.haltProbabilities.length === 1), "only the last step is read");
  // The last trace frame is the answer.
  assertEquals(Array.from(ran[2]!.trace![2]!), Array.from(ran[2]!.answer));
});

Deno.test("predict: evaluate's predictions are predict's", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4), { seed: 1 });
  const examples = inputs.map((input, b) => ({ input, label: input, puzzleId: b % 2 }));
  const r = await evaluate(model, { spec, size: 7, example: (i) => examples[i]! }, puzzles, {
    earlyHalt: true,
  });
  const p = await predict(model, puzzles, examples, { batchSize: 4 });
  assertEquals(r.predictions.map((a) => Array.from(a)), p.map((x) => Array.from(x.answer)));
  assertEquals(Array.from(r.stepsUsed), p.map((x) => x.steps));
});

Deno.test("predict leaks no tensors (batched, halting, trace)", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4));
  await assertNoLeak(() => predict(model, puzzles, inputs, { trace: true }));
  setHaltBias(model, 1);
  await assertNoLeak(() => predict(model, puzzles, inputs, { haltThreshold: 0.5 }));
});

Deno.test("predict: bad options and bad tokens get one clear error", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4));
  await assertRejects(
    () => predict(model, puzzles, inputs, { haltThreshold: 2 }),
    RangeError,
    "haltThreshold",
  );
  await assertRejects(() => predict(model, puzzles, inputs, { maxSteps: 0 }), RangeError, "maxSteps");
  await assertRejects(
    () => predict(model, puzzles, [Int32Array.of(9, 1, 1, 1, 1, 1)]),
    RangeError,
    "token 9",
  );
  assertEquals(await predict(model, puzzles, []), []);
});

Deno.test("predict: perturb sees each step and batch, identity changes nothing, its states are used", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), 4), { seed: 2 });
  const base = await predict(model, puzzles, inputs, { haltThreshold: null, batchSize: 4 });
  const calls: string[] = [];
  const same = await predict(model, puzzles, inputs, {
    haltThreshold: null,
    batchSize: 4,
    perturb: (s, step, first) => (calls.push(`${first}:${step}`), s),
  });
  assertEquals(calls.join(" "), "0:1 0:2 0:3 4:1 4:2 4:3");
  assertEquals(same.map((p) => Array.from(p.answer)), base.map((p) => Array.from(p.answer)));
  // Replacing y before the last step changes the answers: predict runs on what the hook returns.
  const moved = await predict(model, puzzles, inputs, {
    haltThreshold: null,
    perturb: (s, step) => (step === 3 ? { ...s, y: tf.mul(s.y!, -3) as tf.Tensor3D } : s),
  });
  assert(moved.some((p, i) => p.answer.some((t, j) => t !== base[i]!.answer[j])), "answers move");
  await assertNoLeak(() =>
    predict(model, puzzles, inputs, {
      batchSize: 4,
      perturb: (s) => ({ ...s, z: tf.add(s.z!, 1) as tf.Tensor3D }),
    })
  );
});
