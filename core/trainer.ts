/**
 * The training loop, without files: steps a `TrainSession` (or a `DataParallelSession`) over a {@linkcode TrainSource}
 * (the session keeps the cross-batch carry), evaluates the EMA weights every `evalEvery` steps and at
 * the end, and reports every step and evaluation through callbacks. `train()` in `@recursive/trm/io`
 * adds the run folder (metrics JSONL, atomic checkpoints, resume) on top of it; the CLI is a shell over
 * that.
 *
 * A non-finite loss stops the loop: `session.step` throws {@linkcode NonFiniteLossError} before the
 * weights change, so whatever was saved before stays the last good state.
 *
 * @module
 */
import { evaluate, type EvaluateResult } from "./evaluate.ts";
import type { StepMetrics, TrainingSession } from "./session_types.ts";
import type { Task, TestSource, TrainSource } from "./task.ts";

/** A held-out evaluation during or at the end of training. */
export interface TrainEval {
  /** Optimizer steps taken when it ran. */
  readonly step: number;
  /** The result (on the EMA weights when the run has an EMA). */
  readonly result: EvaluateResult;
  /** True for the evaluation at the end of the run. */
  readonly final: boolean;
}

/** Options of {@linkcode trainLoop}. */
export interface TrainLoopOptions {
  /** Total optimizer steps of the run (the loop starts at `session.stepCount`). */
  readonly steps: number;
  /** Held-out data; without it nothing is evaluated. */
  readonly test?: TestSource;
  /** The task, for its `score` and `validate` in evaluations. */
  readonly task?: Task<unknown>;
  /** Evaluate every N steps (0 or absent: only at the end). */
  readonly evalEvery?: number;
  /** Evaluate at most this many held-out examples. */
  readonly evalLimit?: number;
  /** Call `onCheckpoint` every N steps (0 or absent: never; the end is the caller's). */
  readonly checkpointEvery?: number;
  /** After every optimizer step. */
  readonly onStep?: (metrics: StepMetrics) => void | Promise<void>;
  /** After every evaluation. */
  readonly onEval?: (evaluation: TrainEval) => void | Promise<void>;
  /** Every `checkpointEvery` steps (not at the last step). */
  readonly onCheckpoint?: (step: number) => void | Promise<void>;
  /** Stops the loop after the step in progress (no final evaluation). */
  readonly signal?: AbortSignal;
}

/** What {@linkcode trainLoop} did. */
export interface TrainLoopResult {
  /** Optimizer steps taken in total (`session.stepCount`). */
  readonly steps: number;
  /** The final evaluation, or null without `test` or when stopped by the signal. */
  readonly final: EvaluateResult | null;
  /** True when the signal stopped the loop early. */
  readonly aborted: boolean;
}

/**
 * Evaluates the session's model on `test` with the EMA weights when it has an EMA (the weights the
 * paper reports), restoring the live weights afterwards.
 *
 * @example
 * ```ts
 * import { createTrm, evaluateSession, initBackend, listTestSource, resolveConfig, TrainSession } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 }, optim: { batchSize: 2 } });
 * using model = createTrm(spec, config);
 * using session = new TrainSession(model, { totalSteps: 1 });
 * const t = Int32Array.from([1, 2, 2, 1]);
 * const r = await evaluateSession(session, listTestSource(spec, [{ input: t, label: t, puzzleId: 0 }]));
 * if (r.count !== 1) throw new Error("one example");
 * ```
 */
export async function evaluateSession(
  session: TrainingSession,
  test: TestSource,
  options: { readonly limit?: number; readonly task?: Task<unknown> } = {},
): Promise<EvaluateResult> {
  await session.sync?.();
  const run = () =>
    evaluate(session.model, test, session.puzzles, {
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.task ? { task: options.task } : {}),
    });
  return session.ema ? await session.ema.withShadows(run) : await run();
}

