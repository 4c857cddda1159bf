/**
 * `train(task, options)`: the whole run the CLI does, as a library call. It builds the model (a small
 * CPU-sized config unless given one), the data (the task's `generate`/`load` hooks unless given data),
 * trains with the cross-batch carry (`trainLoop`), evaluates the EMA weights, and with `out` keeps a run
 * folder: `metrics.jsonl`, periodic and final atomic checkpoints (recording the task's specifier, so
 * `eval`/`solve` reload the same task), a lock, and exact resume. `deno task train` is a shell over it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  chooseGradient,
  configToJson,
  createTrm,
  DataParallelSession,
  matmulKernel,
  pathExists,
  resolveConfig,
  runLengthWarnings,
  SMALL_STEPS,
  type Task,
  taskData,
  type TaskSpec,
  trainLoop,
  type TrainSession,
  type Trm,
  type TrmConfig,
  wasmHeapLimitBytes,
} from "../core/mod.ts";
import { small } from "../presets.ts";
import { loadCheckpoint, type LoadedCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { automaticWorkers, startSession } from "./train_workers.ts";
import type { RunRecipe } from "./checkpoint_meta.ts";
import { recoverCheckpoint, recoverCheckpointsIn } from "./checkpoint_recover.ts";
import { lockRun } from "./run_lock.ts";
import {
  MetricsLog,
  periodicCheckpointDir,
  prepareRunFolder,
  pruneCheckpoints,
  runFolderOf,
  savedStep,
} from "./run_folder.ts";
import { RunFolderError } from "./run_folder_error.ts";
import { recipeDataOptions } from "./recipe_data.ts";
import type { TrainData, TrainOptions, TrainResult } from "./train_types.ts";

export type { TrainData, TrainOptions, TrainResult, TrainStart } from "./train_types.ts";

/**
 * Moves `out/metrics.jsonl` and `out/checkpoints` into `out/replaced-<run>/` (when there are any) and
 * returns that folder, or null.
 */
async function setAside(out: string, runId: string): Promise<string | null> {
  const dir = `${out}/replaced-${runId.slice(0, 8)}`;
  let moved = false;
  for (const name of ["metrics.jsonl", "checkpoints"]) {
    if (!await pathExists(`${out}/${name}`)) continue;
    if (!moved) await Deno.mkdir(dir);
    await Deno.rename(`${out}/${name}`, `${dir}/${name}`);
    moved = true;
  }
  return moved ? dir : null;
}

/** Whether the plain step of `config` fits one process's wasm heap at its whole batch. */
function fitsOneProcess(config: TrmConfig, spec: TaskSpec): boolean {
  return chooseGradient(config, spec, config.optim.batchSize, wasmHeapLimitBytes()).gradient === "reverse";
}

/**
 * Trains a model on `task`, evaluates its EMA weights on held-out puzzles and (with `out`) writes the run
 * folder. The same run, checkpoints and metrics as `deno task train`.
 *
 * @example
 * ```ts
 * import { initBackend, train } from "@recursive/trm";
 * await initBackend("cpu");
 * // Puzzles: a digit d in 1..9 at position 0; the answer repeats it.
 * const task = {
 *   spec: { name: "repeat", vocabSize: 10, seqLen: 2, numPuzzleIds: 1 },
 *   encode: (d: number) => ({ input: Int32Array.of(d, 0), label: Int32Array.of(d, d), puzzleId: 0 }),
 *   decode: (t: Int32Array) => t[0]!,
 *   generate: (count: number, seed: number) => Array.from({ length: count }, (_, i) => 1 + ((i + seed) % 9)),
 *   preset: { trainSize: 5, testSize: 4, config: { model: { hidden: 16 }, optim: { batchSize: 4 } } },
 * };
 * using run = await train(task, { steps: 2 });
 * if (run.steps !== 2 || run.evaluation?.count !== 4) throw new Error(JSON.stringify(run.evaluation));
 * ```
 */
