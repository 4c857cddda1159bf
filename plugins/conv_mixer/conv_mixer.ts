/**
 * A third token mixer, proving the mixer API: a depthwise 1-D convolution along the sequence (each
 * channel mixes its `kernel` nearest positions with its own weights), as in ConvMixer / Hyena-style
 * local mixing. Not in the paper; post-norm over the hidden axis like attention.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MixerDims, MixerLayer, ParamFactory, TokenMixer } from "@recursive/trm/core";

/** Options of {@linkcode convMixer}. */
export interface ConvMixerOptions {
  /** Odd kernel width in positions (default 9). */
  readonly kernel?: number;
}

/**
 * The depthwise-convolution mixer.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createParamStore, createRng, initBackend } from "@recursive/trm/core";
 * import { convMixer } from "@recursive/trm/plugins/conv-mixer";
 * await initBackend("cpu");
 * const layer = convMixer({ kernel: 3 }).build({ seqLen: 5, hidden: 4 }, createParamStore(createRng(0)).factory);
 * if (layer.apply(tf.ones([2, 5, 4])).shape.join() !== "2,5,4") throw new Error("shape kept");
 * ```
 */
export function convMixer(options: ConvMixerOptions = {}): TokenMixer {
  const kernel = options.kernel ?? 9;
  if (!(Number.isInteger(kernel) && kernel >= 1 && kernel % 2 === 1)) {
    throw new RangeError(`convMixer: kernel must be a positive odd integer, got ${kernel}`);
  }
  return {
    kind: "conv-mixer",
    options: { kernel },
    normAxis: "hidden",
    build: (dims, params) => buildConv(kernel, dims, params),
  };
}

function buildConv(kernel: number, dims: MixerDims, params: ParamFactory): MixerLayer {
  const { seqLen: L, hidden: D } = dims, r = (kernel - 1) / 2;
  // One weight per (offset, channel); LeCun-style sigma 1/sqrt(kernel) (fan-in of each output).
  const w = params.create("depthwise", [kernel, D], { kind: "normal", std: 1 / Math.sqrt(kernel) });
  return {
    apply: (h) =>
      tf.tidy(() => {
        const padded = tf.pad(h, [[0, 0], [r, r], [0, 0]]); // zeros beyond both ends
        let out: tf.Tensor3D | null = null;
        for (let j = 0; j < kernel; j++) {
          const term = tf.mul(
            tf.slice(padded, [0, j, 0], [-1, L, D]),
            tf.slice(w, [j, 0], [1, D]),
          ) as tf.Tensor3D;
          out = out ? (tf.add(out, term) as tf.Tensor3D) : term;
        }
        return out!;
      }),
  };
}
