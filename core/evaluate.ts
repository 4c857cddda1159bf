/**
 * Evaluation (spec 7.1): every batch starts from a fresh carry and runs all N_sup supervision steps
 * without gradient; predictions are the argmax of the last step. Optionally a row stops once its
 * halting logit is positive (inference speed); the steps it used are reported. The forward passes are
 * {@linkcode predict}'s; this adds scoring (the task's `score` and `validate` when given).
 *
 * @module
 */
import type { Trm } from "./model.ts";
import { predict } from "./predict.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { exactScore, type Example, IGNORE_LABEL, type Task, type TestSource } from "./task.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Rows per forward batch. Default: the config's batch size. */
  readonly batchSize?: number;
  /** Stop a row at the first step with q_halt > 0 instead of running all N_sup steps. Default false. */
  readonly earlyHalt?: boolean;
  /** Evaluate only the first `limit` examples. */
  readonly limit?: number;
  /**
   * The task of the source: its `score` replaces exact match, and its `validate` (on the decoded input
   * and answer) gives {@linkcode EvaluateResult.validRate}.
   */
  readonly task?: Task<unknown>;
  /** Called after each batch with the examples done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called after every supervision step of a batch with each row's argmax answer (`--trace`). */
  readonly onStep?: (step: number, predictions: readonly Int32Array[], qHalt: Float32Array) => void;
}

/** Predictions and metrics of an evaluation. */
export interface EvaluateResult {
  /** Argmax answer per example (length L each). */
  readonly predictions: Int32Array[];
  /** Halting logit per example at the step its answer was taken. */
  readonly qHalt: Float32Array;
  /** Supervision steps used per example. */
  readonly stepsUsed: Int32Array;
  /** Fraction of examples exactly right (over examples with supervised positions). */
  readonly exactAccuracy: number;
  /** Mean token accuracy. */
  readonly accuracy: number;
  /** Mean supervision steps used. */
  readonly meanSteps: number;
  /** Examples evaluated. */
  readonly count: number;
  /** With a task that has `validate`: the fraction of answers that are legal solutions of their puzzle. */
  readonly validRate?: number;
  /** With a task that has `validate`: 1 where the answer is a legal solution. */
  readonly valid?: Uint8Array;
}

/**
 * Evaluates `model` on `source` (use the EMA weights: `session.ema.withShadows(() => evaluate(...))`).
 *
 * @example
 * ```ts
 * import { createTrm, evaluate, initBackend, PuzzleEmbedding, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 16, puzzleEmbLen: 1 }, recursion: { n: 1, T: 1 },
 *   supervision: { maxSteps: 2 }, optim: { batchSize: 2 },
 * });
 * using model = createTrm(spec, config);
 * const ex = { input: Int32Array.from([1, 2, 2, 1]), label: Int32Array.from([1, 2, 2, 1]), puzzleId: 0 };
 * const source = { spec, size: 3, example: () => ex };
 * // A validate hook that accepts only answers starting with token 1.
 * const task = { spec, encode: () => ex, decode: (t: Int32Array) => t, validate: (_p: Int32Array, a: Int32Array) => a[0] === 1 };
 * const r = await evaluate(model, source, new PuzzleEmbedding(1, 16), { task });
 * if (r.count !== 3 || r.stepsUsed[0] !== 2 || r.validRate === undefined) throw new Error(JSON.stringify(r));
 * ```
 */
export async function evaluate(
  model: Trm,
  source: TestSource,
  puzzles: PuzzleEmbedding,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const c = model.config, task = options.task;
  const B = options.batchSize ?? c.optim.batchSize;
  const total = Math.min(source.size, options.limit ?? Infinity);
  const predictions: Int32Array[] = [], qHalt = new Float32Array(total), stepsUsed = new Int32Array(total);
  const valid = task?.validate ? new Uint8Array(total) : undefined;
  const score = task?.score ?? exactScore;
  let exact = 0, acc = 0, scored = 0;
  for (let start = 0; start < total; start += B) {
    const n = Math.min(B, total - start);
    const examples: Example[] = [];
    for (let i = 0; i < n; i++) examples.push(source.example(start + i));
    const onStep = options.onStep;
    const answers = await predict(model, puzzles, examples, {
      batchSize: B,
      haltThreshold: options.earlyHalt ? 0.5 : null,
      ...(onStep
        ? { onStep: (s: number, _: number, a: readonly Int32Array[], q: Float32Array) => onStep(s, a, q) }
        : {}),
    });
    answers.forEach((p, b) => {
      const ex = examples[b]!;
      qHalt[start + b] = p.margin;
      stepsUsed[start + b] = p.steps;
      if (ex.label.some((t) => t !== IGNORE_LABEL)) {
        const sc = score(p.answer, ex);
        exact += sc.exact ? 1 : 0;
        acc += sc.cellAccuracy;
        scored++;
      }
      if (valid) valid[start + b] = task!.validate!(task!.decode(ex.input), task!.decode(p.answer)) ? 1 : 0;
      predictions.push(p.answer);
    });
    options.onProgress?.(start + n, total);
  }
  const meanSteps = total ? stepsUsed.reduce((a, b) => a + b, 0) / total : 0;
  return {
    predictions,
    qHalt,
    stepsUsed,
    exactAccuracy: scored ? exact / scored : 0,
    accuracy: scored ? acc / scored : 0,
    meanSteps,
    count: total,
    ...(valid ? { valid, validRate: total ? valid.reduce((a, b) => a + b, 0) / total : 0 } : {}),
  };
}
