/**
 * The ACT loss head of a training step, against the recursion scheme: answer loss and q_halt BCE on the
 * scheme's output state, plus (q-learning schemes, HRM) the q_continue BCE against the bootstrapped
 * target. Every tensor is kept past the gradient tape so the step can read it afterwards.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { actLoss, binaryCrossEntropyWithLogits } from "./loss.ts";
import type { Trm } from "./model.ts";
import { type State, supervisionForward } from "./recursion.ts";

/** The loss head's tensors of one step, kept past the tape (all owned by the step). */
export interface HeadLoss {
  readonly total: tf.Scalar;
  readonly lmLoss: tf.Scalar;
  readonly qHaltLoss: tf.Scalar;
  readonly qContinueLoss: tf.Scalar;
  readonly qHalt: tf.Tensor1D;
  readonly qContinue: tf.Tensor1D;
  readonly count: tf.Tensor1D;
  readonly correct: tf.Tensor1D;
  readonly exact: tf.Tensor1D;
}

/** What a q-learning scheme's bootstrapped target needs besides the new state. */
export interface NextStep {
  readonly inputs: tf.Tensor2D;
  readonly rows: tf.Tensor2D;
  /** [B] bool: this is the row's last allowed supervision step. */
  readonly isLast: tf.Tensor1D;
}

/**
 * HRM's Q-learning target, sigmoid(last ? q_halt' : max(q_halt', q_continue')) from the heads of one
 * more supervision step on the new state, computed off the tape (a custom op with zero gradient: its
 * inner ops are not recorded), as the reference computes it under `torch.no_grad()`.
 */
function bootstrapTarget(model: Trm, state: State, next: NextStep): tf.Tensor1D {
  const names = Object.keys(state);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, names.length) as tf.Tensor3D[];
    const value = tf.tidy(() => {
      const s = Object.fromEntries(names.map((k, i) => [k, ts[i]!]));
      const after = supervisionForward(model, model.embed(next.inputs, next.rows), s);
      const h = model.heads(after[model.config.scheme.output]!);
      return tf.sigmoid(tf.where(next.isLast, h.qHalt, tf.maximum(h.qHalt, h.qContinue)));
    });
    return { value, gradFunc: () => ts.map((t) => tf.zerosLike(t)) };
  });
  return op(...names.map((k) => state[k]!)) as tf.Tensor1D;
}

/** Heads and ACT loss on the scheme's output state, every tensor kept for reading after the tape. */
export function headLoss(model: Trm, state: State, labels: tf.Tensor2D, next: NextStep): HeadLoss {
  const { scheme, optim, supervision } = model.config;
  const { logits, qHalt, qContinue } = model.heads(state[scheme.output]!);
  const l = actLoss(logits, qHalt, labels, optim.loss);
  // q-learning (HRM): lm + 0.5 (q_halt + q_continue), the continue target bootstrapped from the next step.
  const qContinueLoss = scheme.halting === "q-learning" && supervision.maxSteps > 1
    ? tf.sum(binaryCrossEntropyWithLogits(qContinue, bootstrapTarget(model, state, next))) as tf.Scalar
    : tf.scalar(0);
  const total = tf.add(l.total, tf.mul(qContinueLoss, 0.5)) as tf.Scalar;
  const out = {
    total,
    lmLoss: l.lmLoss,
    qHaltLoss: l.qHaltLoss,
    qContinueLoss,
    qHalt,
    qContinue,
    ...l.stats,
  };
  for (const t of Object.values(out)) tf.keep(t);
  return out;
}

/** The tensors of `h` read after a step, in the order `step` destructures them. */
export const headTensors = (h: HeadLoss): tf.Tensor[] => [
  h.lmLoss,
  h.qHaltLoss,
  h.qContinueLoss,
  h.qHalt,
  h.qContinue,
  h.count,
  h.correct,
  h.exact,
];
