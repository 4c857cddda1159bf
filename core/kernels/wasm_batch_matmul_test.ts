import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { installWasmKernels, uninstallWasmKernels } from "./wasm_batch_matmul.ts";

await initBackend("wasm");

async function product(
  shapeA: number[],
  shapeB: number[],
  ta: boolean,
  tb: boolean,
  seed: number,
): Promise<Float32Array> {
  const a = tf.randomUniform(shapeA, -1, 1, "float32", seed),
    b = tf.randomUniform(shapeB, -1, 1, "float32", seed + 1);
  const c = tf.matMul(a, b, ta, tb);
  const out = (await c.data()) as Float32Array;
  tf.dispose([a, b, c]);
  return out;
}

Deno.test("installWasmKernels() BatchMatMul matches the original kernel on random shapes and transposes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
      async (rank, batch, m, k, n, ta, tb, seed) => {
        const lead = rank === 0 ? [] : rank === 1 ? [batch] : [batch, 2];
        const shapeA = [...lead, ...(ta ? [k, m] : [m, k])], shapeB = [...lead, ...(tb ? [n, k] : [k, n])];
        uninstallWasmKernels();
        const want = await product(shapeA, shapeB, ta, tb, seed);
        installWasmKernels();
        const got = await product(shapeA, shapeB, ta, tb, seed);
        uninstallWasmKernels();
        assertEquals(got.length, want.length);
        got.forEach((v, i) => assert(Math.abs(v - want[i]!) < 1e-4, `${shapeA}x${shapeB} ${ta} ${tb} @${i}`));
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("installWasmKernels() leaks no tensors or backend buffers and is idempotent", () => {
  installWasmKernels();
  installWasmKernels();
  const a = tf.ones([4, 3, 5]), b = tf.ones([4, 6, 5]);
  tf.matMul(a, b, false, true).dispose();
  const before = tf.memory();
  for (let i = 0; i < 3; i++) tf.matMul(a, b, false, true).dispose();
  const after = tf.memory();
  assertEquals(after.numTensors, before.numTensors);
  assertEquals(after.numDataBuffers, before.numDataBuffers);
  tf.dispose([a, b]);
  uninstallWasmKernels();
});
