/**
 * `deno task train`: trains a preset end to end, prints progress and a final one-line JSON summary.
 *
 * @module
 */
import {
  BACKENDS,
  configToJson,
  createTrm,
  evaluate,
  initBackend,
  matmulKernel,
  resolveConfig,
  TrainSession,
} from "../core/mod.ts";
import {
  configFromFlags,
  presetByName,
  PRESETS,
  RESUME_OVERRIDABLE,
  TRAIN_FLAGS,
  UsageError,
} from "./flags.ts";
import { parseFlags } from "./schema.ts";
import { lockRun } from "./run_lock.ts";
import { type DataOptions, prepareData } from "./data.ts";
import { Progress } from "./progress.ts";
import {
  loadCheckpoint,
  recoverCheckpoint,
  recoverCheckpointsIn,
  restoreSession,
  saveCheckpoint,
} from "../io/mod.ts";
import { dataOptionsOf, recipeData } from "./recipe.ts";

const HELP = `Train a Tiny Recursive Model.

Usage: deno task train [--preset NAME] [flags]

Presets: ${Object.keys(PRESETS).join(", ")} (default sudoku-small)

Data and run:
  --data FILE|DIR       real data (Sudoku-Extreme / Maze-Hard CSV, ARC folder); default: generated
  --steps N             optimizer steps (default: the preset's)
  --train-size N        generated training puzzles      --test-size N   generated held-out puzzles
  --eval-every N        evaluate every N steps (default: only at the end)
  --eval-limit N        evaluate at most N held-out examples
  --out DIR             output folder (metrics.jsonl, checkpoint); default runs/<preset>-<time>
  --backend NAME        ${BACKENDS.join(" | ")} (default wasm)
  --seed N              seed of data, init and exploration (default 0)
  --quiet               no progress output (the JSON summary is still printed)
  --checkpoint-every N  save a checkpoint every N steps under OUT/checkpoints (atomic; keeps the last --keep, default 3)
  --resume DIR          continue a run from a checkpoint exactly (preset, config, seed and data come from it;
                        only --steps --eval-every --eval-limit --checkpoint-every --keep --backend --out --quiet may be given)
  --overwrite           train into an --out that holds another run (its checkpoint is replaced only at the end)
ARC (--preset arc1|arc2 --data DIR: an ARC-AGI folder, Kaggle files, or a folder of task files):
  --augmentations N     distinct augmentations per task (default 1000)
  --test-versions N     versions of each test task to evaluate (default all)
  --skip-invalid        report and skip invalid task files instead of stopping
Model and optimisation (defaults: the preset's; the paper's values for the paper presets):
  --scheme trm|hrm|singlez (recursion; default trm)   --mixer attention|mlp-mixer   --heads N
  --hidden D   --expansion E   --layers K   --puzzle-emb-len P
  --n N (latent steps)   --T T (recursions)   --max-steps N_sup   --exploration P
  --batch-size B   --lr LR   --warmup W   --min-lr-ratio R   --weight-decay WD
  --puzzle-lr LR   --puzzle-weight-decay WD   --ema DECAY|off   --loss stablemax|softmax
  --recompute           recompute activations in the backward pass (much less memory, ~20% more compute)
`;

/** `{ key: value }` when the value is defined, else `{}` (for exact optional properties). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** The run folder of a checkpoint: `run/checkpoint` -> `run`, `run/checkpoints/step-N` -> `run`. */
function runFolderOf(checkpoint: string): string {
  const parts = checkpoint.replace(/\/+$/, "").split("/");
  parts.pop();
  if (parts[parts.length - 1] === "checkpoints") parts.pop();
  return parts.join("/") || ".";
}

/** Keeps the newest `keep` periodic checkpoints (names sort by step). */
async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isDirectory && /^step-\d+$/.test(e.name)) names.push(e.name);
  names.sort();
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    await Deno.remove(`${dir}/${name}`, { recursive: true });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isDirectory, () => false);
}

/** The step a checkpoint's meta.json records, or null when there is none (or it is unreadable). */
async function savedStep(dir: string): Promise<number | null> {
  try {
    const step = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)).step;
    return Number.isSafeInteger(step) ? step : null;
  } catch {
    return null;
  }
}

/**
 * Checks `out` before any long work: a folder (created if missing) that is writable, holding no other
 * run unless this is that run resumed or `--overwrite` was given.
 */
