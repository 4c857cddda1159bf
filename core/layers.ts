/**
 * The reference's building blocks (spec 2.5, 2.7): RMSNorm without gain and SwiGLU. Pure functions of
 * tensors: they create no long-lived tensors and never dispose their inputs (run them inside `tf.tidy`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ParamFactory } from "./params.ts";
import { fusedRmsNorm, fusedSiluMul } from "./kernels/webgpu_fused.ts";
import { fusedSiluMulPacked, hasPackedGate } from "./kernels/packed_gate.ts";
import { fusedResidualRmsNorm, hasResidualNorm } from "./kernels/residual_norm.ts";

/** RMSNorm epsilon of the reference. */
export const RMS_NORM_EPS = 1e-5;

/**
 * y = x / sqrt(mean(x^2 over `axis`) + eps). No learnable gain (spec 2.5). Over the last axis on the
 * webgpu backend this is one fused WGSL kernel ({@linkcode fusedRmsNorm}); elsewhere the composed ops.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, rmsNorm } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const y = await rmsNorm(tf.tensor1d([1, 2, 3, 4])).data();
 * if (Math.abs(y[0]! - 0.36515) > 1e-4) throw new Error(String(y));
 * ```
 */
export function rmsNorm<T extends tf.Tensor>(x: T, axis = -1): T {
  // Same composed ops as below on cpu/wasm (fusedRmsNorm falls back to them), so results are unchanged.
  if (x.rank > 0 && (axis === -1 || axis === x.rank - 1)) return fusedRmsNorm(x, RMS_NORM_EPS);
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), axis, true), RMS_NORM_EPS))) as T);
}

/**
 * The post-norm of a residual sum, {@linkcode rmsNorm}(a + b, axis). One fused kernel each way where the
 * backend has it (wasm: `fusedResidualRmsNorm`, bit-identical to the composed ops), else the add and
 * `rmsNorm` (with its fused WGSL kernel on webgpu).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend, residualRmsNorm } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const y = await residualRmsNorm(tf.tensor1d([1, 2]), tf.tensor1d([0, 2]), -1).data();
 * if (Math.abs(y[0]! - 1 / Math.sqrt(8.5)) > 1e-5) throw new Error(String(y));
 * ```
 */
export function residualRmsNorm<T extends tf.Tensor>(a: T, b: T, axis = -1): T {
  if (hasResidualNorm()) return fusedResidualRmsNorm(a, b, axis, RMS_NORM_EPS);
  return tf.tidy(() => rmsNorm(tf.add(a, b), axis) as T);
}

/**
 * SwiGLU intermediate width: 256 * ceil(round(expansion * d * 2/3) / 256) (spec 2.7; Python's
 * half-to-even `round` never ties for the reference's shapes).
 *
 * @example
 * ```ts
 * import { swigluWidth } from "@recursive/trm/core";
 * if (swigluWidth(512, 4) !== 1536 || swigluWidth(97, 4) !== 512) throw new Error("widths");
 * ```
 */
export function swigluWidth(d: number, expansion: number): number {
  return 256 * Math.ceil(Math.round((expansion * d * 2) / 3) / 256);
}

/** A SwiGLU layer acting on the last axis: W_down(silu(g) * u) with [g | u] = x W_gu. */
export interface SwiGlu {
  /** [N, d] -> [N, d] (2-D so every matmul is a plain, fast 2-D one). */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * The same on the first axis, [d, N] -> [d, N]: apply(x^T)^T. Where the backend has the packed gate
   * it runs without transposing anything (W_gu^T x, the gate on the [2w, N] product, W_down^T of it);
   * elsewhere it transposes in and out.
   */
  applyTransposed(xT: tf.Tensor2D): tf.Tensor2D;
  /** Intermediate width. */
  readonly width: number;
}

/**
 * Creates a SwiGLU with `gate_up` [d, 2*width] and `down` [width, d], LeCun-initialised.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createParamStore, createRng, initBackend, swiglu } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const store = createParamStore(createRng(0));
 * const mlp = swiglu(store.factory, 8, 4);
 * const y = mlp.apply(tf.ones([3, 8]));
 * if (y.shape.join() !== "3,8" || mlp.width !== 256) throw new Error(y.shape.join());
 * ```
 */
export function swiglu(params: ParamFactory, d: number, expansion: number): SwiGlu {
  const width = swigluWidth(d, expansion);
  const gateUp = params.create("gate_up", [d, 2 * width], { kind: "lecun" });
  const down = params.create("down", [width, d], { kind: "lecun" });
  const apply = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      // Where the backend has the packed gate (wasm), one product [N, 2w] = [g | u] feeds it in place:
      // no split forward, no concat of the split's gradient backward, one matmul each way.
      if (hasPackedGate()) return tf.matMul(fusedSiluMulPacked(tf.matMul(x, gateUp)), down);
      // Elsewhere split the weight, keeping these backends' rounding (the WebGPU parity test holds cpu
      // and webgpu losses to 1e-4 after three steps; one product of width 2w moved it).
      const [g, u] = (tf.split(gateUp, 2, 1) as tf.Tensor2D[]).map((w) => tf.matMul(x, w));
      // silu(g) * u: one fused kernel on webgpu, mul(mul(g, sigmoid(g)), u) elsewhere.
      return tf.matMul(fusedSiluMul(g!, u!), down);
    });
  return {
    width,
    apply,
    applyTransposed: (xT) =>
      tf.tidy(() => {
        if (!hasPackedGate()) return tf.transpose(apply(tf.transpose(xT)));
        // [g; u] = (x^T W_gu)^T = W_gu^T x [2w, N]: g's rows above u's, one contiguous half each.
        const a = fusedSiluMulPacked(tf.matMul(gateUp, xT, true, false), 0);
        return tf.matMul(down, a, true, false);
      }),
  };
}
