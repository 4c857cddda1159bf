/**
 * The recursion of the paper (Fig. 3), in its own notation: x the embedded question, y the embedded
 * answer, z the latent scratchpad; n latent steps per recursion, T recursions per supervision step.
 *
 * Shapes: B batch, L' sequence with the puzzle prefix, D hidden. All tensors [B, L', D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Trm } from "./model.ts";

/** The state carried between supervision steps. */
export interface Carry {
  /** The embedded answer y, [B, L', D]. */
  readonly y: tf.Tensor3D;
  /** The latent reasoning state z, [B, L', D]. */
  readonly z: tf.Tensor3D;
}

/**
 * One recursion: z <- f(z, y + x) n times (z = net(x, y, z)), then y <- f(y, z) (y = net(y, z)).
 * The question x enters only the latent updates; that is how the one network knows which to do.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, latentRecursion, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * const { y } = latentRecursion(net, x, { y: x, z: x }, 2);
 * if (y.shape.join() !== "1,6,8") throw new Error("shape");
 * ```
 */
export function latentRecursion(net: Trm, x: tf.Tensor3D, carry: Carry, n: number): Carry {
  return tidyCarry(() => {
    let { y, z } = carry;
    for (let i = 0; i < n; i++) z = net.f(z, tf.add(y, x)); // z <- f(x + y + z)
    y = net.f(y, z); // y <- f(y + z)
    return { y, z };
  });
}

/**
 * T recursions with no gradient at all (evaluation; and, with `T - 1`, the no-grad part of training).
 * Call it outside any gradient closure: tfjs records only inside `tf.variableGrads`/`tf.grads`, so this
 * is the counterpart of `torch.no_grad()`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, deepRecursion, initBackend, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * const out = deepRecursion(net, x, { y: x, z: x }, 0);
 * if (out.y !== x) throw new Error("zero recursions return the carry");
 * ```
 */
export function deepRecursion(net: Trm, x: tf.Tensor3D, carry: Carry, recursions: number): Carry {
  const n = net.config.recursion.n;
  return tidyCarry(() => {
    let c = carry;
    for (let t = 0; t < recursions; t++) c = latentRecursion(net, x, c, n);
    return c;
  });
}

/**
 * Fresh carry rows: where `reset[b]` is true, y and z start again from the fixed init vectors
 * (broadcast to every position); other rows keep `carry`. `reset` is a [B] bool tensor.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resetCarry, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const c = resetCarry(net, null, tf.tensor1d([true, true], "bool"));
 * if (c.y.shape.join() !== "2,6,8") throw new Error("shape");
 * ```
 */
export function resetCarry(net: Trm, carry: Carry | null, reset: tf.Tensor1D): Carry {
  return tidyCarry(() => {
    const B = reset.shape[0], L = net.seqLen, D = net.config.model.hidden;
    const y0 = tf.broadcastTo(net.init.y, [B, L, D]) as tf.Tensor3D;
    const z0 = tf.broadcastTo(net.init.z, [B, L, D]) as tf.Tensor3D;
    if (carry === null) return { y: y0, z: z0 };
    const m = tf.reshape(reset, [B, 1, 1]);
    return { y: tf.where(m, y0, carry.y) as tf.Tensor3D, z: tf.where(m, z0, carry.z) as tf.Tensor3D };
  });
}

/** `tf.tidy` for a function returning a carry (tidy wants an index-signature container). */
function tidyCarry(fn: () => Carry): Carry {
  const { y, z } = tf.tidy(() => {
    const c = fn();
    return { y: c.y, z: c.z };
  });
  return { y, z };
}
