/**
 * Training-step benchmark (part of `deno task bench`, see bench/main.ts): per backend, the ms per
 * supervision step (forward, backward, AdamATan2, EMA) of the paper configs, achieved GFLOP/s, the same
 * run's matmul ceilings (the backend's kernel; on wasm also the native BLAS on every core; the machine's
 * ceiling is the best) and each step's share of the machine's ceiling. `--json` prints one JSON object
 * per measurement.
 *
 * Flags: --backend (comma list; default wasm,webgpu,cpu), --batches (default 8,32), --configs (default
 * sudoku-mlp-d64,sudoku-mlp,arc-att), --steps 2 (timed steps after one warm-up), --max-seconds 150 (a step whose FLOPs
 * would take longer than this at the backend's own ceiling is reported as skipped, with that estimate, so
 * one run covers every backend in bounded time on a small machine), --recompute (activation recomputation:
 * the FLOPs counted stay those of plain reverse mode, so the ratio shows what recomputation costs), --json.
 */
import { parseArgs } from "@std/cli";
import {
  type BackendName,
  createTrm,
  initBackend,
  resolveConfig,
  TrainSession,
  trainStepFlops,
  type TrmConfigInput,
} from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { ceilings } from "./ceiling.ts";

const CONFIGS: Readonly<
  Record<
    string,
    {
      spec: { name: string; vocabSize: number; seqLen: number; numPuzzleIds: number };
      config: TrmConfigInput;
    }
  >
> = {
  // Sudoku-Extreme TRM-MLP, L' 97.
  "sudoku-mlp": {
    spec: { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 },
    config: { mixer: mlpMixer(), recursion: { n: 6, T: 3 } },
  },
  // The same recursion at D 64: small enough to measure every backend of a laptop (or CI) in seconds.
  "sudoku-mlp-d64": {
    spec: { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 },
    config: { mixer: mlpMixer(), model: { hidden: 64 }, recursion: { n: 6, T: 3 } },
  },
  // ARC / Maze TRM-Att, L' 916.
  "arc-att": {
    spec: { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 1 },
    config: { mixer: attention(), recursion: { n: 4, T: 3 } },
  },
};

const flags = parseArgs(Deno.args, {
  string: ["backend", "batches", "configs", "steps", "max-seconds"],
  boolean: ["json", "recompute", "help"],
});
if (flags.help) {
  // deno-lint-ignore no-console
  console.log(
    "usage: bench/run.ts [--backend wasm,webgpu,cpu] [--configs sudoku-mlp-d64,sudoku-mlp,arc-att] " +
      "[--batches 8,32] [--steps 2] [--max-seconds 150] [--recompute] [--json]",
  );
  Deno.exit(0);
}
const backends = String(flags.backend ?? "wasm,webgpu,cpu").split(",") as BackendName[];
const batches = String(flags.batches ?? "8,32").split(",").map(Number);
const configs = String(flags.configs ?? "sudoku-mlp-d64,sudoku-mlp,arc-att").split(",");
const timed = Number(flags.steps ?? 2);
const maxSeconds = Number(flags["max-seconds"] ?? 150);
const emit = (record: Record<string, unknown>, text: string) =>
  // deno-lint-ignore no-console
  console.log(flags.json ? JSON.stringify(record) : text);

backends: for (const requested of backends) {
  const backend = await initBackend(requested);
  const c0 = await ceilings();
  const ceiling = c0.machineGflops, kernel = c0.kernel;
  emit(
    {
      backend,
      matmul_kernel: kernel,
      measurement: "matmul-ceiling",
      backend_gflops: c0.backendGflops,
      ...(c0.nativeGflops === undefined
        ? {}
        : { native_gflops: c0.nativeGflops, native_threads: c0.nativeThreads }),
      gflops: ceiling,
    },
    `${backend}: matmul ceiling ${ceiling.toFixed(1)} GFLOP/s (${backend === "wasm" ? "XNNPACK" : backend} ` +
      `${c0.backendGflops.toFixed(1)}${
        c0.nativeGflops === undefined
          ? ""
          : `, native BLAS on ${c0.nativeThreads} threads ${c0.nativeGflops.toFixed(1)}`
      }); matmuls run on ${kernel}`,
  );
  for (const name of configs) {
    const c = CONFIGS[name];
    if (!c) throw new Error(`unknown config ${name}; choose from ${Object.keys(CONFIGS).join(", ")}`);
    for (const batch of batches) {
      const optim = { batchSize: batch, warmupSteps: 0, recompute: flags.recompute === true };
      const config = resolveConfig({ ...c.config, optim });
      const estimate = trainStepFlops(config, c.spec, batch) / (ceiling * 1e9);
      if (estimate > maxSeconds) {
        emit(
          { backend, config: name, batch, skipped: "slow", estimated_seconds_per_step: estimate },
          `${backend} ${name} batch ${batch}: skipped, at least ${
            estimate.toFixed(0)
          } s/step at this ceiling ` +
            `(--max-seconds ${maxSeconds})`,
        );
        continue;
      }
      try {
        using model = createTrm(c.spec, config);
        using session = new TrainSession(model, { totalSteps: 100 });
        const ex = {
          input: new Int32Array(c.spec.seqLen).fill(1),
          label: new Int32Array(c.spec.seqLen).fill(2),
          puzzleId: 0,
        };
        const rows = Array.from({ length: batch }, () => ex);
        await session.step(rows); // warm-up (kernel setup, allocation)
        const t0 = performance.now();
        for (let i = 0; i < timed; i++) await session.step(rows);
        const ms = (performance.now() - t0) / timed;
        const gflops = trainStepFlops(config, c.spec, batch) / (ms / 1000) / 1e9;
        emit(
          {
            backend,
            matmul_kernel: kernel,
            config: name,
            batch,
            recompute: optim.recompute,
            ms_per_step: ms,
            gflops,
            ceiling_gflops: ceiling,
            ratio: gflops / ceiling,
          },
          `${backend} ${name} batch ${batch}: ${ms.toFixed(0)} ms/step, ${gflops.toFixed(1)} GFLOP/s = ${
            (100 * gflops / ceiling).toFixed(0)
          }% of the machine's ${ceiling.toFixed(1)} GFLOP/s`,
        );
      } catch (thrown) {
        // `using` disposal can fail after a wasm abort; the abort is then the suppressed error.
        let e = thrown;
        while (e instanceof SuppressedError) e = e.suppressed instanceof Error ? e.suppressed : e.error;
        if (e instanceof RangeError && /maxStorageBufferBindingSize/.test(e.message)) {
          // WebGPU: a tensor beyond the device's maxStorageBufferBindingSize (tfjs would return zeros).
          emit(
            { backend, config: name, batch, error: e.message },
            `${backend} ${name} batch ${batch}: ${e.message}`,
          );
          break;
        }
        if (!(e instanceof WebAssembly.RuntimeError)) throw thrown;
        // The wasm heap (4 GiB) cannot hold this step's activations; the module is unusable afterwards,
        // so nothing more is measured on this backend.
        emit(
          { backend, config: name, batch, error: "wasm heap exhausted" },
          `${backend} ${name} batch ${batch}: does not fit the 4 GiB wasm heap (${
            optim.recompute
              ? "even with recomputation"
              : "all activations of the n+1 differentiated evaluations are kept; try --recompute"
          }); the wasm module is unusable after this, later wasm measurements are skipped`,
        );
        continue backends;
      }
    }
  }
}
