/**
 * Losses and per-row statistics of the ACT loss head (spec 4): stablemax (default) or softmax
 * cross-entropy averaged per sequence, and BCE of the halting logit against "sequence exactly right".
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { AnswerLoss } from "./answer_loss.ts";
import { IGNORE_LABEL } from "./task.ts";

/**
 * s(x) = x + 1 for x >= 0 and 1 / (1 - x) for x < 0 (the reference's `torch.where(x < 0, ..., x + 1)`),
 * written as max(x, 0) + 1 / (1 + relu(-x)): exact on both branches, and no `where` whose condition
 * would sit on the tape (tfjs has no gradient for comparisons). The slope at exactly 0 (or -0) is the
 * reference's 1: tfjs's maximum(a, b) sends the gradient to `a` where a >= b, and relu has slope 0 at
 * 0 (relu(x) in place of max(x, 0) gives slope 0 there). For x != 0 every gradient term but one is an
 * exact 0, so the slope is bit-identical to that of relu(x) + 1 / (1 + relu(-x)). Not x - min(x, 0) +
 * 1 / (1 - min(x, 0)): for x < 0 its tape sums dy + (-dy + c) with c = dy / (1 - x)^2, a cancellation
 * that leaves c an error of ~ulp(dy), i.e. relative (1 - x)^2 * 6e-8 (measured 4e-6 at x = -8), which
 * AdamATan2's sign-like steps carry into training and which splits cpu from webgpu.
 * Linear rather than exponential for large logits (Prieto et al.).
 */
function stablemaxS(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.maximum(x, 0), tf.reciprocal(tf.add(tf.relu(tf.neg(x)), 1)));
}

/**
 * Per-token cross-entropy [B, L] (0 where the label is ignored).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, tokenCrossEntropy } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const ce = tokenCrossEntropy(tf.tensor3d([[[2, 0, -1, -3]]]), tf.tensor2d([[0]], [1, 1], "int32"), "stablemax");
 * if (Math.abs((await ce.data())[0]! - 0.45953) > 1e-4) throw new Error("spec 4.1 example");
 * ```
 */
export function tokenCrossEntropy(
  logits: tf.Tensor3D,
  labels: tf.Tensor2D,
  kind: "stablemax" | "softmax",
): tf.Tensor2D {
  return tf.tidy(() => {
    const V = logits.shape[2];
    const mask = tf.notEqual(labels, IGNORE_LABEL);
    const target = tf.oneHot(tf.where(mask, labels, tf.zerosLike(labels)), V); // constant w.r.t. the tape
    let logp: tf.Tensor;
    if (kind === "stablemax") {
      const s = stablemaxS(logits);
      logp = tf.sub(tf.log(tf.sum(tf.mul(s, target), -1)), tf.log(tf.sum(s, -1)));
    } else {
      logp = tf.sum(tf.mul(tf.logSoftmax(logits), target), -1);
    }
    return tf.mul(tf.neg(logp), tf.cast(mask, "float32")) as tf.Tensor2D;
  });
}

/**
 * BCE with logits, elementwise: max(x, 0) - x * t + log(1 + exp(-|x|)).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { binaryCrossEntropyWithLogits, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const l = await binaryCrossEntropyWithLogits(tf.tensor1d([-5, -5]), tf.tensor1d([0, 1])).data();
 * if (Math.abs(l[0]! - 0.0067153) > 1e-6 || Math.abs(l[1]! - 5.0067153) > 1e-5) throw new Error(String(l));
 * ```
 */
export function binaryCrossEntropyWithLogits(x: tf.Tensor1D, target: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() =>
    tf.add(tf.sub(tf.relu(x), tf.mul(x, target)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))) as tf.Tensor1D
  );
}

/**
 * Runs `fn` as one opaque op whose gradient is zero: the tfjs counterpart of `torch.no_grad()` for a
 * value computed from taped tensors (argmax, comparisons). Ops inside a custom op are not recorded.
 */
function withoutGradient(x: tf.Tensor, fn: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: fn(input), gradFunc: () => tf.zerosLike(input) };
  });
  return op(x);
}

/** Per-row statistics [B] of a step's answer. */
export interface RowStats {
  /** Supervised tokens per row (count_b). */
  readonly count: tf.Tensor1D;
  /** Correct supervised tokens per row. */
  readonly correct: tf.Tensor1D;
  /** 1 where every supervised token is right (seq_correct_b), else 0. */
  readonly exact: tf.Tensor1D;
}

/** The ACT loss of one supervision step (spec 4.4), summed over the batch (divide by B for the mean). */
export interface ActLoss {
  /** lm_loss + 0.5 * q_halt_loss. */
  readonly total: tf.Scalar;
  /** Sum over rows of the per-row mean token loss. */
  readonly lmLoss: tf.Scalar;
  /** Sum over rows of BCE(q_halt, exact). */
  readonly qHaltLoss: tf.Scalar;
  /** Row statistics (computed without gradient). */
  readonly stats: RowStats;
}

/**
 * The reference's loss head for one step: `logits` [B, L, V], `qHalt` [B], `labels` [B, L] int32.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { actLoss, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const labels = tf.tensor2d([[1, -100]], [1, 2], "int32");
 * const l = actLoss(tf.tensor3d([[[0, 9], [0, 0]]]), tf.tensor1d([-5]), labels, "softmax");
 * if ((await l.stats.exact.data())[0] !== 1) throw new Error("the one supervised token is right");
 * ```
 */
export function actLoss(
  logits: tf.Tensor3D,
  qHalt: tf.Tensor1D,
  labels: tf.Tensor2D,
  loss: AnswerLoss | "stablemax" | "softmax",
): ActLoss {
  return tf.tidy(() => {
    const maskF = tf.cast(tf.notEqual(labels, IGNORE_LABEL), "float32");
    const count = tf.sum(maskF, -1) as tf.Tensor1D;
    const div = tf.maximum(count, 1);
    const perToken = typeof loss === "string"
      ? tokenCrossEntropy(logits, labels, loss)
      : loss.tokenLoss(logits, labels);
    const lmLoss = tf.sum(tf.div(tf.sum(perToken, -1), div)) as tf.Scalar;
    // [correct_b, exact_b] from the argmax, outside the gradient (the BCE target is a constant).
    const rowStats = withoutGradient(logits, (lg) => {
      const hit = tf.mul(tf.cast(tf.equal(tf.argMax(lg, -1), labels), "float32"), maskF);
      const correct = tf.sum(hit, -1);
      return tf.stack([correct, tf.cast(tf.equal(correct, count), "float32")], 1);
    });
    const [correct, exact] = tf.unstack(rowStats, 1) as [tf.Tensor1D, tf.Tensor1D];
    const qHaltLoss = tf.sum(binaryCrossEntropyWithLogits(qHalt, exact)) as tf.Scalar;
    const total = tf.add(lmLoss, tf.mul(qHaltLoss, 0.5)) as tf.Scalar;
    return { total, lmLoss, qHaltLoss, stats: { count, correct, exact } };
  });
}
