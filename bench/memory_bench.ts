/**
 * Peak memory of one training step on the wasm backend, measured, next to `estimateStepBytes`.
 *
 * One configuration per process (the wasm heap grows and never shrinks, so a second configuration in the
 * same process would read the first one's heap):
 *
 *   deno run -A bench/memory_bench.ts --config sudoku-mlp --batch 8 [--gradient reverse|recompute]
 *       [--steps 2] [--T 3] [--native-blas auto|off] [--json]
 *
 * or the whole calibration table, each row in its own child process, largest last:
 *
 *   nice -n 10 deno run -A bench/memory_bench.ts --sweep [--quick] [--json out.json]
 *
 * Measured per run: the wasm heap's size (`HEAPU8.buffer.byteLength`: what counts against the 4 GiB cap,
 * live tensors plus allocator fragmentation) after each step, and the live tensor bytes at the step's
 * peak, from a wrapper around the module's `_malloc`/`_free` (every tensor buffer the backend allocates;
 * not `tf.profile`'s `peakBytes`, which counts a buffer once per tensor sharing it, so every tape-saved
 * clone and reshape twice). A step that runs out of heap is reported as `abort` with the heap it reached.
 *
 * Measured on the 2-core CI machine (the speed benchmarks idle; `nice -n 10`), one process per row, two
 * steps each (the heap of the larger), wasm backend with frugal backprop, the packed gate and the fused
 * residual norm (the defaults), matmul on OpenBLAS (the default here; the `xnnpack` rows of earlier
 * tables, `--native-blas off`, differed from them by under 10% of the heap). The estimate is
 * `estimateStepBytes` for the row's strategy: every row is 1.03-1.26x its heap (biased high, as meant).
 * At the 4 GiB cap `chooseGradient` keeps plain reverse mode up to Sudoku-MLP batch 34, Sudoku-Att 32 and
 * attention L' 916 batch 2. Before the packed gate and the fused norm, Sudoku-MLP batch 8 was 1010 MiB and
 * batch 32 plain 3444 MiB.
 *
 * | config | batch | gradient | T | matmul | live peak MiB | heap MiB | estimate MiB | estimate / heap |
 * | --- | --: | --- | --: | --- | --: | --: | --: | --: |
 * | sudoku-small | 64 | reverse | 2 | openblas | 140 | 164 | 185 | 1.13 |
 * | sudoku-small | 256 | reverse | 2 | openblas | 551 | 627 | 679 | 1.08 |
 * | small-mlp | 16 | reverse | 3 | openblas | 197 | 207 | 251 | 1.21 |
 * | small-mlp | 64 | reverse | 3 | openblas | 771 | 891 | 926 | 1.04 |
 * | small-mlp | 64 | recompute | 3 | openblas | 148 | 199 | 231 | 1.16 |
 * | small-att | 16 | reverse | 3 | openblas | 318 | 358 | 399 | 1.11 |
 * | small-arc-att | 1 | reverse | 3 | openblas | 688 | 793 | 816 | 1.03 |
 * | small-arc-att | 4 | reverse | 3 | openblas | 2743 | 2980 | 3204 | 1.08 |
 * | small-arc-att | 4 | recompute | 3 | openblas | 879 | 1137 | 1187 | 1.04 |
 * | sudoku-mlp | 2 | reverse | 3 | openblas | 260 | 298 | 355 | 1.19 |
 * | sudoku-mlp | 4 | reverse | 3 | openblas | 428 | 515 | 561 | 1.09 |
 * | sudoku-mlp | 8 | reverse | 3 | openblas | 776 | 821 | 973 | 1.19 |
 * | sudoku-mlp | 8 | recompute | 3 | openblas | 227 | 298 | 355 | 1.19 |
 * | sudoku-mlp | 16 | reverse | 3 | openblas | 1472 | 1537 | 1798 | 1.17 |
 * | sudoku-mlp | 16 | recompute | 3 | openblas | 356 | 477 | 544 | 1.14 |
 * | sudoku-mlp | 20 | reverse | 3 | openblas | 1820 | 1900 | 2210 | 1.16 |
 * | sudoku-mlp | 24 | reverse | 3 | openblas | 2168 | 2276 | 2622 | 1.15 |
 * | sudoku-mlp | 28 | reverse | 3 | openblas | 2516 | 2683 | 3034 | 1.13 |
 * | sudoku-mlp | 32 | reverse | 3 | openblas | 2864 | 2993 | 3447 | 1.15 |
 * | sudoku-mlp | 32 | recompute | 3 | openblas | 613 | 789 | 923 | 1.17 |
 * | sudoku-att | 8 | reverse | 3 | openblas | 850 | 925 | 1100 | 1.19 |
 * | arc-att | 1 | reverse | 1 | openblas | 1272 | 1351 | 1585 | 1.17 |
 * | arc-att | 1 | recompute | 1 | openblas | 456 | 538 | 680 | 1.26 |
 * | arc-att | 2 | reverse | 1 | openblas | 2395 | 2542 | 2941 | 1.16 |
 * | arc-att | 3 | recompute | 1 | openblas | 1073 | 1304 | 1585 | 1.22 |
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "@std/cli";
import {
  createTrm,
  estimateStepBytes,
  initBackend,
  matmulKernel,
  type NativeBlasMode,
  resolveConfig,
  type TaskSpec,
  TrainSession,
  type TrmConfig,
} from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

/** A named configuration: task shape, mixer, D, n, T. */
interface Shape {
  readonly spec: TaskSpec;
  readonly mixer: "mlp" | "att";
  readonly hidden: number;
  readonly n: number;
  readonly T: number;
}

