/**
 * `deno task train`: trains a preset end to end, prints progress and a final one-line JSON summary.
 *
 * @module
 */
import { parseArgs } from "@std/cli";
import {
  type BackendName,
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
  numberFlag,
  presetByName,
  PRESETS,
  TRAIN_STRING_FLAGS,
  UsageError,
} from "./flags.ts";
import { type DataOptions, prepareData } from "./data.ts";
import { Progress } from "./progress.ts";
import { loadCheckpoint, restoreSession, saveCheckpoint } from "../io/mod.ts";
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
  --resume DIR          continue a run from a checkpoint exactly (preset, config, seed and data come from it)
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

/** Runs the train command; returns the process exit code. */
export async function trainCommand(argv: readonly string[]): Promise<number> {
  const flags = parseArgs(argv, {
    string: TRAIN_STRING_FLAGS,
    boolean: ["help", "quiet", "skip-invalid", "recompute"],
    alias: { h: "help" },
  });
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument "${flags._[0]}" (see --help)`);
  // --resume takes the preset, config, seed and data recipe from the checkpoint.
  const resumeDir = flags.resume as string | undefined;
  using resumed = resumeDir ? await loadCheckpoint(resumeDir) : null;
  const savedRun = resumed?.meta.recipe ?? null;
  const preset = presetByName(savedRun?.preset ?? (flags.preset as string | undefined) ?? "sudoku-small");
  const config = resumed ? resumed.config : resolveConfig(configFromFlags(preset, flags));
  const seed = resumed ? resumed.meta.seed : numberFlag(flags, "seed") ?? 0;
  const steps = numberFlag(flags, "steps") ?? savedRun?.steps ?? preset.steps;
  const backendFlag = (flags.backend as string | undefined) ?? "wasm";
  if (!BACKENDS.includes(backendFlag as BackendName)) {
    throw new UsageError(`--backend: expected one of ${BACKENDS.join(", ")}, got "${backendFlag}"`);
  }
  const started = performance.now();
  const backend = await initBackend(backendFlag as BackendName);
  const quiet = flags.quiet === true;
  const progress = new Progress(steps, Math.max(1, Math.round(steps / 40)), resumed?.meta.step ?? 0);
  const say = (line: string) => quiet || progress.log(line);

  const dataOptions: DataOptions = savedRun ? dataOptionsOf(savedRun, `${resumeDir}/meta.json`) : {
    data: flags.data as string | undefined,
    seed,
    trainSize: numberFlag(flags, "train-size") ?? preset.trainSize,
    testSize: numberFlag(flags, "test-size") ?? preset.testSize,
    ...optional("augmentations", numberFlag(flags, "augmentations")),
    ...optional("testVersions", numberFlag(flags, "test-versions")),
    skipInvalid: flags["skip-invalid"] === true,
  };
  const data = await prepareData(preset, dataOptions);
  const out = (flags.out as string | undefined) ??
    (resumeDir
      ? runFolderOf(resumeDir)
      : `runs/${preset.name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await Deno.mkdir(out, { recursive: true });
  const metricsFile = await Deno.open(`${out}/metrics.jsonl`, { create: true, append: true });
  const enc = new TextEncoder();
  const logJson = (record: Record<string, unknown>) =>
    metricsFile.writeSync(enc.encode(JSON.stringify(record) + "\n"));

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
  const checkpointEvery = numberFlag(flags, "checkpoint-every") ?? 0;
  const keep = numberFlag(flags, "keep") ?? 3;
  const evalEvery = numberFlag(flags, "eval-every") ?? savedRun?.eval.every ?? 0;
  const evalLimit = numberFlag(flags, "eval-limit") ?? savedRun?.eval.limit ?? undefined;
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
