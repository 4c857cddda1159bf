/**
 * Inference (lucidrains' `predict`): answers for one or many puzzles, each row stopping at the first
 * supervision step whose halting probability exceeds a threshold. `evaluate` runs on this.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { packBatch, readTensors } from "./batch.ts";
import { maxTensorBytes } from "./backend.ts";
import { checkTensorBudget, type Trm } from "./model.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { resetState, type State, supervisionForward } from "./recursion.ts";
import { haltMarginTensor } from "./scheme.ts";
import { type Example, IGNORE_LABEL } from "./task.ts";

/** One puzzle to answer: its input tokens, or an example (its `input` and `puzzleId` are used). */
export type PredictInput = Int32Array | Pick<Example, "input" | "puzzleId">;

/** Options of {@linkcode predict}. */
export interface PredictOptions {
  /** Most supervision steps per row. Default: the config's N_sup. */
  readonly maxSteps?: number;
  /**
   * A row stops at the first step whose halting probability sigmoid(margin) exceeds this; `null` runs
   * every row for `maxSteps` (fixed depth, as training's evaluation). Default 0.5 (margin > 0, the
   * reference's `q_halt > 0`).
   */
  readonly haltThreshold?: number | null;
  /** Keep every step's answer in {@linkcode Prediction.trace}. Default false. */
  readonly trace?: boolean;
  /** Rows per forward batch (the last is padded to it). Default: min(config batch size, puzzles). */
  readonly batchSize?: number;
  /**
   * Called after each step that was read back, per batch: `first` is the index of the batch's first
   * puzzle, `answers` its rows' current answers (frozen once halted) and `margins` their halting
   * margins at that step.
   */
  readonly onStep?: (
    step: number,
    first: number,
    answers: readonly Int32Array[],
    margins: Float32Array,
  ) => void;
  /**
   * Replaces the state entering supervision step `step` (1 = the fresh init state) of the batch whose
   * first row is puzzle `first` (the batch has `batchSize` rows; those past the last puzzle are
   * padding). Test-time noise (`sample`, core/sampling.ts) is this hook. It returns new tensors for the states
   * it changes (and may return the others as they are); predict owns what it returns and disposes what
   * it replaced. It must not dispose `state`.
   */
  readonly perturb?: (state: State, step: number, first: number) => State;
}

/** The model's answer to one puzzle. */
export interface Prediction {
  /** Argmax answer tokens (length L) at the step the row stopped. */
  readonly answer: Int32Array;
  /** Supervision steps used. */
  readonly steps: number;
  /** Halting margin (TRM: q_halt) at the step the answer was taken. */
  readonly margin: number;
  /**
   * Halting probability sigmoid(margin) after each step that was read back (every step with a
   * threshold or `trace`; only the last otherwise).
   */
  readonly haltProbabilities: Float32Array;
  /** With `trace`: the answer after every step 1..steps. */
  readonly trace?: readonly Int32Array[];
}

