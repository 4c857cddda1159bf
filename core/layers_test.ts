import * as tf from "@tensorflow/tfjs-core";
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { rmsNorm, swigluWidth } from "./layers.ts";
import { testBackend } from "../tests/_helpers.ts";

await testBackend();

Deno.test("swigluWidth() gives the reference widths 1536 / 512 / 2560", () => {
  assertEquals([swigluWidth(512, 4), swigluWidth(97, 4), swigluWidth(916, 4)], [1536, 512, 2560]);
});

Deno.test("rmsNorm([1,2,3,4]) matches the spec's sanity values", async () => {
  const y = await rmsNorm(tf.tensor1d([1, 2, 3, 4])).data();
  [0.36515, 0.73030, 1.09544, 1.46059].forEach((v, i) => assertAlmostEquals(y[i]!, v, 1e-4));
});

Deno.test("rmsNorm() over the sequence axis normalises each channel across positions", async () => {
  const x = tf.tensor3d([[[1, 10], [2, 20], [3, 30], [4, 40]]]); // [1, L=4, D=2]
  const y = await rmsNorm(x, 1).data();
  // Channel 0 is [1,2,3,4] and channel 1 is 10x it: both normalise to the same values.
  [0.36515, 0.73030, 1.09544, 1.46059].forEach((v, i) => {
    assertAlmostEquals(y[2 * i]!, v, 1e-4);
    assertAlmostEquals(y[2 * i + 1]!, v, 1e-4);
  });
});
