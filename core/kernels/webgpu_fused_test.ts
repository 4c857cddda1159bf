/**
 * The fused WebGPU kernels (llvmpipe where no GPU exists) against the composed ops on the cpu backend:
 * forward and gradient, within 1e-4 relative, on the model's shapes, odd sizes (scalar, not vec4, loads;
 * rows shorter and longer than a workgroup) and more than 65535 rows (tfjs's padded dispatch). Skipped,
 * saying why, when no adapter exists. The backend switches between cpu and webgpu inside this process.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { createParamStore } from "../params.ts";
import { rmsNorm, swiglu } from "../layers.ts";
import { createRng } from "../rng.ts";
import {
  fusedRmsNorm,
  fusedSiluMul,
  type RowLayout,
  setFusedRowLayout,
  setWebGpuFusion,
} from "./webgpu_fused.ts";

const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
if (!adapter) {
  // deno-lint-ignore no-console
  console.warn(
    "webgpu_fused_test: no WebGPU adapter (navigator.gpu.requestAdapter() returned null); skipped",
  );
}
const EPS = 1e-5;

/** Deterministic values in [-2, 2) built in JS, so both backends see the same bits. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from(
    { length: n },
    () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 30) - 2,
  );
}

type Op = (inputs: tf.Tensor[]) => tf.Tensor;
const rms: Op = ([x]) => fusedRmsNorm(x!, EPS);
const gate: Op = ([g, u]) => fusedSiluMul(g!, u!);

/** The op's output and its gradients (vector-Jacobian product with a fixed dy) on `backend`. */
async function evaluate(
  backend: "cpu" | "webgpu",
  op: Op,
  shape: number[],
  arity: number,
  grad = true,
): Promise<Float32Array[]> {
  await initBackend(backend);
  const n = shape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: arity }, (_, i) => tf.tensor(values(n, 7 + i), shape));
  const dy = tf.tensor(values(n, 99), shape);
  const outs = [op(inputs), ...(grad ? tf.grads((...xs: tf.Tensor[]) => op(xs))(inputs, dy) : [])];
  const data = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...inputs, dy, ...outs]);
  return data;
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assertEquals(got.length, want.length, what);
  let worst = 0, at = -1;
  got.forEach((v, i) => {
    const w = want[i]!, err = Math.abs(v - w) / Math.max(1, Math.abs(v), Math.abs(w));
    if (!(err <= worst)) [worst, at] = [err, i];
  });
  assert(worst <= 1e-4, `${what}: relative error ${worst} at ${at} (webgpu ${got[at]}, cpu ${want[at]})`);
}

async function parity(
  op: Op,
  shape: number[],
  arity: number,
  grad = true,
  rows: RowLayout = "auto",
): Promise<void> {
  const want = await evaluate("cpu", op, shape, arity, grad);
  const before = setFusedRowLayout(rows);
  const got = await evaluate("webgpu", op, shape, arity, grad).finally(() => setFusedRowLayout(before));
  got.forEach((g, i) =>
    assertClose(g, want[i]!, `[${shape}] ${rows} ${i === 0 ? "forward" : `gradient ${i - 1}`}`)
  );
  await initBackend("cpu");
}

// Model shapes ([B, L', D] activations, [B L', width] gates), odd widths (scalar loads), rows shorter
// and longer than the 64-thread workgroup, and a single element.
const RMS_SHAPES = [[2, 97, 512], [3, 7, 33], [5, 1000], [4, 65], [6, 3], [1, 1], [9]];
const GATE_SHAPES = [[194, 1536], [2, 97, 512], [3, 7, 33], [4097], [1]];

for (const rows of ["workgroup", "thread", "auto"] as const) {
  Deno.test({
    name: `fusedRmsNorm() on webgpu (${rows} per row) matches the composed ops on cpu (forward, gradient)`,
    ignore: !adapter,
    fn: async () => {
      for (const shape of RMS_SHAPES) await parity(rms, shape, 1, true, rows);
    },
  });
}

Deno.test({
  name: "fusedSiluMul() on webgpu matches the composed ops on cpu (forward and both gradients)",
  ignore: !adapter,
  fn: async () => {
    for (const shape of GATE_SHAPES) await parity(gate, shape, 2);
  },
});

Deno.test({
  name: "fused kernels handle more than 65535 workgroups (tfjs pads the dispatch to a 2-D grid)",
  ignore: !adapter,
  fn: async () => {
    await parity(rms, [70001, 3], 1, true, "workgroup"); // 70001 rows, one workgroup each, scalar loads
    await parity(rms, [66000, 4], 1, true, "workgroup"); // vec4 loads
    await parity(rms, [70001, 3], 1, true, "thread");
    await parity(gate, [65536 * 64 + 3], 2, false); // 4194307 scalar threads: 65537 workgroups
  },
});

Deno.test({
  name: "core/layers on webgpu run the fused kernels (last-axis rmsNorm, swiglu gate) and only those",
  ignore: !adapter,
  fn: async () => {
    await initBackend("webgpu");
    const x = tf.tensor(values(2 * 5 * 8, 3), [2, 5, 8]);
    const mlp = swiglu(createParamStore(createRng(0)).factory, 8, 4);
    const names = async (f: () => tf.Tensor) => (await tf.profile(() => f())).kernelNames;
    const last = await names(() => rmsNorm(x));
    assert(last.includes("TrmFusedRmsNorm") && !last.includes("Rsqrt"), last.join());
    const seq = await names(() => rmsNorm(x, 1)); // not the last axis: composed
    assert(!seq.includes("TrmFusedRmsNorm") && seq.includes("Rsqrt"), seq.join());
    const mlpNames = await names(() => mlp.apply(tf.reshape(x, [10, 8]) as tf.Tensor2D));
    assert(mlpNames.includes("TrmFusedSiluMul") && !mlpNames.includes("Sigmoid"), mlpNames.join());
    const before = setWebGpuFusion(false);
    const off = await names(() => rmsNorm(x));
    setWebGpuFusion(before);
    assert(!off.includes("TrmFusedRmsNorm"), off.join());
    x.dispose();
    await initBackend("cpu");
  },
});

Deno.test({
  name: "fused kernels leak no tensors or GPU buffers over repeated forward and backward passes",
  ignore: !adapter,
  fn: async () => {
    await initBackend("webgpu");
    const x = tf.tensor(values(3 * 37, 5), [3, 37]), u = tf.tensor(values(3 * 37, 6), [3, 37]);
    const step = async () => {
      const outs = [
        fusedRmsNorm(x, EPS),
        fusedSiluMul(x, u),
        tf.grad((z: tf.Tensor) => tf.sum(fusedRmsNorm(z, EPS)))(x),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(fusedSiluMul(a, b)))([x, u]),
      ];
      await Promise.all(outs.map((t) => t.data()));
      tf.dispose(outs);
    };
    await step();
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    for (let i = 0; i < 5; i++) await step();
    const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    assertEquals(after.numTensors, before.numTensors);
    assertEquals(after.numDataBuffers, before.numDataBuffers);
    tf.dispose([x, u]);
    await initBackend("cpu");
  },
});
