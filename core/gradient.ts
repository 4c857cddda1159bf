/**
 * Gradient strategies: how the on-tape part of a supervision step is differentiated. A strategy is a
 * plugin value in the config (`optim.gradient`), like a mixer: {@linkcode reverseMode} (the reference:
 * keep every activation) or `recomputation()` (keep only each evaluation's input, see recompute.ts).
 * Both run the same {@linkcode Update} list, so neither holds a copy of the recursion.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Trm } from "./model.ts";
import { runUpdates, type State, type Update } from "./recursion.ts";

/** What a gradient strategy returns; every tensor is owned by the caller. */
export interface StepGradients {
  /** The scalar loss. */
  readonly value: tf.Scalar;
  /** Gradient of every trainable variable the step reached, by variable name. */
  readonly grads: Record<string, tf.Tensor>;
  /** Gradient of the puzzle-embedding rows, [B, D]. */
  readonly puzzleGrad: tf.Tensor;
  /** The state after the on-tape updates: the next carry, detached from any tape. */
  readonly state: State;
}

/** Inputs of {@linkcode GradientStrategy.gradients}. */
export interface GradientInputs {
  /** The model (its variables get gradients). */
  readonly model: Trm;
  /** Token ids [B, L]. */
  readonly inputs: tf.Tensor2D;
  /** The batch's puzzle-embedding rows [B, D] (they get a gradient too). */
  readonly puzzleRows: tf.Tensor2D;
  /** The state entering the on-tape updates (detached: it gets no gradient). */
  readonly entering: State;
  /** The on-tape updates. */
  readonly updates: readonly Update[];
  /** The loss of the final state; runs on a tape and may `tf.keep` what it wants to read later. */
  readonly loss: (state: State) => tf.Scalar;
}

/** A way of differentiating the on-tape updates. */
export interface GradientStrategy {
  /** Name recorded in checkpoints (`"reverse"`, `"recompute"`). */
  readonly kind: string;
  /** The loss, its gradients and the new state. */
  gradients(args: GradientInputs): StepGradients;
}

/**
 * Plain reverse mode (the reference): one tape over the embedding, the on-tape updates and the loss.
 *
 * @example
 * ```ts
 * import { reverseMode } from "@recursive/trm/core";
 * if (reverseMode().kind !== "reverse") throw new Error("kind");
 * ```
 */
export function reverseMode(): GradientStrategy {
  return {
    kind: "reverse",
    gradients({ model, inputs, puzzleRows, entering, updates, loss }) {
      // A variable so the rows get a gradient; x is embedded on the tape so the token table does too.
      const rowsVar = tf.variable(puzzleRows, true);
      let state: State | undefined;
      try {
        const { value, grads } = tf.variableGrads(() => {
          state = runUpdates(model, model.embed(inputs, rowsVar), entering, updates);
          for (const t of Object.values(state)) tf.keep(t);
          return loss(state);
        }, [...model.variables, rowsVar]);
        const puzzleGrad = grads[rowsVar.name] ?? tf.zerosLike(puzzleRows);
        delete grads[rowsVar.name];
        return { value, grads, puzzleGrad, state: state! };
      } finally {
        rowsVar.dispose();
      }
    },
  };
}
