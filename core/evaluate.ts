/**
 * Evaluation (spec 7.1): every batch starts from a fresh carry and runs all N_sup supervision steps
 * without gradient; predictions are the argmax of the last step. Optionally a row stops once its
 * halting logit is positive (inference speed); the steps it used are reported.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchTensors, packBatch, readTensors } from "./batch.ts";
import { checkTensorBudget, type Trm } from "./model.ts";
import { maxTensorBytes } from "./backend.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { resetState, type State, supervisionForward } from "./recursion.ts";
import { haltMarginTensor } from "./scheme.ts";
import { exactScore, type Example, IGNORE_LABEL, type TestSource } from "./task.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Rows per forward batch. Default: the config's batch size. */
  readonly batchSize?: number;
  /** Stop a row at the first step with q_halt > 0 instead of running all N_sup steps. Default false. */
  readonly earlyHalt?: boolean;
  /** Evaluate only the first `limit` examples. */
  readonly limit?: number;
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
 * const r = await evaluate(model, source, new PuzzleEmbedding(1, 16));
 * if (r.count !== 3 || r.stepsUsed[0] !== 2) throw new Error(JSON.stringify(r));
 * ```
 */
export async function evaluate(
  model: Trm,
  source: TestSource,
  puzzles: PuzzleEmbedding,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const c = model.config, N = c.supervision.maxSteps, L = model.spec.seqLen;
  const B = options.batchSize ?? c.optim.batchSize;
  const total = Math.min(source.size, options.limit ?? Infinity);
  checkTensorBudget(c, model.spec, B, maxTensorBytes());
  const predictions: Int32Array[] = [], qHalt = new Float32Array(total), stepsUsed = new Int32Array(total);
  let exact = 0, acc = 0, scored = 0;
  for (let start = 0; start < total; start += B) {
    const n = Math.min(B, total - start);
    const examples: Example[] = [];
    for (let i = 0; i < n; i++) examples.push(source.example(start + i));
    // Pad the last batch to B rows (labels all ignored) so every batch has the same shape.
    const pad = { input: new Int32Array(L), label: new Int32Array(L).fill(IGNORE_LABEL), puzzleId: 0 };
    while (examples.length < B) examples.push(pad);
    const packed = packBatch(model.spec, examples);
    const { inputs, labels } = batchTensors(model.spec, packed);
    const rows = tf.tensor2d(puzzles.gather(packed.puzzleIds), [B, c.model.hidden]);
    const x = model.embed(inputs, rows);
    const all = tf.ones([B], "bool") as tf.Tensor1D;
    let carry: State = resetState(model, null, all);
    const done = new Uint8Array(B).fill(0);
    for (let i = n; i < B; i++) done[i] = 1;
    const preds = Array.from({ length: n }, () => new Int32Array(L));
    try {
      for (let s = 1; s <= N; s++) {
        const next = supervisionForward(model, x, carry);
        tf.dispose(Object.values(carry));
        carry = next;
        const last = s === N;
        if (!last && !options.earlyHalt && !options.onStep) continue;
        const [p, q] = tf.tidy(() => {
          const h = model.heads(carry[c.scheme.output]!);
          // The scheme's halting margin (TRM: q_halt; HRM: q_halt - q_continue) as "q".
          return [tf.argMax(h.logits, -1), haltMarginTensor(c.scheme, h.qHalt, h.qContinue)];
        });
        const [pv, qv] = await readTensors([p!, q!]);
        tf.dispose([p!, q!]);
        for (let b = 0; b < n; b++) {
          if (done[b]) continue;
          preds[b]!.set(Int32Array.from(pv!.subarray(b * L, (b + 1) * L)));
          qHalt[start + b] = qv![b]!;
          stepsUsed[start + b] = s;
          if (last || (options.earlyHalt && qv![b]! > 0)) done[b] = 1;
        }
        options.onStep?.(s, preds, qv!.slice(0, n));
        if (done.every((d) => d === 1)) break;
      }
    } finally {
      tf.dispose([inputs, labels, rows, x, all, ...Object.values(carry)]);
    }
    preds.forEach((p, b) => {
      const ex = examples[b]!;
      if (ex.label.some((t) => t !== IGNORE_LABEL)) {
        const sc = exactScore(p, ex);
        exact += sc.exact ? 1 : 0;
        acc += sc.cellAccuracy;
        scored++;
      }
      predictions.push(p);
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
  };
}