/**
 * Trains `session` on `train` up to `options.steps` optimizer steps, evaluating on `options.test`
 * every `evalEvery` steps and at the end. Batches come from `train.batch(step, batchSize)`, so a resumed
 * session (its `stepCount` restored) sees exactly the batches of an uninterrupted run.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, listTestSource, resolveConfig, shuffledTrainSource, TrainSession, trainLoop } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 }, recursion: { n: 1, T: 1 },
 *   supervision: { maxSteps: 2 }, optim: { batchSize: 2, warmupSteps: 0 },
 * });
 * const t = Int32Array.from([1, 2, 2, 1]), ex = { input: t, label: t, puzzleId: 0 };
 * using model = createTrm(spec, config);
 * using session = new TrainSession(model, { totalSteps: 3 });
 * const losses: number[] = [];
 * const r = await trainLoop(session, shuffledTrainSource(spec, 4, 0, () => ex), {
 *   steps: 3, test: listTestSource(spec, [ex]), onStep: (m) => void losses.push(m.loss),
 * });
 * if (r.steps !== 3 || losses.length !== 3 || r.final?.count !== 1) throw new Error(JSON.stringify(r));
 * ```
 */
export async function trainLoop(
  session: TrainingSession,
  train: TrainSource,
  options: TrainLoopOptions,
): Promise<TrainLoopResult> {
  const B = session.model.config.optim.batchSize;
  const evalEvery = options.evalEvery ?? 0, checkpointEvery = options.checkpointEvery ?? 0;
  const heldOut = async (final: boolean): Promise<EvaluateResult | null> => {
    if (!options.test) return null;
    const result = await evaluateSession(session, options.test, {
      ...(options.evalLimit !== undefined ? { limit: options.evalLimit } : {}),
      ...(options.task ? { task: options.task } : {}),
    });
    await options.onEval?.({ step: session.stepCount, result, final });
    return result;
  };
  while (session.stepCount < options.steps) {
    if (options.signal?.aborted) return { steps: session.stepCount, final: null, aborted: true };
    const m = await session.step(train.batch(session.stepCount, B));
    await options.onStep?.(m);
    if (m.step >= options.steps) break;
    if (checkpointEvery > 0 && m.step % checkpointEvery === 0) await options.onCheckpoint?.(m.step);
    if (evalEvery > 0 && m.step % evalEvery === 0) await heldOut(false);
  }
  return { steps: session.stepCount, final: await heldOut(true), aborted: false };
}

/**
 * The last accuracy over halted rows, with how many rows it was measured on: a step where no row halted
 * has no accuracy of its own (NaN in {@linkcode StepMetrics}), so progress shows the last measured one.
 *
 * @example
 * ```ts
 * import { HaltedAccuracy } from "@recursive/trm/core";
 * const a = new HaltedAccuracy();
 * a.update({ count: 4, accuracy: 0.5, exactAccuracy: 0.25, steps: 3 });
 * a.update({ count: 0, accuracy: NaN, exactAccuracy: NaN, steps: NaN });
 * if (a.text() !== "acc 0.500 exact 0.250 (4 halted) halt@3.0") throw new Error(a.text());
 * ```
 */
export class HaltedAccuracy {
  #last: Pick<StepMetrics, "count" | "accuracy" | "exactAccuracy" | "steps"> | null = null;

  /** Records a step's metrics; a step where no row halted keeps the previous values. */
  update(m: Pick<StepMetrics, "count" | "accuracy" | "exactAccuracy" | "steps">): void {
    if (m.count > 0 && Number.isFinite(m.accuracy)) this.#last = m;
  }

  /** `acc A exact E (N halted) halt@S`, or `no row halted yet`. */
  text(): string {
    const m = this.#last;
    if (!m) return "no row halted yet";
    return `acc ${m.accuracy.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)} (${m.count} halted) ` +
      `halt@${m.steps.toFixed(1)}`;
  }
}
