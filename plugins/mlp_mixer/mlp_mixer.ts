/**
 * The MLP-mixer token mixer of TRM-MLP (spec 2.8; the reference's `mlp_t`): a SwiGLU across the sequence
 * axis, shared by all channels, followed by a post-norm over the sequence axis.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type MixerDims,
  type MixerLayer,
  type ParamFactory,
  swiglu,
  swigluWidth,
  type TokenMixer,
} from "@recursive/trm/core";

/** Options of {@linkcode mlpMixer}. */
export interface MlpMixerOptions {
  /**
   * SwiGLU expansion along the sequence axis. Default: the model's `expansion` (as the reference's
   * `mlp_t`, `SwiGLU(seq_len + puzzle_emb_len, expansion)`), so a reference checkpoint of any expansion
   * imports. Set it only to depart from the reference.
   */
  readonly expansion?: number;
}

/** The expansion the mixer uses for `dims`: its own option if set, else the model's (default 4). */
function expansionOf(options: MlpMixerOptions, dims: MixerDims): number {
  return options.expansion ?? dims.expansion ?? 4;
}

/**
 * The MLP-mixer token mixer. Its norm runs over the sequence axis: in [B, L', D] layout,
 * transpose(RMS_L'(h^T + SwiGLU_L'(h^T))) = RMS over axis 1 of (h + mix), which the core block computes.
 * The sequence SwiGLU has width `swigluWidth(L', expansion)`: 512 for L' = 97 at expansion 4.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createParamStore, createRng, initBackend } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const store = createParamStore(createRng(0));
 * const layer = mlpMixer().build({ seqLen: 97, hidden: 8, expansion: 4 }, store.factory);
 * if (layer.apply(tf.ones([2, 97, 8])).shape.join() !== "2,97,8") throw new Error("shape");
 * ```
 */
export function mlpMixer(options: MlpMixerOptions = {}): TokenMixer {
  // Only an explicit expansion is stored: checkpoints written before it followed the model hold
  // `{ expansion: 4 }` and rebuild exactly the mixer they were trained with.
  const config: { expansion?: number } = options.expansion === undefined
    ? {}
    : { expansion: options.expansion };
  if (config.expansion !== undefined && !(config.expansion > 0)) {
    throw new RangeError(`mlpMixer: expansion must be > 0, got ${config.expansion}`);
  }
  return {
    kind: "mlp-mixer",
    options: config,
    normAxis: "sequence",
    build: (dims, params) => buildMixer(expansionOf(config, dims), dims, params),
    largestTensor: (dims, batch) => batch * dims.hidden * swigluWidth(dims.seqLen, expansionOf(config, dims)),
  };
}

function buildMixer(expansion: number, dims: MixerDims, params: ParamFactory): MixerLayer {
  const { seqLen: L, hidden: D } = dims;
  const mlp = swiglu(params, L, expansion);
  return {
    apply: (h) =>
      tf.tidy(() => {
        const B = h.shape[0];
        // One puzzle: [L', D] is already the token SwiGLU's input transposed, so no transposes at all
        // where the backend allows (SwiGlu.applyTransposed; it transposes itself elsewhere).
        if (B === 1) return tf.reshape(mlp.applyTransposed(tf.reshape(h, [L, D]) as tf.Tensor2D), [1, L, D]);
        const hT = tf.reshape(tf.transpose(h, [0, 2, 1]), [B * D, L]) as tf.Tensor2D; // [B*D, L']
        return tf.transpose(tf.reshape(mlp.apply(hT), [B, D, L]), [0, 2, 1]); // [B, L', D]
      }),
  };
}
