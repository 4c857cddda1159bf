import * as tf from "@tensorflow/tfjs-core";
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { actLoss, binaryCrossEntropyWithLogits, tokenCrossEntropy } from "./loss.ts";
import { IGNORE_LABEL } from "./task.ts";
import { testBackend } from "../tests/_helpers.ts";

await testBackend();

Deno.test("tokenCrossEntropy() stablemax gives the spec example 0.45953, softmax differs", async () => {
  const logits = tf.tensor3d([[[2, 0, -1, -3]]]);
  const label = tf.tensor2d([[0]], [1, 1], "int32");
  assertAlmostEquals((await tokenCrossEntropy(logits, label, "stablemax").data())[0]!, 0.45953, 1e-5);
  assertAlmostEquals(
    (await tokenCrossEntropy(logits, label, "softmax").data())[0]!,
    -Math.log(0.8390245),
    1e-5,
  );
});

Deno.test("tokenCrossEntropy() is zero on ignored labels and differentiable everywhere", async () => {
  const logits = tf.variable(tf.tensor3d([[[0.5, -2, 3], [1, 1, 1]]]));
  const labels = tf.tensor2d([[2, IGNORE_LABEL]], [1, 2], "int32");
  assertEquals((await tokenCrossEntropy(logits, labels, "stablemax").data())[1], 0);
  const { grads } = tf.variableGrads(() =>
    tf.sum(tokenCrossEntropy(logits, labels, "stablemax")) as tf.Scalar
  );
  const g = await grads[logits.name]!.data();
  assertEquals([...g.slice(3)], [0, 0, 0]); // the ignored position gets no gradient
  assertEquals(g.slice(0, 3).every((v) => Number.isFinite(v) && v !== 0), true);
});

Deno.test("binaryCrossEntropyWithLogits() at the initial q_halt -5 is 0.0067153 / 5.0067153", async () => {
  const l = await binaryCrossEntropyWithLogits(tf.tensor1d([-5, -5]), tf.tensor1d([0, 1])).data();
  assertAlmostEquals(l[0]!, 0.0067153, 1e-6);
  assertAlmostEquals(l[1]!, 5.0067153, 1e-5);
});

Deno.test("actLoss() sums per-sequence means and halves the halting BCE", async () => {
  // Row 0: 2 supervised tokens, both right; row 1: 1 of 2 right; row 2: all ignored (padding).
  const logits = tf.tensor3d([
    [[5, 0], [0, 5]],
    [[5, 0], [5, 0]],
    [[0, 0], [0, 0]],
  ]);
  const labels = tf.tensor2d([[0, 1], [0, 1], [IGNORE_LABEL, IGNORE_LABEL]], [3, 2], "int32");
  const qHalt = tf.tensor1d([1, -1, 0]);
  const l = actLoss(logits, qHalt, labels, "softmax");
  assertEquals([...await l.stats.exact.data()], [1, 0, 1]); // an empty row counts as exact (0 == 0) ...
  assertEquals([...await l.stats.count.data()], [2, 2, 0]); // ... but has count 0, so metrics skip it
  const ce = await tokenCrossEntropy(logits, labels, "softmax").data();
  const lm = (ce[0]! + ce[1]!) / 2 + (ce[2]! + ce[3]!) / 2;
  assertAlmostEquals((await l.lmLoss.data())[0]!, lm, 1e-5);
  const bce = await binaryCrossEntropyWithLogits(qHalt, tf.tensor1d([1, 0, 1])).data();
  const qh = bce[0]! + bce[1]! + bce[2]!;
  assertAlmostEquals((await l.total.data())[0]!, lm + 0.5 * qh, 1e-5);
});

Deno.test("stablemax cross-entropy has the reference's slope 1 at a logit of exactly 0", async () => {
  // Reference: s(x) = where(x < 0, 1 / (1 - x), x + 1), so s'(0) = 1 (the x + 1 branch). Logits [0, 1, -1],
  // target 1: s = [1, 2, 0.5], S = 3.5, and d CE / d x_j = s'(x_j) / S - [j = target] s'(x_t) / s_t.
  const logits = tf.variable(tf.tensor3d([[[0, 1, -1]]]));
  const labels = tf.tensor2d([[1]], [1, 1], "int32");
  const { value, grads } = tf.variableGrads(() =>
    tf.sum(tokenCrossEntropy(logits, labels, "stablemax")) as tf.Scalar
  );
  assertAlmostEquals((await value.data())[0]!, Math.log(3.5 / 2), 1e-6);
  const g = await grads[logits.name]!.data();
  const want = [1 / 3.5, 1 / 3.5 - 1 / 2, 0.25 / 3.5]; // s'(-1) = 1 / (1 - (-1))^2 = 0.25
  want.forEach((w, j) => assertAlmostEquals(g[j]!, w, 1e-6, `d CE / d x_${j}`));
  tf.dispose([logits, labels, value, ...Object.values(grads)]);
});

Deno.test("stablemax cross-entropy's slope at a very negative logit has no cancellation error", async () => {
  // s'(-1000) = 1 / 1001^2 ~ 1e-6: a tape that sums dy + (-dy + c) leaves c an error of ~ulp(dy), ~6%
  // here. Logits [1, -1000], target 0: s = [2, 1/1001], d CE / d x_1 = s'(x_1) / S.
  const logits = tf.variable(tf.tensor3d([[[1, -1000]]]));
  const labels = tf.tensor2d([[0]], [1, 1], "int32");
  const g = tf.grad((x: tf.Tensor) => tf.sum(tokenCrossEntropy(x as tf.Tensor3D, labels, "stablemax")))(
    logits,
  );
  const want = 1 / 1001 ** 2 / (2 + 1 / 1001);
  const got = (await g.data())[1]!;
  assertAlmostEquals(got / want, 1, 1e-5, `d CE / d x_1 = ${got}, want ${want}`);
  tf.dispose([logits, labels, g]);
});
