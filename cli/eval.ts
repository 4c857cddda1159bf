/**
 * `deno task eval --checkpoint DIR`: the task's metrics on its held-out split, with the saved (EMA)
 * weights, through the checkpoint's task plugin (`--task` overrides it): its `score` gives exact
 * accuracy and its `validate` the share of legal answers (`valid_rate`); the last line is a one-line
 * JSON summary.
 *
 * @module
 */
import { BACKENDS, evaluate, initBackend, matmulKernel } from "../core/mod.ts";
import { loadCheckpoint } from "../io/mod.ts";
import { UsageError } from "./flags.ts";
import { parseFlags } from "./schema.ts";
import { Progress } from "./progress.ts";
import { checkpointTask, heldOutData, TASK_FLAG, TASK_HELP } from "./checkpoint_task.ts";

const HELP = `Evaluate a checkpoint on its task's held-out split.

Usage: deno task eval --checkpoint DIR [--task SPECIFIER] [--data FILE|DIR] [--limit N] [--early-halt]
                      [--backend wasm|cpu|webgpu|auto]

Without --data, the held-out set the run was trained against is rebuilt from the checkpoint's seed.
The summary has exact_accuracy and, when the task has a validate hook, valid_rate (legal answers).
${TASK_HELP}
--early-halt stops each puzzle at the first supervision step whose halting logit is positive (faster).
--out DIR      where ARC's submission.json goes (default: beside the checkpoint)
--aggregate-votes  keep ARC votes across evaluations (the reference's checkpoint ensemble; off by default)
`;

/** Throws a one-line {@linkcode UsageError} unless `dir` is (or can be made) a writable folder. */
export async function writableFolder(dir: string, flag: string): Promise<void> {
  const info = await Deno.stat(dir).catch(() => null);
  if (info && !info.isDirectory) throw new UsageError(`${flag}: ${dir} exists and is not a folder`);
  const probe = `${dir}/.write-test-${Deno.pid}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new UsageError(`${flag}: ${dir} is not writable (${(e as Error).message})`);
  }
}

/** Runs the eval command; returns the exit code. */
export async function evalCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      checkpoint: { kind: "string" },
      ...TASK_FLAG,
      data: { kind: "string" },
      limit: { kind: "int", min: 1 },
      backend: { kind: "choice", choices: BACKENDS },
      out: { kind: "string" },
      help: { kind: "boolean" },
      "early-halt": { kind: "boolean" },
      quiet: { kind: "boolean" },
      "aggregate-votes": { kind: "boolean" },
    } as const,
  );
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags.checkpoint === undefined) throw new UsageError("--checkpoint DIR is required (see --help)");
  if (flags._.length > 0) throw new UsageError(`unexpected argument "${flags._[0]}" (see --help)`);
  // The summary's files go here after the whole evaluation: check first that they can.
  if (flags.out !== undefined) await writableFolder(flags.out, "--out");
  const started = performance.now();
  const backend = await initBackend(flags.backend ?? "wasm");
  using ckpt = await loadCheckpoint(flags.checkpoint);
  const model = ckpt.model;
  const file = `${flags.checkpoint.replace(/\/$/, "")}/meta.json`;
  const task = await checkpointTask(ckpt.meta, flags.task, file);
  const data = await heldOutData(ckpt.meta, task, file, {
    data: flags.data,
    aggregateVotes: flags["aggregate-votes"] === true,
  });
  const limit = flags.limit;
  const progress = new Progress(Math.min(data.test.size, limit ?? Infinity), 1);
  const r = await evaluate(model, data.test, ckpt.puzzles, {
    task,
    earlyHalt: flags["early-halt"] === true,
    ...(limit ? { limit } : {}),
    ...(flags.quiet ? {} : { onProgress: (done: number) => progress.update(done, "puzzles") }),
  });
  const summary: Record<string, unknown> = {
    task: data.spec.name,
    preset: ckpt.meta.recipe!.preset,
    backend,
    matmul_kernel: matmulKernel(),
    exact_accuracy: r.exactAccuracy,
    ...(r.validRate !== undefined ? { valid_rate: r.validRate } : {}),
    accuracy: r.accuracy,
    mean_steps: r.meanSteps,
    examples: r.count,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  // Default: the run folder that holds the checkpoint.
  const outDir = flags.out ??
    (flags.checkpoint.replace(/\/?$/, "").replace(/\/?[^/]*$/, "") || ".");
  Object.assign(summary, data.report ? await data.report(r, outDir) : {});
  // deno-lint-ignore no-console
  console.log(JSON.stringify(summary));
  return 0;
}
