/**
 * Rotary position embeddings, non-interleaved ("GPT-NeoX") convention (spec 2.4).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** cos/sin tables of shape [L', headDim]: the first-half angles repeated. */
export interface RopeTables {
  /** cos(p * theta_i), [L', headDim]. */
  readonly cos: Float32Array;
  /** sin(p * theta_i), [L', headDim]. */
  readonly sin: Float32Array;
}

/**
 * Builds the RoPE tables for positions 0..seqLen-1 (the puzzle prefix occupies positions 0..15).
 *
 * @example
 * ```ts
 * import { ropeTables } from "@recursive/trm/plugins/attention";
 * const t = ropeTables(2, 4, 10000);
 * if (t.cos[0] !== 1 || Math.abs(t.sin[4]! - Math.sin(1)) > 1e-6) throw new Error("rope");
 * ```
 */
export function ropeTables(seqLen: number, headDim: number, base: number): RopeTables {
  const half = headDim / 2;
  const cos = new Float32Array(seqLen * headDim), sin = new Float32Array(seqLen * headDim);
  for (let p = 0; p < seqLen; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * Math.pow(base, (-2 * i) / headDim);
      for (const j of [i, i + half]) {
        cos[p * headDim + j] = Math.cos(a);
        sin[p * headDim + j] = Math.sin(a);
      }
    }
  }
  return { cos, sin };
}

/**
 * q' = q * cos + rotate_half(q) * sin, with rotate_half(v) = [-v2, v1]. `x` is [..., L', headDim] and
 * the tables broadcast over the leading axes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { applyRope } from "@recursive/trm/plugins/attention";
 * await initBackend("cpu");
 * const x = tf.ones([1, 3, 4]);
 * const y = applyRope(x, tf.ones([3, 4]), tf.zeros([3, 4]));
 * if ((await y.data())[0] !== 1) throw new Error("cos 1, sin 0 is the identity");
 * ```
 */
export function applyRope<T extends tf.Tensor>(x: T, cos: tf.Tensor2D, sin: tf.Tensor2D): T {
  return tf.tidy(() => {
    // rotate_half as a fixed [dh, dh] signed permutation matmul: splitting and concatenating the inner
    // axis (and the concat/split of its gradient) is several times slower on wasm.
    const dh = x.shape[x.shape.length - 1]!, half = dh / 2;
    const r = new Float32Array(dh * dh);
    for (let i = 0; i < half; i++) {
      r[(i + half) * dh + i] = -1; // out[i] = -x[i + half]
      r[i * dh + i + half] = 1; // out[i + half] = x[i]
    }
    const flat = tf.reshape(x, [-1, dh]);
    const rotated = tf.reshape(tf.matMul(flat, tf.tensor2d(r, [dh, dh])), x.shape);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as T;
  });
}
