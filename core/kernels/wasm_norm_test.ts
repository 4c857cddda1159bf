import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { fusedResidualRmsNorm, hasResidualNorm } from "./residual_norm.ts";
import { installWasmNormKernels, uninstallWasmNormKernels } from "./wasm_norm.ts";

await initBackend("wasm", { nativeBlas: "off" });

/** rms(a + b) over `axis` and the gradients of a and b for `dy`, as flat arrays. */
async function normAndGrads(a: tf.Tensor, b: tf.Tensor, dy: tf.Tensor, axis: number): Promise<number[][]> {
  const outs = tf.tidy(() => {
    const f = (x: tf.Tensor, y: tf.Tensor) => fusedResidualRmsNorm(x, y, axis, 1e-5);
    const { value, grads } = tf.valueAndGrads(f)([a, b], dy);
    return [value, grads[0]!, grads[1]!];
  });
  const r = await Promise.all(outs.map(async (t) => [...await t.data()]));
  tf.dispose(outs);
  return r;
}

Deno.test("the wasm residual norm is bit-identical to the composed ops, last and middle axis, both ways", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 3 }),
      fc.nat(),
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom(1e-3, 1, 30), // scales: eps matters, unit, large
      async (shape, axisPick, seed, scale) => {
        const axis = axisPick % shape.length;
        const [a, b, dy] = [0, 1, 2].map((k) =>
          tf.randomNormal(shape, 0, k === 2 ? 1 : scale, "float32", seed + k)
        );
        try {
          uninstallWasmNormKernels();
          assert(!hasResidualNorm());
          const want = await normAndGrads(a!, b!, dy!, axis);
          installWasmNormKernels();
          assert(hasResidualNorm());
          const got = await normAndGrads(a!, b!, dy!, axis);
          got.forEach((arr, k) =>
            arr.forEach((v, i) =>
              assert(
                Object.is(v, want[k]![i]),
                `[${shape}] axis ${axis} out ${k} at ${i}: ${v} vs ${want[k]![i]}`,
              )
            )
          );
        } finally {
          tf.dispose([a!, b!, dy!]);
        }
      },
    ),
    { numRuns: 80 },
  );
});

Deno.test("the wasm residual norm is one kernel forward, two passes back, and leaves no tensor behind", async () => {
  installWasmNormKernels();
  const [a, b, dy] = [0, 1, 2].map((k) => tf.randomNormal([2, 9, 12], 0, 1, "float32", k));
  for (const axis of [1, 2]) {
    const info = await tf.profile(() => normAndGrads(a!, b!, dy!, axis));
    const names = info.kernels.map((k) => k.name);
    assertEquals(names.filter((n) => n === "TrmResidualRmsNorm").length, 1, names.join());
    for (const composed of ["Square", "Mean", "Sum", "Transpose", "Rsqrt"]) {
      assert(!names.includes(composed), names.join());
    }
    const before = tf.memory();
    for (let i = 0; i < 3; i++) await normAndGrads(a!, b!, dy!, axis);
    assertEquals(tf.memory().numTensors, before.numTensors);
    assertEquals(tf.memory().numBytes, before.numBytes);
  }
  tf.dispose([a!, b!, dy!]);
});
