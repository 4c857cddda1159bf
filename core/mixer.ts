/**
 * The token-mixer plugin contract (style P7). A mixer mixes information across positions; the core
 * block owns the residual, the norm and the channel MLP, so two mixers differ only where they differ.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { ParamFactory } from "./params.ts";

/** Dimensions the core hands to a mixer when it builds it. */
export interface MixerDims {
  /** Sequence length L' (task length plus the puzzle-embedding prefix). */
  readonly seqLen: number;
  /** Hidden size D. */
  readonly hidden: number;
  /**
   * The model's SwiGLU expansion (`config.model.expansion`; absent: 4). A mixer with an MLP of its own
   * sizes it from this, as the reference's `mlp_t` takes the model's `expansion`.
   */
  readonly expansion?: number;
}

/** A built mixer: owns no variables itself (they live in the model's param store). */
export interface MixerLayer {
  /** [B, L', D] -> [B, L', D]. Synchronous, creates no long-lived tensors, never disposes `h`. */
  apply(h: tf.Tensor3D): tf.Tensor3D;
}

/**
 * A token mixer: pure configuration until the core builds it. `kind` and `options` are serialised
 * into checkpoints, so options must be JSON values.
 */
export interface TokenMixer {
  /** Plugin name, e.g. `"attention"`. */
  readonly kind: string;
  /** The plugin's resolved options (JSON values). */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Axis of the post-norm after this sub-layer: `"hidden"` = RMS over D per position (attention);
   * `"sequence"` = RMS over L' per channel (the MLP-mixer, spec 2.8).
   */
  readonly normAxis: "hidden" | "sequence";
  /** Creates the layer's variables through `params` (already scoped, e.g. `block0/mixer`). */
  build(dims: MixerDims, params: ParamFactory): MixerLayer;
  /** Elements of the largest tensor `apply` creates for a batch of `batch` rows (for memory checks). */
  largestTensor?(dims: MixerDims, batch: number): number;
}
