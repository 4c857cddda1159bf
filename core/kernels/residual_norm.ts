/**
 * RMSNorm of a residual sum, rms(a + b) over one axis, as one kernel where the backend registers
 * {@linkcode RESIDUAL_NORM_KERNEL} (wasm: `installWasmNormKernels`). Composed, it is 6 tfjs kernels
 * forward (add, square, mean, add eps, rsqrt, mul; over a middle axis the mean and its gradient's sum
 * each transpose first) and about 14 backward, each a pass over the activation plus an allocation; every
 * TRM block runs it twice. Fused it is 1 kernel forward and 2 full passes backward (plus a few tiny ops
 * on the per-row statistics), with the same results bit for bit.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Kernel name: inputs `a`, `b`; attrs {@linkcode NormDims} and `eps`; outputs [y, v, r] (v = mean + eps
 * and r = 1/sqrt(v) per row or column, kept for the gradient).
 */
export const RESIDUAL_NORM_KERNEL = "TrmResidualRmsNorm";
/** Kernel name of the gradient's first pass: inputs `a`, `b`, `dy`; output sum(dy * (a + b)) over the axis. */
export const RESIDUAL_NORM_DOT_KERNEL = "TrmResidualRmsNormDot";
/** Kernel name of its second pass: inputs `a`, `b`, `dy`, `r`, `k`; output dy * r + k * 2(a + b). */
export const RESIDUAL_NORM_GRAD_KERNEL = "TrmResidualRmsNormGrad";

/** A tensor seen as [outer, n, inner] around the normalised axis of n elements. */
export interface NormDims {
  /** The axis, counted from the start. */
  readonly axis: number;
  /** Elements before the axis (product of the leading dims). */
  readonly outer: number;
  /** Elements along the axis. */
  readonly n: number;
  /** Elements after the axis (1 for the last axis). */
  readonly inner: number;
}

/**
 * `shape` around `axis` (negative counts from the end) as {@linkcode NormDims}.
 *
 * @example
 * ```ts
 * import { normDims } from "@recursive/trm/kernels";
 * const d = normDims([2, 97, 512], 1);
 * if (d.outer !== 2 || d.n !== 97 || d.inner !== 512) throw new Error(JSON.stringify(d));
 * ```
 */
export function normDims(shape: readonly number[], axis: number): NormDims {
  const ax = axis < 0 ? shape.length + axis : axis;
  if (!(ax >= 0 && ax < shape.length)) throw new RangeError(`normDims: axis ${axis} of shape [${shape}]`);
  const prod = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
  return { axis: ax, outer: prod(shape.slice(0, ax)), n: shape[ax]!, inner: prod(shape.slice(ax + 1)) };
}

/**
 * Whether the active backend runs {@linkcode RESIDUAL_NORM_KERNEL}.
 *
 * @example
 * ```ts
 * import { initBackend } from "@recursive/trm/core";
 * import { hasResidualNorm } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * if (hasResidualNorm()) throw new Error("cpu has no fused residual norm");
 * ```
 */
export function hasResidualNorm(): boolean {
  return tf.getKernel(RESIDUAL_NORM_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Registers the gradient of {@linkcode RESIDUAL_NORM_KERNEL} (once): the tape's own composition, with its
 * two full passes as the backend's {@linkcode RESIDUAL_NORM_DOT_KERNEL} and
 * {@linkcode RESIDUAL_NORM_GRAD_KERNEL} and the per-row steps as the same tfjs ops the tape would run
 * (rsqrt's gradient -dy / (2 v^1.5), the mean's 1/n), so the values are bit-identical.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { RESIDUAL_NORM_KERNEL, registerResidualNormGradient } from "@recursive/trm/kernels";
 * registerResidualNormGradient();
 * if (!tf.getGradient(RESIDUAL_NORM_KERNEL)) throw new Error("registered");
 * ```
 */
export function registerResidualNormGradient(): void {
  if (tf.getGradient(RESIDUAL_NORM_KERNEL)) return;
  tf.registerGradient({
    kernelName: RESIDUAL_NORM_KERNEL,
    inputsToSave: ["a", "b"],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      // The kernel has three outputs; only y reaches a loss (v and r are internal).
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      const [a, b, v, r] = saved as tf.Tensor[];
      const run = (name: string, inputs: tf.NamedTensorMap) =>
        tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      let ds: tf.Tensor | undefined;
      const grad = () =>
        ds ??= tf.tidy(() => {
          const dr = run(RESIDUAL_NORM_DOT_KERNEL, { a: a!, b: b!, dy });
          const dv = tf.neg(tf.div(dr, tf.mul(tf.pow(v!, 1.5), 2)));
          const k = tf.div(dv, (attrs as unknown as NormDims).n);
          return run(RESIDUAL_NORM_GRAD_KERNEL, { a: a!, b: b!, dy, r: r!, k });
        });
      return { a: grad, b: () => tf.reshape(grad(), b!.shape) };
    },
  });
}

/**
 * rms(a + b) over `axis`: (a + b) / sqrt(mean((a + b)^2 over axis) + eps), no gain. One kernel where the
 * backend has {@linkcode RESIDUAL_NORM_KERNEL} (and `a`, `b` are float32 of one shape); the composed tfjs
 * ops otherwise. The values are the same either way. Does not dispose its inputs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedResidualRmsNorm } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * const y = await fusedResidualRmsNorm(tf.tensor1d([1, 2]), tf.tensor1d([0, 2]), -1, 1e-5).data();
 * if (Math.abs(y[0]! - 1 / Math.sqrt(8.5)) > 1e-5) throw new Error(String(y));
 * ```
 */
export function fusedResidualRmsNorm<T extends tf.Tensor>(a: T, b: T, axis: number, eps: number): T {
  return tf.tidy(() => {
    const fits = a.dtype === "float32" && b.dtype === "float32" && a.size > 0 && a.rank > 0 &&
      tf.util.arraysEqual(a.shape, b.shape);
    if (!hasResidualNorm() || !fits) {
      const s = tf.add(a, b);
      return tf.mul(s, tf.rsqrt(tf.add(tf.mean(tf.square(s), axis, true), eps))) as T;
    }
    registerResidualNormGradient();
    const attrs = { ...normDims(a.shape, axis), eps };
    const [y] = tf.engine().runKernel(RESIDUAL_NORM_KERNEL, { a, b }, attrs) as tf.Tensor[];
    return y as T;
  });
}
