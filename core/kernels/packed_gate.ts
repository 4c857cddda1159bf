/**
 * The SwiGLU gate product on a packed product: for `p` = [g | u] (SwiGLU's x W_gu, g's columns then
 * u's), silu(g) * u without splitting `p` first. A split copies both halves, and its gradient is a concat
 * that copies them again; a backend that registers {@linkcode SILU_MUL_PACKED_KERNEL} reads the halves in
 * place and writes the gradient of both into one buffer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedSiluMul } from "./webgpu_fused.ts";

/**
 * Kernel name of the packed gate product: input `p` [..., 2w], output silu(p[..., :w]) * p[..., w:]
 * [..., w]; with attr `axis` 0, p [2h, ...] and silu(p[:h]) * p[h:] (the wasm backend registers one;
 * `installWasmGateKernels`).
 */
export const SILU_MUL_PACKED_KERNEL = "TrmFusedSiluMulPacked";
/**
 * Kernel name of its gradient: inputs `p` and `dy`, attr `axis`; output the gradient of `p` (both halves,
 * one buffer).
 */
export const SILU_MUL_PACKED_GRAD_KERNEL = "TrmFusedSiluMulPackedGrad";

/**
 * Whether the active backend runs {@linkcode SILU_MUL_PACKED_KERNEL} (else {@linkcode fusedSiluMulPacked}
 * splits and runs the unpacked gate).
 *
 * @example
 * ```ts
 * import { initBackend } from "@recursive/trm/core";
 * import { hasPackedGate } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * if (hasPackedGate()) throw new Error("cpu has no packed gate kernel");
 * ```
 */
export function hasPackedGate(): boolean {
  return tf.getKernel(SILU_MUL_PACKED_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Registers the gradient of {@linkcode SILU_MUL_PACKED_KERNEL} (once): the backend's
 * {@linkcode SILU_MUL_PACKED_GRAD_KERNEL} on the saved `p` and the output's `dy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { registerSiluMulPackedGradient, SILU_MUL_PACKED_KERNEL } from "@recursive/trm/kernels";
 * registerSiluMulPackedGradient();
 * if (!tf.getGradient(SILU_MUL_PACKED_KERNEL)) throw new Error("registered");
 * ```
 */
export function registerSiluMulPackedGradient(): void {
  if (tf.getGradient(SILU_MUL_PACKED_KERNEL)) return;
  tf.registerGradient({
    kernelName: SILU_MUL_PACKED_KERNEL,
    inputsToSave: ["p"],
    gradFunc: (dy, saved, attrs) => ({
      p: () =>
        tf.engine().runKernel(
          SILU_MUL_PACKED_GRAD_KERNEL,
          { p: saved[0]!, dy: dy as tf.Tensor },
          attrs,
        ) as tf.Tensor,
    }),
  });
}

/**
 * silu(g) * u for `p` = concat([g, u], axis): the gate product of a SwiGLU on its packed product, [N, 2w]
 * (axis -1, the default) or, computed transposed, [2w, N] (axis 0). One kernel each way where the backend
 * has {@linkcode SILU_MUL_PACKED_KERNEL}; else a split and {@linkcode fusedSiluMul}. The results are
 * the same either way (the same float operations on the same values). Does not dispose `p`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedSiluMulPacked } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * const y = await fusedSiluMulPacked(tf.tensor2d([[0, 5], [1, 2]])).data(); // g = [0, 1], u = [5, 2]
 * if (y[0] !== 0 || Math.abs(y[1]! - 2 / (1 + Math.exp(-1))) > 1e-6) throw new Error(String(y));
 * ```
 */
export function fusedSiluMulPacked<T extends tf.Tensor>(p: T, axis: 0 | -1 = -1): T {
  if (axis !== 0 && axis !== -1) {
    throw new RangeError(`fusedSiluMulPacked: axis must be 0 or -1, got ${axis}`);
  }
  if (p.rank < 1 || p.shape.at(axis)! % 2 !== 0) {
    throw new RangeError(`fusedSiluMulPacked: axis ${axis} must hold g and u (even), got [${p.shape}]`);
  }
  return tf.tidy(() => {
    if (!hasPackedGate() || p.dtype !== "float32" || p.size === 0) {
      const [g, u] = tf.split(p, 2, axis);
      return fusedSiluMul(g!, u!) as T;
    }
    registerSiluMulPackedGradient();
    return tf.engine().runKernel(SILU_MUL_PACKED_KERNEL, { p }, { axis }) as T;
  });
}
