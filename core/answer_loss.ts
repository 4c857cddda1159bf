/**
 * Answer losses as plugin values (`optim.loss`), like mixers: the per-token loss of the ACT loss head.
 * The reference uses stablemax cross-entropy; softmax is the usual alternative (the paper reports
 * stablemax helps on small data). A third-party loss implements {@linkcode AnswerLoss}.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { tokenCrossEntropy } from "./loss.ts";

/** A per-token loss on the answer. */
export interface AnswerLoss {
  /** Name recorded in checkpoints (`"stablemax"`, `"softmax"`). */
  readonly kind: string;
  /** Loss per token [B, L] from `logits` [B, L, V] and `labels` [B, L] (0 where the label is ignored). */
  tokenLoss(logits: tf.Tensor3D, labels: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Stablemax cross-entropy (the reference's `stablemax_cross_entropy`, the default).
 *
 * @example
 * ```ts
 * import { stablemaxLoss } from "@recursive/trm/core";
 * if (stablemaxLoss().kind !== "stablemax") throw new Error("kind");
 * ```
 */
export function stablemaxLoss(): AnswerLoss {
  return { kind: "stablemax", tokenLoss: (logits, labels) => tokenCrossEntropy(logits, labels, "stablemax") };
}

/**
 * Softmax cross-entropy (the reference's `softmax_cross_entropy` option).
 *
 * @example
 * ```ts
 * import { softmaxLoss } from "@recursive/trm/core";
 * if (softmaxLoss().kind !== "softmax") throw new Error("kind");
 * ```
 */
export function softmaxLoss(): AnswerLoss {
  return { kind: "softmax", tokenLoss: (logits, labels) => tokenCrossEntropy(logits, labels, "softmax") };
}
