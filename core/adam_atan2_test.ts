import * as tf from "@tensorflow/tfjs-core";
import { assertAlmostEquals } from "@std/assert";
import { AdamAtan2 } from "./adam_atan2.ts";
import { testBackend } from "../tests/_helpers.ts";

await testBackend();

Deno.test("AdamAtan2.update() matches the reference formula over three steps", async () => {
  const w0 = [0.5, -1.5, 2], grads = [[0.1, -0.2, 0.3], [-0.4, 0.1, 0.05], [0.2, 0.2, -0.1]];
  const lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.95;
  const w = tf.variable(tf.tensor1d(w0));
  using opt = new AdamAtan2([w], { betas: [b1, b2], weightDecay: wd });
  const ref = [...w0], m = [0, 0, 0], v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = grads[t - 1]!;
    opt.update([tf.tensor1d(g)], lr);
    for (let i = 0; i < 3; i++) {
      ref[i] = ref[i]! * (1 - lr * wd); // decoupled decay first
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      ref[i] = ref[i]! - lr * Math.atan2(m[i]! / (1 - b1 ** t), Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t));
    }
  }
  const got = await w.data();
  ref.forEach((r, i) => assertAlmostEquals(got[i]!, r, 1e-6));
});

Deno.test("AdamAtan2.update() leaves a weight that never had a gradient unchanged but for decay", async () => {
  const w = tf.variable(tf.tensor1d([0.5, 0.5]));
  using opt = new AdamAtan2([w], { betas: [0.9, 0.95], weightDecay: 0 });
  for (let i = 0; i < 3; i++) opt.update([tf.tensor1d([0, 1])], 0.1);
  const got = await w.data();
  assertAlmostEquals(got[0]!, 0.5, 0); // atan2(0, 0) must count as 0 (WGSL leaves it unspecified)
  assertAlmostEquals(got[1]!, 0.5 - 0.3 * Math.PI / 4, 1e-6);
});
