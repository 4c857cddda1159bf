/**
 * Multi-head self-attention as in the reference (spec 2.6): non-causal, no mask, no dropout, Q|K|V
 * packed in one projection, RoPE on Q and K.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MixerDims, MixerLayer, ParamFactory, TokenMixer } from "@recursive/trm/core";
import { applyRope, ropeTables } from "./rope.ts";

/** Options of {@linkcode attention}. */
export interface AttentionOptions {
  /** Number of heads H (head dim = D / H). Default 8. */
  readonly heads?: number;
  /** Positional encoding inside attention: `"rope"` (default) or `"none"`. */
  readonly positions?: "rope" | "none";
  /** RoPE base theta. Default 10000. */
  readonly ropeBase?: number;
}

/** Resolved {@linkcode AttentionOptions}. */
export interface AttentionConfig {
  /** Number of heads. */
  readonly heads: number;
  /** Positional encoding. */
  readonly positions: "rope" | "none";
  /** RoPE base theta. */
  readonly ropeBase: number;
}

/**
 * The attention token mixer (TRM-Att). Post-norm over the hidden axis.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createParamStore, createRng, initBackend } from "@recursive/trm/core";
 * import { attention } from "@recursive/trm/plugins/attention";
 * await initBackend("cpu");
 * const store = createParamStore(createRng(0));
 * const layer = attention({ heads: 2 }).build({ seqLen: 5, hidden: 8 }, store.factory);
 * if (layer.apply(tf.ones([1, 5, 8])).shape.join() !== "1,5,8") throw new Error("shape");
 * ```
 */
export function attention(options: AttentionOptions = {}): TokenMixer {
  const config = { heads: 8, positions: "rope", ropeBase: 10000, ...options } satisfies AttentionConfig;
  if (!Number.isInteger(config.heads) || config.heads < 1) {
    throw new RangeError(`attention: heads must be a positive integer, got ${config.heads}`);
  }
  return {
    kind: "attention",
    options: config,
    normAxis: "hidden",
    build: (dims, params) => buildAttention(config, dims, params),
    largestTensor: (dims, batch) => batch * config.heads * dims.seqLen * dims.seqLen, // the scores
  };
}

function buildAttention(config: AttentionConfig, dims: MixerDims, params: ParamFactory): MixerLayer {
  const { hidden: D, seqLen: L } = dims, H = config.heads, dh = D / H;
  if (!Number.isInteger(dh) || dh % 2 !== 0) {
    throw new RangeError(`attention: hidden ${D} must split into ${H} heads of even size`);
  }
  const wqkv = params.create("qkv", [D, 3 * D], { kind: "lecun" });
  const wo = params.create("o", [D, D], { kind: "lecun" });
  const rope = config.positions === "rope" ? ropeTables(L, dh, config.ropeBase) : null;
  return {
    apply: (h) =>
      tf.tidy(() => {
        const B = h.shape[0];
        const x = tf.reshape(h, [B * L, D]);
        // Slice the packed [D, 3D] weight (columns Q | K | V, as the reference) rather than the activation:
        // 4-D transposes are fast on wasm, 5-D ones and inner-axis slices are not.
        const heads = (w: tf.Tensor2D) =>
          tf.transpose(tf.reshape(tf.matMul(x, w), [B, L, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
        const [wq, wk, wv] = tf.split(wqkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        let q = heads(wq), k = heads(wk);
        const v = heads(wv); // [B, H, L, dh]
        if (rope) {
          const cos = tf.tensor2d(rope.cos, [L, dh]), sin = tf.tensor2d(rope.sin, [L, dh]);
          q = applyRope(q, cos, sin);
          k = applyRope(k, cos, sin);
        }
        const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)); // [B, H, L, L]
        const o = tf.matMul(tf.softmax(scores), v); // [B, H, L, dh]
        const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * L, D]);
        return tf.reshape(tf.matMul(merged, wo), [B, L, D]);
      }),
  };
}
