/**
 * `deno task train`: trains a preset end to end, prints progress and a final one-line JSON summary.
 *
 * @module
 */
import {
  BACKENDS,
  type EvaluateResult,
  HaltedAccuracy,
  initBackend,
  matmulKernel,
  measureMatmulGflops,
  resolveConfig,
  SMALL_STEPS,
  type Task,
  trainStepFlops,
  type TrmConfigInput,
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
import { readRunConfig } from "./run_config.ts";
import { writeCurves } from "./plot.ts";
import { type DataOptions, prepareData } from "./data.ts";
import { formatDuration, Progress } from "./progress.ts";
import { prepareRunFolder, readCheckpointMeta, runFolderOf, train, type TrainData } from "../io/mod.ts";
import { BUILTIN_TASKS, builtinTask, loadTaskPlugin, resolveTaskSpecifier } from "../tasks/builtin.ts";
import { small } from "../presets.ts";
import { schemeKinds } from "../plugins/registry.ts";
import { dataOptionsOf, recipeData } from "./recipe.ts";

const HELP = `Train a Tiny Recursive Model.

Usage: deno task train [--preset NAME | --task SPECIFIER] [--config run.json] [flags]

Presets: ${Object.keys(PRESETS).join(", ")} (default sudoku-small)
--task SPECIFIER      train a task plugin: a built-in name (${
  Object.keys(BUILTIN_TASKS).join(", ")
}) or a module
                      (./my_task.ts, file:, npm:, jsr:) whose default export is a Task; data from its
                      generate hook (or --data through its load hook), config: a small CPU-sized one
                      (its preset hook merged in), or --preset's
--config FILE         a JSON object of these flags ({"steps": 200, "lr": 0.001}); command-line flags override it

Data and run:
  --data FILE|DIR       real data (Sudoku-Extreme / Maze-Hard CSV, ARC folder); default: generated
  --steps N             optimizer steps (default: the preset's)
  --train-size N        generated training puzzles      --test-size N   generated held-out puzzles
  --eval-every N        evaluate every N steps (default: only at the end)
  --eval-limit N        evaluate at most N held-out examples
  --out DIR             output folder (metrics.jsonl, checkpoint); default runs/<preset>-<time>
  --backend NAME        ${BACKENDS.join(" | ")} (default wasm)
  --workers N           data-parallel workers on the wasm backend, each a share of the batch (default: one
                        per core when a step is >= 4 GFLOP, else 1; --workers 1 for one process)
  --seed N              seed of data, init and exploration (default 0)
  --quiet               no progress output (the JSON summary is still printed)
  --checkpoint-every N  save a checkpoint every N steps under OUT/checkpoints (atomic; keeps the last --keep, default 3)
  --resume DIR          continue a run from a checkpoint exactly (preset, config, seed and data come from it;
                        only --steps --eval-every --eval-limit --checkpoint-every --keep --backend --workers --out --quiet
                        may be given)
  --overwrite           train into an --out that holds another run (its files are set aside in OUT/replaced-*
                        and its checkpoint replaced only once this run has saved its own)
ARC (--preset arc1|arc2 --data DIR: an ARC-AGI folder, Kaggle files, or a folder of task files):
  --augmentations N     distinct augmentations per task (default 1000)
  --test-versions N     versions of each test task to evaluate (default all)
  --skip-invalid        report and skip invalid task files instead of stopping
Model and optimisation (defaults: the preset's; the paper's values for the paper presets):
  --scheme ${schemeKinds().join("|")} (recursion; default trm)   --mixer attention|mlp-mixer   --heads N
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

/** Runs the train command; returns the process exit code. */
export async function trainCommand(argv: readonly string[]): Promise<number> {
  const cli = parseFlags(argv, TRAIN_FLAGS);
  if (cli.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (cli._.length > 0) throw new UsageError(`unexpected argument "${cli._[0]}" (see --help)`);
  // The file's flags first, the command line's over them.
  const flags = cli.config !== undefined ? { ...await readRunConfig(cli.config, TRAIN_FLAGS), ...cli } : cli;
  // --resume takes the preset, config, seed and data recipe from the checkpoint.
  const resumeDir = flags.resume;
  if (resumeDir !== undefined) {
    const fixed = Object.keys(flags).filter((k) =>
      k !== "_" && k !== "config" && !RESUME_OVERRIDABLE.includes(k)
    );
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
  // Before any tensor exists (a checkpoint's load makes them on the backend in use).
  const backend = await initBackend(flags.backend ?? "wasm");
  const meta = resumeDir !== undefined ? await readCheckpointMeta(resumeDir) : null;
  const savedRun = meta?.recipe ?? null;
  // A preset run (its own data pipeline) or a task-plugin run (the task's data hooks).
  const presetName = savedRun ? savedRun.preset : flags.preset ?? (flags.task ? null : "sudoku-small");
  const preset = presetName !== null ? presetByName(presetName) : null;
  const specifier = savedRun && !preset ? savedRun.task : flags.task;
  const plugin = specifier !== undefined ? await loadTaskPlugin(specifier, meta?.taskSpec) : null;
  const steps = flags.steps ?? savedRun?.steps ?? preset?.steps ?? plugin?.preset?.steps ?? SMALL_STEPS;
  const name = preset?.name ?? plugin!.spec.name;
  const out = flags.out ??
    (resumeDir ? runFolderOf(resumeDir) : `runs/${name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  // Fail on an unusable --out before any long data preparation (train() checks again under its lock).
  const resumingHere = resumeDir !== undefined && out === runFolderOf(resumeDir);
  await prepareRunFolder(out, { resumingHere, overwrite: flags.overwrite === true });
  const seed = meta ? meta.seed : flags.seed ?? 0;

  let task: Task<unknown>, data: TrainData | undefined, report: PreparedReport | undefined;
  if (preset && !plugin) {
    const dataOptions: DataOptions = savedRun ? dataOptionsOf(savedRun, `${resumeDir}/meta.json`) : {
      data: flags.data,
      seed,
      trainSize: flags["train-size"] ?? preset.trainSize,
      testSize: flags["test-size"] ?? preset.testSize,
      ...optional("augmentations", flags.augmentations),
      ...optional("testVersions", flags["test-versions"]),
      skipInvalid: flags["skip-invalid"] === true,
    };
    const prepared = await prepareData(preset, dataOptions);
    // The built-in task of the data's spec gives evaluations its score and validate hooks.
    const builtin = builtinTask(prepared.spec);
    task = builtin
      ? { ...builtin, spec: prepared.spec }
      : { spec: prepared.spec, encode: noEncode, decode: (t) => t };
    data = {
      train: prepared.train,
      test: prepared.test,
      describe: prepared.describe,
      recipe: recipeData(dataOptions),
    };
    report = prepared.report;
  } else {
    task = plugin!;
  }
  const config: TrmConfigInput | undefined = meta ? undefined : configFromFlags(
    { config: preset?.config ?? small(task, steps) },
    flags,
  );

  const quiet = flags.quiet === true;
  const progress = new Progress(steps, Math.max(1, Math.round(steps / 40)), meta?.step ?? 0);
  const say = (line: string) => quiet || progress.log(line);
  // A paper-sized run on a CPU: say before it starts what a step will cost at best.
  if (config && backend !== "webgpu" && !quiet) {
    const c = resolveConfig(config);
    const flops = trainStepFlops(c, task.spec, c.optim.batchSize);
    if (flops > 2e11) {
      const gflops = await measureMatmulGflops(1024, 2), seconds = flops / (gflops * 1e9);
      say(
        `estimate: at least ${seconds.toFixed(1)} s per step here (${
          (flops / 1e9).toFixed(0)
        } GFLOP per step at the ` +
          `${gflops.toFixed(0)} GFLOP/s this machine's matmul reaches; ${
            steps.toLocaleString("en")
          } steps: at least ` +
          `${
            formatDuration(seconds * steps)
          }); a GPU (--backend webgpu) or a smaller --batch-size is faster to try`,
      );
    }
  }
  const halted = new HaltedAccuracy();
  using run = await train(task, {
    ...optional("config", config),
    steps,
    seed,
    ...optional("data", data),
    ...optional("trainSize", flags["train-size"]),
    ...optional("testSize", flags["test-size"]),
    ...optional("dataPath", plugin ? flags.data : undefined),
    out,
    ...optional("evalEvery", flags["eval-every"]),
    ...optional("evalLimit", flags["eval-limit"]),
    ...optional("checkpointEvery", flags["checkpoint-every"]),
    ...optional("keep", flags.keep),
    ...optional("workers", flags.workers),
    ...optional("resume", resumeDir),
    overwrite: flags.overwrite === true,
    ...optional(
      "taskSpecifier",
      plugin && specifier !== undefined ? resolveTaskSpecifier(specifier) : undefined,
    ),
    ...optional("preset", preset?.name),
    onStart: (s) => {
      say(
        `${name}: ${s.describe}; ${s.params.toLocaleString("en")} parameters; backend ${backend}; ` +
          `puzzle table ${(s.puzzleTableBytes / 2 ** 20).toFixed(1)} MiB; ${s.steps} steps of batch ` +
          `${s.config.optim.batchSize}` +
          (s.workers > 1 ? ` on ${s.workers} workers (--workers 1: one process)` : "") +
          (resumeDir ? `; resuming at step ${s.step} from ${resumeDir}` : ""),
      );
      for (const w of s.warnings) say(`warning: ${w}`);
    },
    onStep: (m) => {
      halted.update(m);
      if (!quiet) progress.update(m.step, `loss ${m.loss.toFixed(4)} ${halted.text()}`);
    },
    onEval: (e) => {
      if (!e.final) say(`eval @${e.step}: held-out ${heldOutText(e.result)}`);
    },
  });
  const r = run.evaluation!;
  const taskMetrics = report ? await report(r, out) : {};
  await writeCurves(`${out}/metrics.jsonl`, `${out}/curves.svg`);
  say(`held-out ${heldOutText(r)}; checkpoint ${run.checkpoint}; curves ${out}/curves.svg`);
  // deno-lint-ignore no-console
  console.log(JSON.stringify({
    task: task.spec.name,
    preset: preset?.name ?? null,
    backend,
    matmul_kernel: matmulKernel(),
    workers: run.workers,
    steps: run.steps,
    seconds: Math.round(run.seconds * 10) / 10,
    params: run.model.variables.reduce((n, v) => n + v.size, 0),
    exact_accuracy: r.exactAccuracy,
    accuracy: r.accuracy,
    ...(r.validRate !== undefined ? { valid_rate: r.validRate } : {}),
    test_examples: r.count,
    ...taskMetrics,
    checkpoint: run.checkpoint,
    curves: `${out}/curves.svg`,
  }));
  return 0;
}

type PreparedReport = (result: EvaluateResult, outDir: string) => Promise<Record<string, unknown>>;

/** A preset's data comes already encoded, so its stand-in task never encodes. */
function noEncode(): never {
  throw new Error("this task's data is prepared by its preset");
}

/** `exact 97.20% (valid 98.00%) on 500 puzzles`. */
function heldOutText(r: EvaluateResult): string {
  return `exact accuracy ${(100 * r.exactAccuracy).toFixed(2)}%` +
    (r.validRate !== undefined ? ` (valid ${(100 * r.validRate).toFixed(2)}%)` : "") +
    ` on ${r.count} puzzles`;
}
