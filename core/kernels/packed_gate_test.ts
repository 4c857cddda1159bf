import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initBackend } from "../backend.ts";
import { fusedSiluMulPacked, hasPackedGate } from "./packed_gate.ts";
import { installWasmGateKernels, uninstallWasmGateKernels } from "./wasm_gate.ts";

await initBackend("wasm", { nativeBlas: "off" });

/** The packed gate and the gradient of its input for `dy`, as flat arrays. */
async function packedAndGrad(p: tf.Tensor, dy: tf.Tensor): Promise<number[][]> {
  const [out, dp] = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => fusedSiluMulPacked(x))(p, dy);
    return [value, grad];
  });
  const r = [[...await out.data()], [...await dp.data()]];
  tf.dispose([out, dp]);
  return r;
}

Deno.test("the packed wasm gate is bit-identical to split + composed ops, forward and backward", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 2 }), // leading dims
      fc.integer({ min: 1, max: 37 }), // w: SIMD lanes and odd tails
      fc.integer({ min: 0, max: 1000 }),
      async (lead, w, seed) => {
        const p = tf.randomNormal([...lead, 2 * w], 0, 4, "float32", seed);
        const dy = tf.randomNormal([...lead, w], 0, 1, "float32", seed + 1);
        try {
          uninstallWasmGateKernels();
          assert(!hasPackedGate());
          const want = await packedAndGrad(p, dy);
          installWasmGateKernels();
          assert(hasPackedGate());
          const got = await packedAndGrad(p, dy);
          got.forEach((arr, k) =>
            arr.forEach((v, i) => assert(Object.is(v, want[k]![i]), `${k} ${i}: ${v} ${want[k]![i]}`))
          );
        } finally {
          tf.dispose([p, dy]);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("the packed wasm gate is one kernel each way: no split, no concat, no tensor left", async () => {
  installWasmGateKernels();
  const p = tf.randomNormal([33, 2 * 24]), dy = tf.randomNormal([33, 24]);
  const info = await tf.profile(() => packedAndGrad(p, dy));
  const names = info.kernels.map((k) => k.name);
  assertEquals(names.filter((n) => n === "TrmFusedSiluMulPacked").length, 1, names.join());
  assertEquals(names.filter((n) => n === "TrmFusedSiluMulPackedGrad").length, 1, names.join());
  for (const copy of ["SplitV", "Concat", "Sigmoid", "Multiply"]) assert(!names.includes(copy), names.join());
  const before = tf.memory();
  for (let i = 0; i < 3; i++) await packedAndGrad(p, dy);
  assertEquals(tf.memory().numTensors, before.numTensors);
  assertEquals(tf.memory().numBytes, before.numBytes);
  tf.dispose([p, dy]);
});

Deno.test("fusedSiluMulPacked names the shape when the last axis cannot hold two halves", () => {
  const p = tf.ones([2, 3]);
  assertThrows(() => fusedSiluMulPacked(p), RangeError, "[2,3]");
  p.dispose();
});
