/**
 * Fused WGSL kernels (core/kernels/webgpu_fused.ts) against the composed tfjs ops, on the webgpu
 * backend (Mesa's llvmpipe where no GPU exists), at the model's shapes: RMSNorm over [B, 97, 512] and
 * the SwiGLU gate over [B * 97, 1536], forward and forward + backward, plus one MLP block
 * (rmsNorm(h + swiglu(h))) forward + backward.
 *
 * Run: deno run --allow-read --allow-env bench/webgpu_fused_bench.ts [--batch 16] [--iters 10]
 * [--rounds 3] [--json]
 *
 * Timing: `iters` calls (a fifth of them for the block) are queued and the last result is read back
 * (`await data()`); the GPU queue is in order, so that waits for all of them. One warm-up call per variant
 * takes shader compilation out; the variants then alternate for `rounds` rounds and the fastest round
 * counts, so load from other processes on a shared machine biases no variant.
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "@std/cli";
import { createParamStore, createRng, initBackend, RMS_NORM_EPS, rmsNorm, swiglu } from "../core/mod.ts";
import { fusedRmsNorm, fusedSiluMul, setFusedRowLayout, setWebGpuFusion } from "../core/kernels/mod.ts";

const args = parseArgs(Deno.args, { string: ["batch", "iters", "rounds"], boolean: ["json"] });
const B = Number(args.batch ?? 16), ITERS = Number(args.iters ?? 10), ROUNDS = Number(args.rounds ?? 3);
const L = 97, D = 512, W = 1536;

if (!(await navigator.gpu?.requestAdapter().catch(() => null))) {
  // deno-lint-ignore no-console
  console.error("webgpu_fused_bench: no WebGPU adapter; nothing to measure");
  Deno.exit(0);
}
const used = await initBackend("webgpu");

/** Runs `f` `iters` times and waits for the last result; `f` returns the tensors it made (disposed here). */
async function calls(f: () => tf.Tensor[], iters: number): Promise<number> {
  const t0 = performance.now();
  let last: tf.Tensor[] = [];
  for (let i = 0; i < iters; i++) {
    tf.dispose(last);
    last = f();
  }
  await Promise.all(last.map((t) => t.data()));
  tf.dispose(last);
  return (performance.now() - t0) / iters;
}

/** A variant sets the module's switches before each measurement. */
type Variant = () => void;
const composed: Variant = () => (setWebGpuFusion(false), setFusedRowLayout("auto"));
const fused: Variant = () => (setWebGpuFusion(true), setFusedRowLayout("auto"));
const workgroup: Variant = () => (setWebGpuFusion(true), setFusedRowLayout("workgroup"));

/** Fastest ms per call of `f` under each variant: a warm-up each, then alternating rounds. */
async function time(f: () => tf.Tensor[], iters: number, variants: Variant[]): Promise<number[]> {
  for (const v of variants) (v(), await calls(f, 1));
  const best = variants.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, v] of variants.entries()) (v(), best[i] = Math.min(best[i]!, await calls(f, iters)));
  }
  fused();
  return best;
}

const x = tf.randomNormal([B, L, D], 0, 1, "float32", 1);
const g = tf.randomNormal([B * L, W], 0, 1, "float32", 2),
  u = tf.randomNormal([B * L, W], 0, 1, "float32", 3);
const mlp = swiglu(createParamStore(createRng(0)).factory, D, 4);
const block = (h: tf.Tensor) =>
  rmsNorm(tf.add(h, tf.reshape(mlp.apply(tf.reshape(h, [B * L, D])), [B, L, D])));

// [name, f, timed calls]: the block is matmul-bound (~20 s per call on llvmpipe at B 16), so fewer calls.
const CASES: [string, () => tf.Tensor[], number][] = [
  [`rmsNorm fwd [${B},${L},${D}]`, () => [fusedRmsNorm(x, RMS_NORM_EPS)], ITERS],
  [
    `rmsNorm fwd+bwd [${B},${L},${D}]`,
    () => [tf.grad((z: tf.Tensor) => fusedRmsNorm(z, RMS_NORM_EPS))(x, x)],
    ITERS,
  ],
  [`silu(g)*u fwd [${B * L},${W}]`, () => [fusedSiluMul(g, u)], ITERS],
  [
    `silu(g)*u fwd+bwd [${B * L},${W}]`,
    () => tf.grads((a: tf.Tensor, b: tf.Tensor) => fusedSiluMul(a, b))([g, u], g),
    ITERS,
  ],
  [`MLP block fwd+bwd [${B},${L},${D}]`, () => [tf.grad(block)(x, x)], Math.ceil(ITERS / 5)],
];

// fusedMs uses the "auto" row layout (one thread per row on a software adapter); workgroupMs forces the
// shared-memory layout a hardware GPU gets, to show what the choice is worth here.
const rows: { case: string; composedMs: number; fusedMs: number; workgroupMs?: number; speedup: number }[] =
  [];
for (const [name, f, iters] of CASES) {
  const rms = name.startsWith("rmsNorm");
  const [composedMs, fusedMs, workgroupMs] = await time(
    f,
    iters,
    rms ? [composed, fused, workgroup] : [composed, fused],
  );
  rows.push({
    case: name,
    composedMs: composedMs!,
    fusedMs: fusedMs!,
    ...(workgroupMs ? { workgroupMs } : {}),
    speedup: composedMs! / fusedMs!,
  });
}
tf.dispose([x, g, u]);

for (const r of rows) {
  // deno-lint-ignore no-console
  console.log(
    args.json
      ? JSON.stringify({ backend: used, batch: B, iters: ITERS, rounds: ROUNDS, ...r })
      : `${r.case.padEnd(36)} composed ${r.composedMs.toFixed(1).padStart(8)} ms  fused ${
        r.fusedMs.toFixed(1).padStart(8)
      } ms  x${r.speedup.toFixed(2)}${
        r.workgroupMs ? `  (workgroup-per-row layout ${r.workgroupMs.toFixed(1)} ms)` : ""
      }`,
  );
}
