/**
 * One supervision step's gradients for a set of batch slots, with every input and every result that is
 * not a gradient or a carry on the host. `TrainSession.step` runs it on all B slots in-process; the
 * data-parallel workers (`data_parallel.ts`) run it on their share of the slots, so both paths share
 * one copy of the step's numerics. The loss is divided by the global batch size, as the reference's is,
 * so the gradients of all shares sum to the gradient of the whole batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type HeadLoss, headLoss, headTensors } from "./act_head.ts";
import { batchTensors, type PackedBatch, readTensors } from "./batch.ts";
import type { Trm } from "./model.ts";
import { resetState, type State, supervisionStep } from "./recursion.ts";

/** The step's work on S slots, all on the host. */
export interface SlotWork {
  /** The slots' examples (S rows). */
  readonly packed: PackedBatch;
  /** Their puzzle-table rows, [S * D]. */
  readonly rows: Float32Array;
  /** [S]: 1 where the slot was refilled (it starts from the init state, not from the carry). */
  readonly reset: Uint8Array;
  /** [S]: 1 where this is the slot's last allowed supervision step (N_sup). */
  readonly isLast: Uint8Array;
  /** Learning rate of this step's AdamATan2 update (replicas elsewhere apply it too). */
  readonly lr: number;
}

/** The host values of one step on S slots: sums over those slots. */
export interface SlotValues {
  /** The slots' share of the step loss: sum of their total losses / the global batch size. */
  readonly loss: number;
  /** Sum of the slots' lm_loss. */
  readonly lmLoss: number;
  /** Sum of the slots' q_halt_loss. */
  readonly qHaltLoss: number;
  /** Sum of the slots' q_continue_loss (0 unless the scheme is q-learning). */
  readonly qContinueLoss: number;
  /** Gradient of the slots' puzzle-table rows, [S * D]. */
  readonly puzzleGrad: Float32Array;
  /** [S] q_halt logits. */
  readonly qHalt: Float32Array;
  /** [S] q_continue logits. */
  readonly qContinue: Float32Array;
  /** [S] supervised tokens. */
  readonly count: Float32Array;
  /** [S] correct supervised tokens. */
  readonly correct: Float32Array;
  /** [S] 1 where the answer is exactly right. */
  readonly exact: Float32Array;
}

/** {@linkcode slotGradients}' result: host values plus tensors the caller owns. */
export interface SlotGradients extends SlotValues {
  /** Gradient of every variable the step reached, by variable name. */
  readonly grads: Record<string, tf.Tensor>;
  /** The slots' next carry, [S, L', D] per state. */
  readonly state: State;
}

/**
 * The gradients of one supervision step on `work`'s slots, from `carry` (null: every slot starts from
 * the init state), with the loss divided by `divisor` (the global batch size). `dropCarry` is called as
 * soon as the starting state is built (the carry is no longer needed then, and freeing it early keeps
 * the step's peak low); before that, on an error, the caller still owns the carry.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, packBatch, resolveConfig, slotGradients } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * using model = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } }));
 * const ex = { input: Int32Array.from([1, 2, 2, 1]), label: Int32Array.from([1, 2, 2, 1]), puzzleId: 0 };
 * const work = {
 *   packed: packBatch(spec, [ex]), rows: new Float32Array(8), reset: Uint8Array.of(1), isLast: Uint8Array.of(0), lr: 0,
 * };
 * const g = await slotGradients(model, work, 4, null, () => {});
 * if (g.qHalt.length !== 1 || !(g.loss > 0)) throw new Error(String(g.loss));
 * tf.dispose([...Object.values(g.grads), ...Object.values(g.state)]);
 * ```
 */
export async function slotGradients(
  model: Trm,
  work: SlotWork,
  divisor: number,
  carry: State | null,
  dropCarry: () => void,
): Promise<SlotGradients> {
  const S = work.reset.length, D = model.config.model.hidden;
  const { inputs, labels } = batchTensors(model.spec, work.packed);
  const rows = tf.tensor2d(work.rows, [S, D]);
  const resetT = tf.tensor1d(work.reset, "bool");
  const isLast = tf.tensor1d(work.isLast, "bool");
  const start = resetState(model, carry, resetT);
  dropCarry(); // `start` holds new tensors (rows that continue copied their values)
  let head: HeadLoss | undefined;
  const g = (() => {
    try {
      return supervisionStep(model, inputs, rows, start, (state) => {
        head = headLoss(model, state, labels, { inputs, rows, isLast });
        return tf.div(head.total, divisor) as tf.Scalar;
      });
    } catch (e) {
      tf.dispose([labels, ...Object.values(start), ...(head ? Object.values(head) : [])]);
      throw e;
    } finally {
      tf.dispose([inputs, rows, resetT, isLast]);
    }
  })();
  for (const t of Object.values(start)) if (!Object.values(g.state).includes(t)) t.dispose();
  try {
    const read = await readTensors([g.value, g.puzzleGrad, ...headTensors(head!)]);
    const [loss, pg, lm, qh, qc, qHalt, qContinue, count, correct, exact] = read;
    return {
      loss: loss![0]!,
      lmLoss: lm![0]!,
      qHaltLoss: qh![0]!,
      qContinueLoss: qc![0]!,
      puzzleGrad: pg!,
      qHalt: qHalt!,
      qContinue: qContinue!,
      count: count!,
      correct: correct!,
      exact: exact!,
      grads: g.grads,
      state: g.state,
    };
  } catch (e) {
    tf.dispose([...Object.values(g.state), ...Object.values(g.grads)]);
    throw e;
  } finally {
    tf.dispose([labels, g.value, g.puzzleGrad]);
    if (head) tf.dispose(Object.values(head));
  }
}

/**
 * What a gradient computation hands back to `TrainSession.stepWith`: the values of all B slots, in slot
 * order, and the gradient summed over them.
 */
export interface ComputedStep extends SlotValues {
  /** The gradient per model variable, in `model.variables` order (undefined: none); `stepWith` disposes them. */
  readonly grads: readonly (tf.Tensor | undefined)[];
  /**
   * True when `commit` applies the network's update (AdamATan2 and EMA) where the weights are kept, as
   * data-parallel replicas do: `stepWith` then skips its own (its copy lags until the caller syncs it),
   * and `grads` may be empty. The puzzle table and the halting stay the session's.
   */
  readonly updatedByCommit?: boolean;
  /** Keeps the step's new carry; called once the updates succeeded. */
  commit(): void;
  /** Drops the step's new carry; called when the step fails (a non-finite loss). */
  discard(): void;
}

/** Computes the gradients of one step on all B slots (in-process, or split across workers). */
export type SlotCompute = (work: SlotWork) => Promise<ComputedStep>;