const sudoku9: TaskSpec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
const arc: TaskSpec = { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 1 };
const SHAPES: Readonly<Record<string, Shape>> = {
  "sudoku-mlp": { spec: sudoku9, mixer: "mlp", hidden: 512, n: 6, T: 3 },
  "sudoku-att": { spec: sudoku9, mixer: "att", hidden: 512, n: 6, T: 3 },
  "arc-att": { spec: arc, mixer: "att", hidden: 512, n: 4, T: 3 },
  "sudoku-small": {
    spec: { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 },
    mixer: "mlp",
    hidden: 64,
    n: 2,
    T: 2,
  },
  "small-mlp": { spec: sudoku9, mixer: "mlp", hidden: 64, n: 6, T: 3 },
  "small-att": { spec: sudoku9, mixer: "att", hidden: 64, n: 6, T: 3 },
  "small-arc-att": { spec: arc, mixer: "att", hidden: 64, n: 4, T: 3 },
};

/** The rows of `--sweep`: [config, batch, gradient, T override]; `--quick` runs the D 64 ones (~1 min). */
const SWEEP: readonly (readonly [string, number, "reverse" | "recompute", number?])[] = [
  ["sudoku-small", 64, "reverse"],
  ["sudoku-small", 256, "reverse"],
  ["small-mlp", 16, "reverse"],
  ["small-mlp", 64, "reverse"],
  ["small-mlp", 64, "recompute"],
  ["small-att", 16, "reverse"],
  ["small-arc-att", 1, "reverse"],
  ["small-arc-att", 4, "reverse"],
  ["small-arc-att", 4, "recompute"],
  ["sudoku-mlp", 2, "reverse"],
  ["sudoku-mlp", 4, "reverse"],
  ["sudoku-mlp", 8, "reverse"],
  ["sudoku-mlp", 8, "recompute"],
  ["sudoku-mlp", 16, "reverse"],
  ["sudoku-mlp", 16, "recompute"],
  ["sudoku-mlp", 20, "reverse"],
  ["sudoku-mlp", 24, "reverse"],
  ["sudoku-mlp", 28, "reverse"],
  ["sudoku-mlp", 32, "reverse"],
  ["sudoku-mlp", 32, "recompute"],
  ["sudoku-att", 8, "reverse"],
  // T 1: the off-tape recursions do not move the peak (arc-att batch 1: 1574 MiB at T 3, 1596 at T 1).
  ["arc-att", 1, "reverse", 1],
  ["arc-att", 1, "recompute", 1],
  ["arc-att", 2, "reverse", 1],
  ["arc-att", 3, "recompute", 1],
];
const quick = (name: string): boolean => SHAPES[name]!.hidden === 64;