export async function train<P>(task: Task<P>, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const runId = crypto.randomUUID();
  const out = options.out ?? null;
  const resumeDir = options.resume;
  if (options.checkpointEvery && !out) {
    throw new RangeError("train: checkpointEvery needs out (a run folder)");
  }
  if (options.workers !== undefined) {
    const w = options.workers;
    if (!Number.isInteger(w) || w < 1) {
      throw new RangeError(`train: workers must be an integer >= 1, got ${w}`);
    }
    if (w > 1 && tf.getBackend() !== "wasm") {
      throw new RangeError(`train: workers need the wasm backend (the active one is ${tf.getBackend()})`);
    }
  }
  let resumed: LoadedCheckpoint | null = null;
  let model: Trm | null = null;
  let session: TrainSession | DataParallelSession | null = null;
  let log: MetricsLog | null = null;
  let lock: Disposable | null = null;
  let replaced: string | null = null;
  try {
    if (out) {
      const resumingHere = resumeDir !== undefined && out === runFolderOf(resumeDir);
      await prepareRunFolder(out, { resumingHere, overwrite: options.overwrite === true });
      lock = await lockRun(out, runId);
      // Under the lock no one else writes here: leftovers of an interrupted swap are put back or removed.
      await recoverCheckpoint(`${out}/checkpoint`, { ownerGone: true });
      await recoverCheckpointsIn(`${out}/checkpoints`, { ownerGone: true });
      // The replaced run's metrics and periodic checkpoints are set aside, not deleted, until this run has
      // saved its own final checkpoint: a run that fails or is stopped loses nothing of the old one.
      if (options.overwrite) replaced = await setAside(out, runId);
    }
    resumed = resumeDir !== undefined ? await loadCheckpoint(resumeDir) : null;
    const recipe = resumed?.meta.recipe ?? null;
    if (resumed && !recipe && !options.data) {
      throw new RunFolderError(`${resumeDir}: the checkpoint records no recipe: pass data to train()`);
    }
    const steps = options.steps ?? recipe?.steps ?? task.preset?.steps ?? SMALL_STEPS;
    if (resumed && steps < resumed.meta.step) {
      throw new RangeError(
        `--steps: ${steps} is before the checkpoint's step ${resumed.meta.step} (${resumeDir})`,
      );
    }
    const seed = resumed ? resumed.meta.seed : options.seed ?? 0;
    const input = options.config ?? small(task, steps);
    let config = resumed ? resumed.config : resolveConfig(input);
    // A URL, not an import: each worker imports it by itself (and so does the check of automaticWorkers).
    const plugins = String(options.plugins ?? new URL("../plugins/mod.ts", import.meta.url).href);
    const automatic = options.workers === undefined;
    let workers = options.workers ?? await automaticWorkers(config, task.spec, tf.getBackend(), plugins);
    // Plain reverse mode (the reference's) unless its step would not fit the wasm heap: then activation
    // recomputation (same gradients up to summation order, ~20% more compute). Only when the caller did not
    // choose a gradient strategy; a resumed run keeps its own. Each worker has a heap of its own holding
    // its share of the batch.
    const notes: string[] = [];
    const autoGradient = !resumed && tf.getBackend() === "wasm" && input.optim?.gradient === undefined &&
      !input.optim?.recompute;
    if (autoGradient) {
      const share = Math.ceil(config.optim.batchSize / workers);
      const choice = chooseGradient(config, task.spec, share, wasmHeapLimitBytes());
      if (choice.gradient === "recompute") {
        config = resolveConfig({ ...input, optim: { ...input.optim, gradient: "recompute" } });
        notes.push(workers > 1 ? `${choice.reason}, the share of each of ${workers} workers` : choice.reason);
      }
    }
    const dataOptions = recipe && !options.data ? recipeDataOptions(recipe, `${resumeDir}/meta.json`) : {
      ...(options.trainSize !== undefined ? { trainSize: options.trainSize } : {}),
      ...(options.testSize !== undefined ? { testSize: options.testSize } : {}),
      ...(options.dataPath !== undefined ? { path: options.dataPath } : {}),
    };
    const generated = options.data ? null : await taskData(task, { seed, ...dataOptions });
    const data: TrainData = options.data ?? generated!;
    const dataRecipe: RunRecipe["data"] = options.data ? options.data.recipe ?? { kind: "custom" } : {
      ...("path" in dataOptions ? { kind: "files", path: dataOptions.path } : { kind: "generated" }),
      ...generated!.sizes,
    };
    model = resumed?.model ?? createTrm(task.spec, config, { seed });
    const sessionOptions = { totalSteps: steps, seed, ...(resumed ? { puzzles: resumed.puzzles } : {}) };
    const begun = await startSession(model, {
      session: sessionOptions,
      workers,
      automatic,
      plugins,
      resumed,
      onFallback: (reason) => {
        const plain = config.optim.gradient.kind !== "recompute";
        if (autoGradient && plain && workers > 1 && !fitsOneProcess(config, task.spec)) {
          throw new RangeError(`train: ${reason}, and one process needs recomputation here: pass workers: 1`);
        }
        notes.push(reason);
      },
    });
    session = begun.session;
    workers = begun.workers;
    const evalEvery = options.evalEvery ?? recipe?.eval.every ?? 0;
    const evalLimit = options.evalLimit ?? recipe?.eval.limit ?? undefined;
    const runRecipe: RunRecipe = {
      task: recipe?.task ?? options.taskSpecifier ?? task.spec.name,
      preset: recipe?.preset ?? options.preset ?? null,
      data: recipe?.data ?? dataRecipe,
      steps,
      eval: { every: evalEvery, limit: evalLimit ?? null },
      seed,
    };
    const params = model.variables.reduce((n, v) => n + v.size, 0);
    log = out ? await MetricsLog.open(`${out}/metrics.jsonl`, runId) : null;
    const s = session;
    options.onStart?.({
      runId,
      config,
      params,
      step: s.stepCount,
      steps,
      describe: data.describe ?? `${task.spec.name} data`,
      puzzleTableBytes: s.puzzles.bytes,
      workers,
      warnings: [...notes, ...(resumed ? [] : runLengthWarnings(config, steps))],
      out,
    });
    log?.write({
      event: resumed ? "resume" : "start",
      task: runRecipe.task,
      preset: runRecipe.preset,
      matmul_kernel: matmulKernel(),
      params,
      config: configToJson(config),
      seed,
      steps,
      step: s.stepCount,
    });
    const save = (dir: string) =>
      saveCheckpoint(dir, { taskSpec: task.spec, config, session: s, seed, recipe: runRecipe });
    const loop = await trainLoop(s, data.train, {
      steps,
      test: data.test,
      task: task as Task<unknown>,
      evalEvery,
      ...(evalLimit !== undefined ? { evalLimit } : {}),
      checkpointEvery: options.checkpointEvery ?? 0,
      onStep: async (m) => {
        log?.write({ event: "step", ...m });
        await options.onStep?.(m);
      },
      onEval: async (e) => {
        const r = e.result;
        log?.write({
          event: "eval",
          step: e.step,
          exactAccuracy: r.exactAccuracy,
          accuracy: r.accuracy,
          count: r.count,
          meanSteps: r.meanSteps,
          ...(r.validRate !== undefined ? { validRate: r.validRate } : {}),
        });
        await options.onEval?.(e);
      },
      onCheckpoint: async (step) => {
        await save(periodicCheckpointDir(out!, step));
        await pruneCheckpoints(`${out}/checkpoints`, options.keep ?? 3);
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let checkpoint: string | null = null;
    if (out && !loop.aborted) {
      const before = await savedStep(`${out}/checkpoint`);
      if (before !== null && before > s.stepCount && !options.overwrite) {
        throw new RunFolderError(
          `${out}/checkpoint: holds step ${before}, further than this run's ${s.stepCount}; not replaced ` +
            "(pass --overwrite to replace it)",
        );
      }
      checkpoint = await save(`${out}/checkpoint`);
      if (replaced) await Deno.remove(replaced, { recursive: true });
    }
    const seconds = (performance.now() - started) / 1000;
    log?.write({ event: "end", step: s.stepCount, seconds, aborted: loop.aborted });
    // The model keeps the weights that were evaluated (and saved as model/*): the EMA's.
    if (s instanceof DataParallelSession) await s.sync();
    s.ema?.swap();
    const owner = resumed ?? model;
    const trained = model, puzzles = s.puzzles;
    if (s instanceof DataParallelSession) await s.close();
    else s.dispose();
    session = null;
    model = null;
    resumed = null;
    return {
      runId,
      model: trained,
      puzzles,
      config,
      evaluation: loop.final,
      steps: loop.steps,
      workers,
      seconds,
      checkpoint,
      aborted: loop.aborted,
      dispose: () => owner.dispose(),
      [Symbol.dispose]: () => owner.dispose(),
    };
  } finally {
    session?.dispose();
    if (resumed) resumed.dispose();
    else model?.dispose();
    log?.[Symbol.dispose]();
    lock?.[Symbol.dispose]();
  }
}