/** Halting probability sigmoid(margin). */
export function haltProbabilityOf(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/**
 * Answers `inputs` with `model` (use the EMA weights: `session.ema.withShadows(() => predict(...))`).
 * Rows are batched; each halts on its own (the rest of its batch runs on, its answer frozen). No
 * randomness: the same weights and inputs give the same answers.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, predict, PuzzleEmbedding, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 16, puzzleEmbLen: 1 }, recursion: { n: 1, T: 1 },
 *   supervision: { maxSteps: 3 }, optim: { batchSize: 2 },
 * });
 * using model = createTrm(spec, config);
 * const [p] = await predict(model, new PuzzleEmbedding(1, 16), [Int32Array.from([1, 2, 2, 1])], { trace: true });
 * // q_head starts at bias -5 (p = 0.007): nothing halts before N_sup.
 * if (p!.steps !== 3 || p!.trace!.length !== 3 || p!.haltProbabilities.length !== 3) throw new Error("steps");
 * ```
 */
export async function predict(
  model: Trm,
  puzzles: PuzzleEmbedding,
  inputs: readonly PredictInput[],
  options: PredictOptions = {},
): Promise<Prediction[]> {
  const c = model.config, L = model.spec.seqLen, total = inputs.length;
  const N = options.maxSteps ?? c.supervision.maxSteps;
  if (!(Number.isInteger(N) && N >= 1)) throw new RangeError(`predict: maxSteps must be >= 1, got ${N}`);
  const threshold = options.haltThreshold === undefined ? 0.5 : options.haltThreshold;
  if (threshold !== null && !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`predict: haltThreshold must be in [0, 1] or null, got ${threshold}`);
  }
  // Compare margins with logit(threshold), not probabilities: 0.5 is then exactly "margin > 0", where
  // sigmoid would round a tiny positive margin to 0.5.
  const cut = threshold === null ? Infinity : Math.log(threshold / (1 - threshold));
  const B = Math.max(1, Math.min(options.batchSize ?? c.optim.batchSize, total));
  if (total === 0) return [];
  checkTensorBudget(c, model.spec, B, maxTensorBytes());
  const out: Prediction[] = [];
  const readEvery = threshold !== null || options.trace === true || options.onStep !== undefined;
  for (let start = 0; start < total; start += B) {
    const n = Math.min(B, total - start);
    const examples: Example[] = [];
    for (let i = 0; i < n; i++) {
      const v = inputs[start + i]!;
      const input = v instanceof Int32Array ? v : v.input;
      examples.push({ input, label: input, puzzleId: v instanceof Int32Array ? 0 : v.puzzleId });
    }
    // Pad the last batch to B rows so every batch has one shape (compiled kernels are reused).
    const pad = { input: new Int32Array(L), label: new Int32Array(L).fill(IGNORE_LABEL), puzzleId: 0 };
    while (examples.length < B) examples.push(pad);
    const packed = packBatch(model.spec, examples);
    const inputsT = tf.tensor2d(packed.inputs, [B, L], "int32");
    const rows = tf.tensor2d(puzzles.gather(packed.puzzleIds), [B, c.model.hidden]);
    const x = model.embed(inputsT, rows);
    const all = tf.ones([B], "bool") as tf.Tensor1D;
    let carry: State = resetState(model, null, all);
    const done = new Uint8Array(n), steps = new Int32Array(n), margins = new Float32Array(n);
    const answers = Array.from({ length: n }, () => new Int32Array(L));
    const probs: number[][] = Array.from({ length: n }, () => []);
    const traces: Int32Array[][] = Array.from({ length: n }, () => []);
    try {
      for (let s = 1; s <= N; s++) {
        if (options.perturb) {
          const changed = options.perturb(carry, s, start), kept = new Set(Object.values(changed));
          for (const t of Object.values(carry)) if (!kept.has(t)) t.dispose();
          carry = changed;
        }
        const next = supervisionForward(model, x, carry);
        tf.dispose(Object.values(carry));
        carry = next;
        const last = s === N;
        if (!last && !readEvery) continue;
        const [p, q] = tf.tidy(() => {
          const h = model.heads(carry[c.scheme.output]!);
          // The scheme's halting margin (TRM: q_halt; HRM: q_halt - q_continue).
          return [tf.argMax(h.logits, -1), haltMarginTensor(c.scheme, h.qHalt, h.qContinue)];
        });
        const [pv, qv] = await readTensors([p!, q!]);
        tf.dispose([p!, q!]);
        for (let b = 0; b < n; b++) {
          if (done[b]) continue;
          answers[b]!.set(pv!.subarray(b * L, (b + 1) * L));
          margins[b] = qv![b]!;
          steps[b] = s;
          probs[b]!.push(haltProbabilityOf(qv![b]!));
          if (options.trace) traces[b]!.push(answers[b]!.slice());
          if (last || qv![b]! > cut) done[b] = 1;
        }
        options.onStep?.(s, start, answers, qv!.slice(0, n));
        if (done.every((d) => d === 1)) break;
      }
    } finally {
      tf.dispose([inputsT, rows, x, all, ...Object.values(carry)]);
    }
    for (let b = 0; b < n; b++) {
      out.push({
        answer: answers[b]!,
        steps: steps[b]!,
        margin: margins[b]!,
        haltProbabilities: Float32Array.from(probs[b]!),
        ...(options.trace ? { trace: traces[b]! } : {}),
      });
    }
  }
  return out;
}
