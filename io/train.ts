/**
 * `train(task, options)`: the whole run the CLI does, as a library call. It builds the model (a small
 * CPU-sized config unless given one), the data (the task's `generate`/`load` hooks unless given data),
 * trains with the cross-batch carry (`trainLoop`), evaluates the EMA weights, and with `out` keeps a run
 * folder: `metrics.jsonl`, periodic and final atomic checkpoints (recording the task's specifier, so
 * `eval`/`solve` reload the same task), a lock, and exact resume. `deno task train` is a shell over it.
 *
 * @module
 */
import {
  configToJson,
  createTrm,
  type EvaluateResult,
  matmulKernel,
  type PuzzleEmbedding,
  resolveConfig,
  runLengthWarnings,
  SMALL_STEPS,
  type StepMetrics,
  type Task,
  taskData,
  type TestSource,
  type TrainEval,
  trainLoop,
  TrainSession,
  type TrainSource,
  type Trm,
  type TrmConfig,
  type TrmConfigInput,
} from "../core/mod.ts";
import { small } from "../presets.ts";
import { loadCheckpoint, type LoadedCheckpoint, restoreSession, saveCheckpoint } from "./checkpoint.ts";
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

/** Data given to {@linkcode train} instead of the task's hooks. */
export interface TrainData {
  /** Training batches. */
  readonly train: TrainSource;
  /** Held-out examples. */
  readonly test: TestSource;
  /** One line for the log. */
  readonly describe?: string;
  /** How to rebuild this data on resume (recorded in checkpoints); default `{ kind: "custom" }`. */
  readonly recipe?: RunRecipe["data"];
}

/** What {@linkcode train} reports before the first step. */
export interface TrainStart {
  /** The run id written into every metrics record. */
  readonly runId: string;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** Trainable parameters (without the puzzle table). */
  readonly params: number;
  /** The step the run starts at (0, or the resumed checkpoint's). */
  readonly step: number;
  /** Optimizer steps of the whole run. */
  readonly steps: number;
  /** The data, in one line. */
  readonly describe: string;
  /** Bytes of the puzzle-embedding table. */
  readonly puzzleTableBytes: number;
  /** Run-length problems (warmup or EMA horizon longer than the run), one line each. */
  readonly warnings: readonly string[];
  /** The run folder, or null. */
  readonly out: string | null;
}

/** Options of {@linkcode train}; every field is optional. */
export interface TrainOptions {
  /** Model and optimisation. Default: `presets.small(task, steps)` (CPU-sized, the task's preset merged in). */
  readonly config?: TrmConfigInput;
  /** Optimizer steps. Default: the resumed recipe's, else the task preset's, else 400. */
  readonly steps?: number;
  /** Seed of data, initialisation and exploration. Default 0 (a resumed run keeps its own). */
  readonly seed?: number;
  /** Data; default: `taskData(task, { seed, trainSize, testSize, path: dataPath })`. */
  readonly data?: TrainData;
  /** Generated training puzzles (default: the task preset's, else 1000). */
  readonly trainSize?: number;
  /** Held-out puzzles (default: the task preset's, else 200). */
  readonly testSize?: number;
  /** A file or folder the task's `load` hook reads (instead of generated puzzles). */
  readonly dataPath?: string;
  /** The run folder (created): metrics.jsonl, checkpoint/, checkpoints/. Default: nothing is written. */
  readonly out?: string;
  /** Evaluate every N steps (default: only at the end). */
  readonly evalEvery?: number;
  /** Evaluate at most N held-out examples. */
  readonly evalLimit?: number;
  /** Save a checkpoint every N steps under `out/checkpoints` (needs `out`). */
  readonly checkpointEvery?: number;
  /** Periodic checkpoints kept (default 3). */
  readonly keep?: number;
  /** A checkpoint folder to continue exactly (config, seed and data recipe come from it). */
  readonly resume?: string;
  /** Train into an `out` that holds another run; its final checkpoint is replaced only at the end. */
  readonly overwrite?: boolean;
  /** How the task is named in checkpoints (a built-in name or a module specifier). Default: its spec name. */
  readonly taskSpecifier?: string;
  /** Preset name recorded in checkpoints (default null). */
  readonly preset?: string;
  /** Before the first step. */
  readonly onStart?: (start: TrainStart) => void;
  /** After every optimizer step. */
  readonly onStep?: (metrics: StepMetrics) => void | Promise<void>;
  /** After every held-out evaluation. */
  readonly onEval?: (evaluation: TrainEval) => void | Promise<void>;
  /** Stops after the step in progress (nothing more is saved; periodic checkpoints stay). */
  readonly signal?: AbortSignal;
}

/** A finished run: it owns the model (EMA weights, as evaluated); dispose it when done. */
export interface TrainResult extends Disposable {
  /** The run id. */
  readonly runId: string;
  /** The trained model, holding the EMA weights when the run has an EMA. */
  readonly model: Trm;
  /** The trained puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** The final held-out evaluation (null when stopped by the signal). */
  readonly evaluation: EvaluateResult | null;
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** The final checkpoint's folder (with `out`), else null. */
  readonly checkpoint: string | null;
  /** True when the signal stopped the run. */
  readonly aborted: boolean;
  /** Releases the model. */
  dispose(): void;
}

/** The data options a resumed recipe stands for (generated or files; anything else needs `data`). */
function recipeDataOptions(recipe: RunRecipe, source: string) {
  const d = recipe.data;
  const sizes = {
    ...(typeof d.trainSize === "number" ? { trainSize: d.trainSize } : {}),
    ...(typeof d.testSize === "number" ? { testSize: d.testSize } : {}),
  };
  if (d.kind === "generated") return sizes;
  if (d.kind === "files" && typeof d.path === "string") return { ...sizes, path: d.path };
  throw new RunFolderError(
    `${source}: its data (kind "${d.kind}") cannot be rebuilt here: pass data to train()`,
  );
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
  let resumed: LoadedCheckpoint | null = null;
  let model: Trm | null = null;
  let session: TrainSession | null = null;
  let log: MetricsLog | null = null;
  let lock: Disposable | null = null;
  try {
    if (out) {
      const resumingHere = resumeDir !== undefined && out === runFolderOf(resumeDir);
      await prepareRunFolder(out, { resumingHere, overwrite: options.overwrite === true });
      lock = await lockRun(out, runId);
      // Under the lock no one else writes here: leftovers of an interrupted swap are put back or removed.
      await recoverCheckpoint(`${out}/checkpoint`, { ownerGone: true });
      await recoverCheckpointsIn(`${out}/checkpoints`, { ownerGone: true });
      if (options.overwrite) {
        await Deno.remove(`${out}/checkpoints`, { recursive: true }).catch(() => {});
        await Deno.truncate(`${out}/metrics.jsonl`).catch(() => {});
      }
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
    const config = resumed ? resumed.config : resolveConfig(options.config ?? small(task, steps));
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
    session = new TrainSession(model, {
      totalSteps: steps,
      seed,
      ...(resumed ? { puzzles: resumed.puzzles } : {}),
    });
    if (resumed) restoreSession(resumed, session);
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
      warnings: resumed ? [] : runLengthWarnings(config, steps),
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
    }
    const seconds = (performance.now() - started) / 1000;
    log?.write({ event: "end", step: s.stepCount, seconds, aborted: loop.aborted });
    // The model keeps the weights that were evaluated (and saved as model/*): the EMA's.
    s.ema?.swap();
    const owner = resumed ?? model;
    const trained = model, puzzles = s.puzzles;
    s.dispose();
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
