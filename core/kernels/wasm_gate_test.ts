import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { fusedSiluMul } from "./webgpu_fused.ts";
import { installWasmGateKernels, uninstallWasmGateKernels } from "./wasm_gate.ts";

await initBackend("wasm", { nativeBlas: "off" });

/** The gate product and both gradients for `dy`, as flat arrays. */
async function gateAndGrads(g: tf.Tensor, u: tf.Tensor, dy: tf.Tensor): Promise<number[][]> {
  const [out, dg, du] = tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => fusedSiluMul(a, b))([g, u], dy);
    return [value, grads[0]!, grads[1]!];
  });
  const r = [await out!.data(), await dg!.data(), await du!.data()].map((a) => [...a]);
  tf.dispose([out!, dg!, du!]);
  return r;
}

Deno.test("wasm gate kernels are bit-identical to the composed ops, forward and backward, every size", async () => {
  assert(installWasmGateKernels(), "the gate kernels install on wasm");
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }), // sizes 1..729: SIMD + tail
      fc.integer({ min: 0, max: 1000 }),
      async (shape, seed) => {
        const [g, u, dy] = [0, 1, 2].map((k) =>
          tf.randomNormal(shape, 0, k === 0 ? 4 : 1, "float32", seed + k)
        );
        try {
          uninstallWasmGateKernels();
          const want = await gateAndGrads(g!, u!, dy!);
          installWasmGateKernels();
          const got = await gateAndGrads(g!, u!, dy!);
          // Object.is equality per element: same bits, -0 and NaN included.
          got.forEach((arr, k) =>
            arr.forEach((v, i) => assert(Object.is(v, want[k]![i]), `${k} ${i}: ${v} ${want[k]![i]}`))
          );
        } finally {
          tf.dispose([g!, u!, dy!]);
        }
      },
    ),
    { numRuns: 60 },
  );
  // Extremes: saturated sigmoid, zeros, infinities and NaN go through the same float operations.
  const g = tf.tensor1d([0, -0, 1e-30, 88, -88, 1e4, -1e4, Infinity, -Infinity, NaN, 3, -3, 0.5]);
  const u = tf.onesLike(g), dy = tf.fill([13], 0.25);
  uninstallWasmGateKernels();
  const want = await gateAndGrads(g, u, dy);
  installWasmGateKernels();
  const got = await gateAndGrads(g, u, dy);
  got.forEach((arr, k) =>
    arr.forEach((v, i) => assert(Object.is(v, want[k]![i]), `${k} ${i}: ${v} ${want[k]![i]}`))
  );
  tf.dispose([g, u, dy]);
});

Deno.test("wasm gate kernels run as two kernels each way and leave no tensor behind", async () => {
  installWasmGateKernels();
  const g = tf.randomNormal([64, 33]), u = tf.randomNormal([64, 33]), dy = tf.randomNormal([64, 33]);
  const info = await tf.profile(() => gateAndGrads(g, u, dy));
  const names = info.kernels.map((k) => k.name);
  assertEquals(names.filter((n) => n === "TrmFusedSiluMul").length, 1, names.join());
  assertEquals(names.filter((n) => n === "TrmFusedSiluMulGrad").length, 1, names.join());
  assert(!names.includes("Sigmoid") && !names.includes("Multiply"), names.join());
  const before = tf.memory();
  for (let i = 0; i < 3; i++) await gateAndGrads(g, u, dy);
  assertEquals(tf.memory().numTensors, before.numTensors);
  assertEquals(tf.memory().numBytes, before.numBytes);
  tf.dispose([g, u, dy]);
});
