/**
 * Where a supervision step's time goes, per backend: `tf.profile` around one training step (forward,
 * backward, AdamATan2, EMA) after a warm-up, with kernel time summed by kernel name, largest first.
 *
 *   deno run -A bench/profile.ts --backend wasm --config sudoku-mlp --batch 8 [--hidden 128] [--top 12] [--recompute]
 *
 * On WebGPU, per-kernel times need timestamp queries, which adapters often lack; then only kernel counts
 * are printed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "@std/cli";
import { type BackendName, createTrm, initBackend, resolveConfig, TrainSession } from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

const flags = parseArgs(Deno.args, {
  string: ["backend", "config", "batch", "hidden", "top"],
  boolean: ["recompute"],
});
const backend = await initBackend(String(flags.backend ?? "wasm") as BackendName);
const name = String(flags.config ?? "sudoku-mlp");
const batch = Number(flags.batch ?? 8), top = Number(flags.top ?? 12);
const hidden = flags.hidden === undefined ? {} : { hidden: Number(flags.hidden) };
const att = name === "arc-att";
const spec = att
  ? { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 1 }
  : { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
const config = resolveConfig({
  mixer: att ? attention() : mlpMixer(),
  model: hidden,
  recursion: att ? { n: 4, T: 3 } : { n: 6, T: 3 },
  optim: { batchSize: batch, warmupSteps: 0, recompute: flags.recompute === true },
});
using model = createTrm(spec, config);
using session = new TrainSession(model, { totalSteps: 10 });
const ex = {
  input: new Int32Array(spec.seqLen).fill(1),
  label: new Int32Array(spec.seqLen).fill(2),
  puzzleId: 0,
};
const rows = Array.from({ length: batch }, () => ex);
await session.step(rows); // warm-up: shader compilation, allocation
const t0 = performance.now();
const info = await tf.profile(async () => {
  await session.step(rows);
  return [];
});
const wall = performance.now() - t0;
const byName = new Map<string, { ms: number; count: number }>();
let timed = true;
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : NaN;
  if (Number.isNaN(ms)) timed = false;
  const e = byName.get(k.name) ?? { ms: 0, count: 0 };
  byName.set(k.name, { ms: e.ms + (Number.isNaN(ms) ? 0 : ms), count: e.count + 1 });
}
const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
// deno-lint-ignore no-console
const log = console.log;
log(
  `${backend} ${name} batch ${batch}${hidden.hidden ? ` hidden ${hidden.hidden}` : ""}: one step ${
    wall.toFixed(0)
  } ms under the profiler (profiling syncs after every kernel), ${info.kernels.length} kernels, ` +
    `${timed ? `${total.toFixed(0)} ms in kernels` : "no per-kernel times on this backend"}, peak ${
      (info.peakBytes / 2 ** 20).toFixed(0)
    } MiB`,
);
for (
  const [kernel, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms || b[1].count - a[1].count).slice(0, top)
) {
  log(
    `  ${kernel.padEnd(24)} ${e.count.toString().padStart(6)} calls ${e.ms.toFixed(0).padStart(8)} ms ${
      timed ? `${(100 * e.ms / total).toFixed(1).padStart(5)}%` : ""
    }`,
  );
}
