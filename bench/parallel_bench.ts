/**
 * Which training path is fastest on this machine: ms per `sudoku-small` training step (batch 64, real 4x4
 * puzzles) for one process on tfjs-wasm's own kernels (XNNPACK, one thread), data-parallel workers
 * (`DataParallelSession`, 1, 2, ... workers, each on XNNPACK), and, when a native BLAS is found, one
 * process on it (all cores) and workers on it (cores / workers threads each). Paths alternate within each round so all see the same machine load; prints
 * min and median ms/step per path, its speed against the single XNNPACK process, and the CPU time the
 * process spent per step (all threads): on a loaded machine the wall time cannot show parallel speed-up,
 * the CPU time still shows what the workers cost.
 *
 *   deno run -A bench/parallel_bench.ts [--workers 1,2] [--rounds 5] [--steps 4] [--batch 64] [--json]
 *
 * The library is loaded once per process and its thread count is process-wide, so each path sets the
 * count it runs on before its steps.
 */
import { parseArgs } from "@std/cli";
import {
  createTrm,
  DataParallelSession,
  initBackend,
  matmulKernelInfo,
  resolveConfig,
  type StepMetrics,
  TrainSession,
  workerBlasThreads,
} from "../core/mod.ts";
import { nativeMatMulLibrary } from "../core/kernels/wasm_native_matmul.ts";
import { generateSudokuSet, sudokuTask, sudokuTrainSource } from "../tasks/sudoku/mod.ts";
import { sudokuSmall } from "../presets.ts";

