/**
 * Ours against PyTorch in the same run: each workload alternates timed rounds of our step with rounds of
 * bench/torch_baseline.py (the same step on the same shapes in PyTorch, fp32), so both see the same
 * machine load; prints min and median of each, the speed ratio (PyTorch time / ours: > 1 means we are
 * faster) and both peak resident memories. Each workload runs in a fresh child process (peaks are per
 * process). Without python3 + torch it measures ours alone.
 *
 *   deno run -A bench/compare.ts [--workloads a,b] [--rounds 5] [--workers N] [--python python3] [--no-torch] [--json]
 *
 * Workloads: sudoku-small (the default `train`, batch 64), sudoku-mlp-b8 / -b32 (paper config; b32 with
 * recomputation), infer-b1 / infer-b64 (paper config, one supervision step without gradients).
 * `--workers N` trains on N data-parallel workers (`DataParallelSession`, as `train --workers N`; the
 * native BLAS then runs on cores / N threads in each); inference workloads stay in one process.
 */
import { parseArgs } from "@std/cli";
import {
  createTrm,
  DataParallelSession,
  evaluate,
  initBackend,
  matmulKernelInfo,
  PuzzleEmbedding,
  resolveConfig,
  TrainSession,
  type TrmConfigInput,
  workerBlasThreads,
} from "../core/mod.ts";
import { sudokuMlp, sudokuSmall } from "../presets.ts";

interface Workload {
  readonly mode: "train" | "infer";
  readonly preset: () => { config: TrmConfigInput };
  readonly grid: 2 | 3;
  readonly batch: number;
  readonly recompute?: boolean;
}
const WORKLOADS: Readonly<Record<string, Workload>> = {
  "sudoku-small": { mode: "train", preset: sudokuSmall, grid: 2, batch: 64 },
  "sudoku-mlp-b8": { mode: "train", preset: sudokuMlp, grid: 3, batch: 8 },
  "sudoku-mlp-b32": { mode: "train", preset: sudokuMlp, grid: 3, batch: 32, recompute: true },
  // Plain reverse mode at batch 32: 2993 MiB of the 4 GiB heap in one process, half that in each worker's
  // own heap (what `train` picks either way: its estimate is under the margin).
  "sudoku-mlp-b32-plain": { mode: "train", preset: sudokuMlp, grid: 3, batch: 32 },
  "infer-b1": { mode: "infer", preset: sudokuMlp, grid: 3, batch: 1 },
  "infer-b64": { mode: "infer", preset: sudokuMlp, grid: 3, batch: 64 },
};
const DEFAULT = "sudoku-small,sudoku-mlp-b8,infer-b1,infer-b64";

const flags = parseArgs(Deno.args, {
  string: ["workloads", "workload", "rounds", "python", "workers"],
  boolean: ["json", "help", "no-torch"],
});
// deno-lint-ignore no-console
const log = console.log;
if (flags.help) {
  log(
    `usage: bench/compare.ts [--workloads ${DEFAULT}] [--rounds 5] [--workers N] [--python PATH] [--no-torch] [--json]\n` +
      `workloads: ${Object.keys(WORKLOADS).join(", ")}`,
  );
  Deno.exit(0);
}
const rounds = Number(flags.rounds ?? 5);
const workers = Number(flags.workers ?? 1);
if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`--workers: expected an integer >= 1`);
const python = flags.python === undefined ? undefined : String(flags.python);

/** A python with torch: `--python`, else python3 or /usr/bin/python3 (pyenv shims often lack torch). */
async function torchPython(): Promise<string | null> {
  const candidates = python ? [python] : ["python3", "/usr/bin/python3"];
  for (const py of candidates) {
    const ok = await new Deno.Command(py, { args: ["-c", "import torch"], stdout: "null", stderr: "null" })
      .output().then((o) => o.success, () => false);
    if (ok) return py;
  }
  return null;
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor((s.length - 1) / 2)]! };
};

