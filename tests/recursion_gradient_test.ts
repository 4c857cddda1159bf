/**
 * Gradients of the recursion: only the last of T recursions is differentiated (the first T-1 run
 * outside the tape), every trainable variable gets a gradient, and the carry is detached.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals } from "@std/assert";
import {
  actLoss,
  type Carry,
  createTrm,
  deepRecursion,
  latentRecursion,
  resetCarry,
  TrainSession,
  type Trm,
} from "../core/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { testBackend, tinyConfig } from "./_helpers.ts";

await testBackend();

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 1 };
const B = 4;
const rowsOf = (seed: number) =>
  Array.from({ length: B }, (_, b) => {
    const input = Int32Array.from({ length: 6 }, (_, i) => 1 + ((i * 7 + b * 3 + seed) % 4));
    return { input, label: input.map((t) => 1 + (t % 4)), puzzleId: 0 };
  });

/** Gradients of the step loss when `taped` of the T recursions are inside the tape. */
function gradsWith(model: Trm, taped: "last" | "all"): Map<string, Float32Array> {
  const ex = rowsOf(0), c = model.config;
  const inputs = tf.tensor2d(ex.flatMap((e) => [...e.input]), [B, 6], "int32");
  const labels = tf.tensor2d(ex.flatMap((e) => [...e.label]), [B, 6], "int32");
  const rows = tf.zeros([B, c.model.hidden]) as tf.Tensor2D;
  const start = resetCarry(model, null, tf.ones([B], "bool") as tf.Tensor1D);
  const entering: Carry = taped === "last"
    ? deepRecursion(model, model.embed(inputs, rows), start, c.recursion.T - 1)
    : start;
  const { grads } = tf.variableGrads(() => {
    const x = model.embed(inputs, rows);
    const pre = taped === "all" ? deepRecursion(model, x, entering, c.recursion.T - 1) : entering;
    const out = latentRecursion(model, x, pre, c.recursion.n);
    const { logits, qHalt } = model.heads(out.y);
    return tf.div(actLoss(logits, qHalt, labels, "stablemax").total, B) as tf.Scalar;
  }, [...model.variables]);
  return new Map(model.variables.map((v) => [v.name, grads[v.name]!.dataSync() as Float32Array]));
}

for (const mixer of [mlpMixer(), attention({ heads: 2 })]) {
  Deno.test(`TrainSession.step() (${mixer.kind}) updates exactly along the last-recursion gradient`, async () => {
    const config = tinyConfig(mixer, B);
    using model = createTrm(spec, { ...config, optim: { ...config.optim, weightDecay: 0, emaDecay: null } });
    const last = gradsWith(model, "last"), all = gradsWith(model, "all");
    // Every trainable variable gets a gradient, and taping all T recursions would change it.
    for (const v of model.variables) {
      assert(last.get(v.name)!.some((g) => g !== 0), `${v.name}: zero gradient`);
    }
    let differs = 0;
    for (const [k, g] of last) {
      differs += g.some((x, i) => Math.sign(x) !== Math.sign(all.get(k)![i]!)) ? 1 : 0;
    }
    assert(differs > 0, "the no-grad recursions must matter for the test to mean anything");
    // The first AdamATan2 step moves each weight by -lr * atan2(g, |g|) = -lr * pi/4 * sign(g).
    const before = new Map(model.variables.map((v) => [v.name, v.dataSync().slice()]));
    using session = new TrainSession(model, { totalSteps: 10 });
    await session.step(rowsOf(0));
    const lr = model.config.optim.lr;
    for (const v of model.variables) {
      const after = v.dataSync(), b = before.get(v.name)!, g = last.get(v.name)!;
      for (let i = 0; i < after.length; i++) {
        const expected = b[i]! - lr * (Math.PI / 4) * Math.sign(g[i]!);
        assert(Math.abs(after[i]! - expected) < 1e-5, `${v.name}[${i}]: ${after[i]} vs ${expected}`);
      }
    }
  });
}

Deno.test("TrainSession carry is detached: the next step's gradient ignores how it was produced", async () => {
  using model = createTrm(spec, tinyConfig(mlpMixer(), B));
  using session = new TrainSession(model, { totalSteps: 10 });
  await session.step(rowsOf(0));
  const carry = session.carry!;
  // A carry tensor is a plain value: differentiating anything w.r.t. the weights through it alone
  // finds no connection (no tape survives the step).
  const v = model.variables[0]!;
  let threw = false;
  try {
    tf.variableGrads(() => tf.sum(carry.y!) as tf.Scalar, [v]);
  } catch {
    threw = true;
  }
  assertEquals(threw, true);
});