async function prepareOut(out: string, resumingHere: boolean, overwrite: boolean): Promise<void> {
  const info = await Deno.stat(out).catch(() => null);
  if (info && !info.isDirectory) throw new UsageError(`--out: ${out} exists and is not a folder`);
  if (!info) await Deno.mkdir(out, { recursive: true });
  if (!resumingHere && !overwrite) {
    for (const name of ["metrics.jsonl", "checkpoint", "checkpoints"]) {
      if (await Deno.stat(`${out}/${name}`).then(() => true, () => false)) {
        throw new UsageError(
          `--out: ${out} holds another run (${name}); pass --resume ${out}/checkpoint to continue it, ` +
            "--overwrite to replace it, or another --out",
        );
      }
    }
  }
  const probe = `${out}/.write-test-${Deno.pid}`;
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new UsageError(`--out: ${out} is not writable (${(e as Error).message})`);
  }
}

/** Runs the train command; returns the process exit code. */
export async function trainCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, TRAIN_FLAGS);
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument "${flags._[0]}" (see --help)`);
  // --resume takes the preset, config, seed and data recipe from the checkpoint.
  const resumeDir = flags.resume;
  if (resumeDir !== undefined) {
    const fixed = Object.keys(flags).filter((k) => k !== "_" && !RESUME_OVERRIDABLE.includes(k));
    if (fixed.length > 0) {
      throw new UsageError(
        `--resume: ${
          fixed.map((k) => `--${k}`).join(", ")
        } cannot change a resumed run (they come from the ` +
          `checkpoint); allowed: ${
            RESUME_OVERRIDABLE.filter((k) => k !== "resume").map((k) => `--${k}`).join(" ")
          }`,
      );
    }
  }
  const started = performance.now();
  // Before any tensor exists (a checkpoint's load makes them on the backend in use).
  const backend = await initBackend(flags.backend ?? "wasm");
  using resumed = resumeDir ? await loadCheckpoint(resumeDir) : null;
  const savedRun = resumed?.meta.recipe ?? null;
  const preset = presetByName(savedRun?.preset ?? flags.preset ?? "sudoku-small");
  const config = resumed ? resumed.config : resolveConfig(configFromFlags(preset, flags));
  const seed = resumed ? resumed.meta.seed : flags.seed ?? 0;
  const steps = flags.steps ?? savedRun?.steps ?? preset.steps;
  if (resumed && steps < resumed.meta.step) {
    throw new UsageError(
      `--steps: ${steps} is before the checkpoint's step ${resumed.meta.step} (${resumeDir})`,
    );
  }
  const out = flags.out ??
    (resumeDir
      ? runFolderOf(resumeDir)
      : `runs/${preset.name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const runId = crypto.randomUUID();
  await prepareOut(out, resumeDir !== undefined && out === runFolderOf(resumeDir), flags.overwrite === true);
  using _lock = await lockRun(out, runId);
  // Under the lock no one else writes here: leftovers of an interrupted swap are put back or removed.
  await recoverCheckpoint(`${out}/checkpoint`, { ownerGone: true });
  await recoverCheckpointsIn(`${out}/checkpoints`, { ownerGone: true });
  if (flags.overwrite) {
    await Deno.remove(`${out}/checkpoints`, { recursive: true }).catch(() => {});
    await Deno.truncate(`${out}/metrics.jsonl`).catch(() => {});
  }
  if (flags.data !== undefined && preset.task.kind !== "arc" && await isDirectory(flags.data)) {
    throw new UsageError(`--data: ${flags.data} is a folder; ${preset.task.kind} reads a CSV file`);
  }
  const quiet = flags.quiet === true;
  const progress = new Progress(steps, Math.max(1, Math.round(steps / 40)), resumed?.meta.step ?? 0);
  const say = (line: string) => quiet || progress.log(line);

  const dataOptions: DataOptions = savedRun ? dataOptionsOf(savedRun, `${resumeDir}/meta.json`) : {
    data: flags.data,
    seed,
    trainSize: flags["train-size"] ?? preset.trainSize,
    testSize: flags["test-size"] ?? preset.testSize,
    ...optional("augmentations", flags.augmentations),
    ...optional("testVersions", flags["test-versions"]),
    skipInvalid: flags["skip-invalid"] === true,
  };
  const data = await prepareData(preset, dataOptions);
  const metricsFile = await Deno.open(`${out}/metrics.jsonl`, { create: true, append: true });
  const enc = new TextEncoder();
  const logJson = (record: Record<string, unknown>) =>
    metricsFile.writeSync(enc.encode(JSON.stringify({ run: runId, ...record }) + "\n"));

  // A resumed model belongs to `resumed` (disposed with it).
  const model = resumed?.model ?? createTrm(data.spec, config, { seed });
  using _model = resumed ? null : model;
  using session = new TrainSession(model, {
    totalSteps: steps,
    seed,
    ...(resumed ? { puzzles: resumed.puzzles } : {}),
  });
  if (resumed) restoreSession(resumed, session);
  const params = model.variables.reduce((n, v) => n + v.size, 0);
  say(
    `${preset.name}: ${data.describe}; ${params.toLocaleString("en")} parameters; backend ${backend}; ` +
      `puzzle table ${
        (session.puzzles.bytes / 2 ** 20).toFixed(1)
      } MiB; ${steps} steps of batch ${config.optim.batchSize}` +
      (resumed ? `; resuming at step ${session.stepCount} from ${resumeDir}` : ""),
  );
  logJson({
    event: resumed ? "resume" : "start",
    preset: preset.name,
    backend,
    matmul_kernel: matmulKernel(),
    params,
    config: configToJson(config),
    seed,
    steps,
    step: session.stepCount,
  });
  const checkpointEvery = flags["checkpoint-every"] ?? 0;
  const keep = flags.keep ?? 3;
  const evalEvery = flags["eval-every"] ?? savedRun?.eval.every ?? 0;
  const evalLimit = flags["eval-limit"] ?? savedRun?.eval.limit ?? undefined;
  const recipe = {
    task: data.spec.name,
    preset: preset.name,
    data: recipeData(dataOptions),
    steps,
    eval: { every: evalEvery, limit: evalLimit ?? null },
    seed,
  };
  const save = (dir: string) => saveCheckpoint(dir, { taskSpec: data.spec, config, session, seed, recipe });

  const heldOut = async () => {
    const run = () => evaluate(model, data.test, session.puzzles, evalLimit ? { limit: evalLimit } : {});
    return session.ema ? await session.ema.withShadows(run) : await run();
  };
  try {
    for (let s = session.stepCount; s < steps; s++) {
      const m = await session.step(data.train.batch(s, config.optim.batchSize));
      logJson({ event: "step", ...m });
      if (checkpointEvery > 0 && m.step % checkpointEvery === 0 && m.step < steps) {
        await save(`${out}/checkpoints/step-${String(m.step).padStart(7, "0")}`);
        await pruneCheckpoints(`${out}/checkpoints`, keep);
      }
      if (!quiet) {
        const acc = Number.isNaN(m.exactAccuracy)
          ? ""
          : ` exact ${m.exactAccuracy.toFixed(3)} halt@${m.steps.toFixed(1)}`;
        progress.update(
          m.step,
          `loss ${m.loss.toFixed(4)} acc ${Number.isNaN(m.accuracy) ? "-" : m.accuracy.toFixed(3)}${acc}`,
        );
      }
      if (evalEvery > 0 && m.step % evalEvery === 0 && m.step < steps) {
        const r = await heldOut();
        logJson({
          event: "eval",
          step: m.step,
          exactAccuracy: r.exactAccuracy,
          accuracy: r.accuracy,
          count: r.count,
        });
        say(`eval @${m.step}: held-out exact ${(100 * r.exactAccuracy).toFixed(2)}% (${r.count} puzzles)`);
      }
    }
    const r = await heldOut();
    const taskMetrics = data.report ? await data.report(r, out) : {};
    const seconds = (performance.now() - started) / 1000;
    logJson({
      event: "eval",
      step: session.stepCount,
      exactAccuracy: r.exactAccuracy,
      accuracy: r.accuracy,
      count: r.count,
    });
    const before = await savedStep(`${out}/checkpoint`);
    if (before !== null && before > session.stepCount && !flags.overwrite) {
      throw new UsageError(
        `${out}/checkpoint: holds step ${before}, further than this run's ${session.stepCount}; not replaced ` +
          "(pass --overwrite to replace it)",
      );
    }
    const checkpoint = await save(`${out}/checkpoint`);
    say(
      `held-out exact accuracy ${
        (100 * r.exactAccuracy).toFixed(2)
      }% on ${r.count} puzzles; checkpoint ${checkpoint}`,
    );
    // deno-lint-ignore no-console
    console.log(JSON.stringify({
      task: data.spec.name,
      preset: preset.name,
      backend,
      matmul_kernel: matmulKernel(),
      steps: session.stepCount,
      seconds: Math.round(seconds * 10) / 10,
      params,
      exact_accuracy: r.exactAccuracy,
      accuracy: r.accuracy,
      test_examples: r.count,
      ...taskMetrics,
      checkpoint,
    }));
    return 0;
  } finally {
    metricsFile.close();
  }
}