/** Peak resident set size of this process (Linux VmHWM), bytes; null elsewhere. */
function peakRss(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** One workload in this process: our step and torch's, alternating. */
async function runOne(name: string): Promise<void> {
  const w = WORKLOADS[name];
  if (!w) throw new Error(`unknown workload ${name}; choose from ${Object.keys(WORKLOADS).join(", ")}`);
  const backend = await initBackend("wasm");
  const kernel = matmulKernelInfo();
  const N = w.grid * w.grid, L = N * N, V = N + 2;
  const spec = { name: "sudoku", vocabSize: V, seqLen: L, numPuzzleIds: 1 };
  const base = w.preset().config;
  const config = resolveConfig({
    ...base,
    supervision: { ...base.supervision, ...(w.mode === "infer" ? { maxSteps: 1 } : {}) },
    optim: { ...base.optim, batchSize: w.batch, recompute: w.recompute === true },
  });
  const ex = { input: new Int32Array(L).fill(1), label: new Int32Array(L).fill(2), puzzleId: 0 };
  using model = createTrm(spec, config, { seed: 0 });
  const parallel = w.mode === "train" && workers > 1;
  await using session = parallel
    ? await DataParallelSession.create(model, {
      totalSteps: 1000,
      workers,
      plugins: new URL("../plugins/mod.ts", import.meta.url),
    })
    : new TrainSession(model, { totalSteps: 1000 });
  const puzzles = new PuzzleEmbedding(1, config.model.hidden);
  const rows = Array.from({ length: w.batch }, () => ex);
  const source = { spec, size: w.batch, example: () => ex };
  const ours = async () => {
    const t0 = performance.now();
    if (w.mode === "train") await session.step(rows);
    else await evaluate(model, source, puzzles, { batchSize: w.batch });
    return performance.now() - t0;
  };

  const py = flags["no-torch"] ? null : await torchPython();
  let torch: {
    info: Record<string, unknown>;
    step: () => Promise<number>;
    peak: () => Promise<number>;
    close: () => Promise<void>;
  } | null = null;
  if (py) {
    const m = config.model, r = config.recursion;
    const args = {
      mode: w.mode,
      V,
      L,
      P: m.puzzleEmbLen,
      D: m.hidden,
      layers: m.layers,
      expansion: m.expansion,
      n: r.n,
      T: r.T,
      nsup: config.supervision.maxSteps,
      B: w.batch,
      lr: config.optim.lr,
      wd: config.optim.weightDecay,
      ema: config.optim.emaDecay,
    };
    const script = new URL("./torch_baseline.py", import.meta.url).pathname;
    const child = new Deno.Command(py, {
      args: [script, JSON.stringify(args)],
      stdin: "piped",
      stdout: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const next = async (): Promise<Record<string, unknown>> => {
      while (!buffered.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("torch_baseline.py exited");
        buffered += value;
      }
      const i = buffered.indexOf("\n");
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return JSON.parse(line);
    };
    const send = (cmd: string) => writer.write(new TextEncoder().encode(cmd + "\n"));
    const info = await next();
    torch = {
      info,
      step: async () => (await send("step"), Number((await next()).ms)),
      peak: async () => (await send("peak"), Number((await next()).peak_rss_bytes)),
      close: async () => {
        await writer.close();
        lines.releaseLock();
        await child.stdout.cancel().catch(() => {});
        await child.status;
      },
    };
  }
  try {
    await ours(); // warm-up: allocation, kernel setup
    if (torch) await torch.step();
    const mine: number[] = [], theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      mine.push(await ours());
      if (torch) theirs.push(await torch.step());
    }
    const o = stats(mine), t = torch ? stats(theirs) : null;
    const record = {
      workload: name,
      mode: w.mode,
      workers: parallel ? workers : 1,
      batch: w.batch,
      recompute: w.recompute === true,
      backend,
      matmul_kernel: kernel.kernel,
      // With workers, DataParallelSession sets the (process-wide) BLAS threads to cores / workers.
      ...(kernel.threads
        ? {
          blas_threads: parallel ? workerBlasThreads(workers) : kernel.threads,
        }
        : {}),
      rounds,
      ours_ms: o,
      ours_peak_rss_bytes: peakRss(),
      ...(torch && t
        ? {
          torch_ms: t,
          torch_peak_rss_bytes: await torch.peak(),
          torch: torch.info,
          speed_vs_torch: { min: t.min / o.min, median: t.median / o.median },
        }
        : { torch: flags["no-torch"] ? "not run (--no-torch)" : py ? "failed" : "no python3 with torch" }),
    };
    const gib = (b: unknown) => typeof b === "number" ? `${(b / 2 ** 30).toFixed(2)} GiB` : "?";
    const torchPeak = (record as { torch_peak_rss_bytes?: number }).torch_peak_rss_bytes;
    log(
      flags.json
        ? JSON.stringify(record)
        : `${name} (${w.mode}, batch ${w.batch}${w.recompute ? ", recompute" : ""}${
          parallel ? `, ${workers} workers` : ""
        }): ours ${o.min.toFixed(0)} / ${
          o.median.toFixed(0)
        } ms (min / median of ${rounds}, ${kernel.kernel}), peak ${gib(record.ours_peak_rss_bytes)}` +
          (torch && t
            ? `; PyTorch ${t.min.toFixed(0)} / ${t.median.toFixed(0)} ms, peak ${gib(torchPeak)}; ` +
              `ours / PyTorch speed ${(t.median / o.median).toFixed(2)}x (median), ${
                (t.min / o.min).toFixed(2)
              }x (min)`
            : `; PyTorch: ${record.torch}`),
    );
  } finally {
    await torch?.close();
  }
}

if (flags.workload) {
  await runOne(String(flags.workload));
} else {
  const names = String(flags.workloads ?? DEFAULT).split(",");
  const py = flags["no-torch"] ? null : await torchPython();
  if (py && !flags.json) {
    const out = await new Deno.Command(py, {
      args: [
        "-c",
        "import torch; print(torch.__version__, torch.__config__.show().split('BLAS_INFO=')[-1].split(',')[0])",
      ],
      stdout: "piped",
    }).output();
    log(
      `PyTorch ${
        new TextDecoder().decode(out.stdout).trim()
      } (${py}); BLAS libraries loaded are listed per workload with --json`,
    );
  }
  let failed = false;
  for (const name of names) {
    const args = [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--workload",
      name,
      "--rounds",
      String(rounds),
    ];
    if (flags.json) args.push("--json");
    if (workers > 1) args.push("--workers", String(workers));
    if (flags["no-torch"]) args.push("--no-torch");
    if (python) args.push("--python", python);
    const status = await new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "inherit" })
      .spawn()
      .status;
    if (!status.success) failed = true;
  }
  if (failed) Deno.exit(1);
}
