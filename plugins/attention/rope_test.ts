import * as tf from "@tensorflow/tfjs-core";
import { assertAlmostEquals } from "@std/assert";
import { initBackend } from "@recursive/trm/core";
import { applyRope, ropeTables } from "./rope.ts";

await initBackend("cpu");

Deno.test("applyRope() equals q*cos + rotate_half(q)*sin with rotate_half(v) = [-v2, v1] (non-interleaved)", async () => {
  const L = 5, dh = 8;
  const { cos, sin } = ropeTables(L, dh, 10000);
  const x = tf.randomNormal([2, L, dh], 0, 1, "float32", 7);
  const got = await applyRope(x, tf.tensor2d(cos, [L, dh]), tf.tensor2d(sin, [L, dh])).data();
  const xv = await x.data();
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < L; p++) {
      for (let i = 0; i < dh; i++) {
        const o = (b * L + p) * dh;
        const rot = i < dh / 2 ? -xv[o + i + dh / 2]! : xv[o + i - dh / 2]!;
        const angle = p * Math.pow(10000, (-2 * (i % (dh / 2))) / dh);
        assertAlmostEquals(got[o + i]!, xv[o + i]! * Math.cos(angle) + rot * Math.sin(angle), 1e-5);
      }
    }
  }
});