function configOf(shape: Shape, batch: number, gradient: string, T: number): TrmConfig {
  return resolveConfig({
    mixer: shape.mixer === "att" ? attention({ heads: 8 }) : mlpMixer(),
    model: { hidden: shape.hidden },
    recursion: { n: shape.n, T },
    optim: { batchSize: batch, warmupSteps: 0, gradient },
  });
}

interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}
const wasmModule = (): WasmModule => (tf.backend() as unknown as { wasm: WasmModule }).wasm;
const heapBytes = (): number => wasmModule().HEAPU8.buffer.byteLength;

/** Live bytes of the buffers the backend mallocs from JS (tensor data), and their peak since `reset`. */
function trackMallocs(): { readonly peak: () => number; readonly reset: () => void } {
  const w = wasmModule();
  // Emscripten's first call of an export replaces the module property with the raw export (which would
  // replace this wrapper): call both once before wrapping.
  w._free(w._malloc(8));
  const malloc = w._malloc.bind(w), free = w._free.bind(w);
  const sizes = new Map<number, number>();
  let live = 0, peak = 0;
  w._malloc = (bytes) => {
    const ptr = malloc(bytes);
    sizes.set(ptr >>> 0, bytes);
    live += bytes;
    peak = Math.max(peak, live);
    return ptr;
  };
  w._free = (ptr) => {
    live -= sizes.get(ptr >>> 0) ?? 0;
    sizes.delete(ptr >>> 0);
    free(ptr);
  };
  return { peak: () => peak, reset: () => void (peak = live) };
}
const mib = (b: number): number => Math.round(b / 2 ** 20);

/** One measurement (this process). */
interface Row {
  readonly config: string;
  readonly batch: number;
  readonly gradient: string;
  readonly T: number;
  readonly kernel: string;
  /** Heap MiB after initialisation, after the model and session, and after each step. */
  readonly heapMiB: { readonly init: number; readonly model: number; readonly steps: number[] };
  /** Largest live tensor MiB during the last step. */
  readonly livePeakMiB: number;
  /** Whether a step ran out of heap. */
  readonly abort: boolean;
  /** estimateStepBytes in MiB for this row's strategy, and both. */
  readonly estimateMiB: { readonly plain: number; readonly recompute: number };
  readonly seconds: number;
}