const flags = parseArgs(Deno.args, {
  string: ["workers", "rounds", "steps", "batch"],
  boolean: ["json", "help"],
});
// deno-lint-ignore no-console
const log = console.log;
if (flags.help) {
  log(
    "usage: bench/parallel_bench.ts [--workers 1,2] [--rounds 5] [--steps 4] [--batch 64] [--json]",
  );
  Deno.exit(0);
}
const int = (v: unknown, d: number) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer, got ${v}`);
  return n;
};
const rounds = int(flags.rounds, 5), steps = int(flags.steps, 4), B = int(flags.batch, 64);
const workerCounts = String(flags.workers ?? "1,2").split(",").map((w) => int(w, 1));

await initBackend("wasm", { nativeBlas: "auto" });
const blas = matmulKernelInfo();
const preset = sudokuSmall(), base = preset.config;
const config = resolveConfig({ ...base, optim: { ...base.optim, batchSize: B } });
const task = sudokuTask({ boxRows: 2, boxCols: 2 });
const source = sudokuTrainSource(task, generateSudokuSet(0, 500, { boxRows: 2, boxCols: 2, blanks: 8 }), {
  seed: 0,
});
const plugins = new URL("../plugins/mod.ts", import.meta.url);

/** A path: its own model and session, stepped `steps` times per round on its own batch sequence. */
interface Path {
  readonly name: string;
  /** The matmul kernel of the main thread while it runs. */
  readonly mainBlas: "off" | "auto";
  /** Native BLAS threads while it runs (process-wide), or undefined without the BLAS. */
  readonly threads?: number;
  step(s: number): Promise<StepMetrics>;
  close(): Promise<void>;
}

function single(name: string, mainBlas: "off" | "auto", threads?: number): Path {
  const model = createTrm(task.spec, config, { seed: 0 });
  const session = new TrainSession(model, { totalSteps: 10_000 });
  return {
    name,
    mainBlas,
    ...(threads !== undefined ? { threads } : {}),
    step: (s) => session.step(source.batch(s, B)),
    close: () => Promise.resolve(void (session.dispose(), model.dispose())),
  };
}

async function parallel(workers: number, nativeBlas: "off" | "require"): Promise<Path> {
  const model = createTrm(task.spec, config, { seed: 0 });
  const dp = await DataParallelSession.create(model, { totalSteps: 10_000, workers, plugins, nativeBlas });
  const threads = workerBlasThreads(workers);
  const kernel = nativeBlas === "off" ? "XNNPACK" : `BLAS, ${threads} thread${threads > 1 ? "s" : ""}`;
  return {
    name: `${workers} worker${workers > 1 ? "s" : ""} (${kernel} each)`,
    // The main thread keeps the library loaded on the BLAS paths: the thread count is set through it.
    mainBlas: nativeBlas === "off" ? "off" : "auto",
    ...(nativeBlas === "off" ? {} : { threads }),
    step: (s) => dp.step(source.batch(s, B)),
    close: async () => {
      const left = await dp.close();
      model.dispose();
      if (left.some((n) => n !== 0)) throw new Error(`workers leaked tensors: ${left}`);
    },
  };
}

const paths: Path[] = [single("1 process, XNNPACK (1 thread)", "off")];
for (const w of workerCounts) paths.push(await parallel(w, "off"));
if (blas.library) {
  for (const w of workerCounts) paths.push(await parallel(w, "require"));
  paths.push(single(`1 process, ${blas.kernel} (${blas.threads} threads)`, "auto", blas.threads));
}

/** CPU time of this whole process (all threads, workers included), ms; null where /proc is missing. */
const cpuMs = (): number | null => {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz ticks
  } catch {
    return null;
  }
};
const times = new Map<string, number[]>(paths.map((p) => [p.name, []]));
const cpu = new Map<string, number[]>(paths.map((p) => [p.name, []]));
const counters = new Map<string, number>(paths.map((p) => [p.name, 0]));
const runSteps = async (p: Path, n: number) => {
  await initBackend("wasm", { nativeBlas: p.mainBlas });
  if (p.threads !== undefined) nativeMatMulLibrary()?.setThreads(p.threads);
  const t0 = performance.now(), c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const s = counters.get(p.name)!;
    counters.set(p.name, s + 1);
    await p.step(s);
  }
  const c1 = cpuMs();
  if (c0 !== null && c1 !== null) cpu.get(p.name)!.push((c1 - c0) / n);
  return (performance.now() - t0) / n;
};
try {
  for (const p of paths) await runSteps(p, 2); // warm-up: allocation, kernel set-up, worker JIT
  for (let r = 0; r < rounds; r++) {
    for (const p of paths) times.get(p.name)!.push(await runSteps(p, steps));
  }
} finally {
  for (const p of paths) await p.close();
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor((s.length - 1) / 2)]! };
};
const ref = stats(times.get(paths[0]!.name)!);
const loadavg = Deno.build.os === "linux"
  ? Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3)
  : null;
const record = {
  bench: "parallel",
  preset: preset.name,
  batch: B,
  rounds,
  steps_per_round: steps,
  cores: navigator.hardwareConcurrency,
  loadavg_after: loadavg,
  blas: blas.library ? { kernel: blas.kernel, threads: blas.threads } : { none: blas.reason },
  paths: paths.map((p) => {
    const s = stats(times.get(p.name)!);
    const c = cpu.get(p.name)!;
    return {
      path: p.name,
      ms_per_step: s,
      cpu_ms_per_step: c.length ? stats(c).median : null,
      speed_vs_xnnpack_process: ref.median / s.median,
    };
  }),
};
if (flags.json) log(JSON.stringify(record));
else {
  log(`sudoku-small train step, batch ${B}, ${rounds} rounds x ${steps} steps, ${record.cores} cores`);
  for (const p of record.paths) {
    log(
      `${p.path.padEnd(40)} ${p.ms_per_step.min.toFixed(0).padStart(6)} min ${
        p.ms_per_step.median.toFixed(0).padStart(6)
      } median ms/step  ${p.speed_vs_xnnpack_process.toFixed(2)}x  cpu ${
        p.cpu_ms_per_step?.toFixed(0) ?? "?"
      } ms/step`,
    );
  }
  log(`load average after: ${loadavg?.join(" ") ?? "?"}`);
}
