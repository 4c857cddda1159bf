import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initBackend } from "../backend.ts";
import { fusedSiluMulPacked, hasPackedGate } from "./packed_gate.ts";
import { installWasmGateKernels, uninstallWasmGateKernels } from "./wasm_gate.ts";
import { createParamStore } from "../params.ts";
import { createRng } from "../rng.ts";
import { swiglu } from "../layers.ts";

await initBackend("wasm", { nativeBlas: "off" });

/** The packed gate and the gradient of its input for `dy`, as flat arrays. */
async function packedAndGrad(p: tf.Tensor, dy: tf.Tensor, axis: 0 | -1 = -1): Promise<number[][]> {
  const [out, dp] = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => fusedSiluMulPacked(x, axis))(p, dy);
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
      fc.constantFrom<0 | -1>(0, -1), // halves along the last axis, or the first (a transposed product)
      async (lead, w, seed, axis) => {
        const shape = axis === -1 ? [...lead, 2 * w] : [2 * w, ...lead];
        const p = tf.randomNormal(shape, 0, 4, "float32", seed);
        const dy = tf.randomNormal(axis === -1 ? [...lead, w] : [w, ...lead], 0, 1, "float32", seed + 1);
        try {
          uninstallWasmGateKernels();
          assert(!hasPackedGate());
          const want = await packedAndGrad(p, dy, axis);
          installWasmGateKernels();
          assert(hasPackedGate());
          const got = await packedAndGrad(p, dy, axis);
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

Deno.test("the packed wasm gate matches the composed ops on extremes in every row: cut-off, zeros, Inf, NaN", async () => {
  const row = [0, -0, 1e-30, 88, -88, 100, -100, 1e4, Infinity, -Infinity, NaN, 3, -3, 0.5, 17, -17];
  const p = tf.tensor2d([...row, ...row.map((v) => -v), ...row.slice(3), ...row.slice(0, 3)], [3, 16]);
  const dy = tf.tensor2d([...Array(24).keys()].map((i) => (i % 5) - 2), [3, 8]);
  uninstallWasmGateKernels();
  const want = await packedAndGrad(p, dy);
  installWasmGateKernels();
  const got = await packedAndGrad(p, dy);
  got.forEach((arr, k) =>
    arr.forEach((v, i) => assert(Object.is(v, want[k]![i]), `${k} ${i}: ${v} ${want[k]![i]}`))
  );
  tf.dispose([p, dy]);
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
  const q = tf.ones([3, 2]);
  assertThrows(() => fusedSiluMulPacked(q, 0), RangeError, "axis 0");
  assertThrows(() => fusedSiluMulPacked(q, 1 as 0), RangeError, "0 or -1");
  q.dispose();
  p.dispose();
});

Deno.test("SwiGLU's transposed form equals apply on the transposed input, values and weight gradients", async () => {
  installWasmGateKernels();
  const store = createParamStore(createRng(3));
  const mlp = swiglu(store.factory, 13, 4); // d 13, width 256
  const xT = tf.randomNormal([13, 9], 0, 1, "float32", 4) as tf.Tensor2D; // [d, N]
  const run = (transposed: boolean) =>
    tf.tidy(() => {
      const f = () =>
        tf.sum(
          tf.square(transposed ? mlp.applyTransposed(xT) : tf.transpose(mlp.apply(tf.transpose(xT)))),
        ) as tf.Scalar;
      const { value, grads } = tf.variableGrads(f);
      return [value, ...Object.values(grads)];
    });
  try {
    const info = await tf.profile(() => void tf.dispose(run(true)));
    assert(!info.kernels.some((k) => k.name === "Transpose"), info.kernels.map((k) => k.name).join());
    const [want, got] = [run(false), run(true)];
    for (let i = 0; i < want.length; i++) {
      const [w, g] = [await want[i]!.data(), await got[i]!.data()];
      const scale = Math.max(...w.map(Math.abs));
      w.forEach((v, j) => assert(Math.abs(v - g[j]!) <= 1e-5 * scale, `${i} ${j}: ${v} ${g[j]}`));
    }
    tf.dispose([...want, ...got]);
  } finally {
    xT.dispose();
    for (const v of store.variables) v.dispose();
  }
});