async function measure(
  name: string,
  batch: number,
  gradient: string,
  steps: number,
  T: number,
  blas: NativeBlasMode,
): Promise<Row> {
  const shape = SHAPES[name];
  if (!shape) {
    throw new RangeError(`--config: expected one of ${Object.keys(SHAPES).join(", ")}, got ${name}`);
  }
  await initBackend("wasm", { nativeBlas: blas });
  const init = heapBytes(), mallocs = trackMallocs();
  const config = configOf(shape, batch, gradient, T);
  const est = estimateStepBytes(config, shape.spec, batch);
  using model = createTrm(shape.spec, config);
  using session = new TrainSession(model, { totalSteps: steps });
  const afterModel = heapBytes();
  const ex = {
    input: Int32Array.from({ length: shape.spec.seqLen }, (_, i) => 1 + (i % (shape.spec.vocabSize - 1))),
    label: Int32Array.from(
      { length: shape.spec.seqLen },
      (_, i) => 1 + ((i + 1) % (shape.spec.vocabSize - 1)),
    ),
    puzzleId: 0,
  };
  const rows = Array.from({ length: batch }, () => ex);
  const heaps: number[] = [];
  let live = 0, abort = false;
  const t0 = performance.now();
  try {
    for (let s = 0; s < steps; s++) {
      mallocs.reset();
      await session.step(rows);
      live = mallocs.peak();
      heaps.push(mib(heapBytes()));
    }
  } catch (e) {
    // The heap cap shows up as a wasm abort or a failed allocation inside a kernel.
    if (!/abort|memory|allocat|OOM/i.test(String(e))) throw e;
    abort = true;
    live = mallocs.peak();
    heaps.push(mib(heapBytes()));
  }
  return {
    config: name,
    batch,
    gradient,
    T,
    kernel: matmulKernel(),
    heapMiB: { init: mib(init), model: mib(afterModel), steps: heaps },
    livePeakMiB: mib(live),
    abort,
    estimateMiB: { plain: mib(est.plain), recompute: mib(est.recompute) },
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

function line(r: Row): string {
  const heap = Math.max(...r.heapMiB.steps);
  const est = r.gradient === "recompute" ? r.estimateMiB.recompute : r.estimateMiB.plain;
  const ratio = r.abort ? "abort" : `${(est / heap).toFixed(2)}x`;
  return `| ${r.config} | ${r.batch} | ${r.gradient} | ${r.T} | ${r.kernel} | ${r.livePeakMiB} | ${
    r.abort ? `abort at ${heap}` : heap
  } | ${est} | ${ratio} | ${r.seconds} |`;
}

const HEADER =
  "| config | batch | gradient | T | matmul | live peak MiB | heap MiB | estimate MiB | est/heap | s |\n" +
  "|---|---|---|---|---|---|---|---|---|---|";

const flags = parseArgs(Deno.args, {
  string: ["config", "batch", "gradient", "steps", "T", "native-blas", "json"],
  boolean: ["sweep", "quick", "help", "row-json"],
});
// deno-lint-ignore no-console
const log = console.log;
if (flags.help) {
  log("usage: deno run -A bench/memory_bench.ts --config NAME --batch B [--gradient reverse|recompute]");
  log("         [--steps 2] [--T N] [--native-blas auto|off] [--json FILE]");
  log("       deno run -A bench/memory_bench.ts --sweep [--quick] [--native-blas auto|off] [--json FILE]");
  log(`configs: ${Object.keys(SHAPES).join(", ")}`);
  Deno.exit(0);
}
const blas = String(flags["native-blas"] ?? "auto") as NativeBlasMode;
if (flags.sweep) {
  log(HEADER);
  const rows: Row[] = [];
  for (const [name, batch, gradient, T] of SWEEP) {
    if (flags.quick && !quick(name)) continue;
    const args = [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--config",
      name,
      "--batch",
      String(batch),
      "--gradient",
      gradient,
      "--native-blas",
      blas,
      "--row-json",
      ...(T ? ["--T", String(T)] : []),
    ];
    const out = await new Deno.Command(Deno.execPath(), { args, stderr: "inherit" }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    if (!out.success) {
      log(`| ${name} | ${batch} | ${gradient} | failed (exit ${out.code}) |`);
      continue;
    }
    const row = JSON.parse(text) as Row;
    rows.push(row);
    log(line(row));
  }
  if (flags.json) await Deno.writeTextFile(String(flags.json), JSON.stringify(rows, null, 1) + "\n");
} else {
  const name = String(flags.config ?? "sudoku-mlp");
  const T = flags.T === undefined ? SHAPES[name]?.T ?? 3 : Number(flags.T);
  const row = await measure(
    name,
    Number(flags.batch ?? 8),
    String(flags.gradient ?? "reverse"),
    Number(flags.steps ?? 2),
    T,
    blas,
  );
  if (flags["row-json"]) log(JSON.stringify(row));
  else {
    log(HEADER);
    log(line(row));
    if (flags.json) await Deno.writeTextFile(String(flags.json), JSON.stringify(row) + "\n");
  }
}
