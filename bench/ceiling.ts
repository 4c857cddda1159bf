/**
 * Matmul ceilings, the reference points for "close to the limit": the active backend's own kernel and,
 * on wasm, the native BLAS sgemm on every core. The machine's ceiling is the best of them: a step's
 * share of it says how far it is from what this machine can multiply, whichever kernel ran.
 */
import * as tf from "@tensorflow/tfjs-core";
import { matmulKernel, measureMatmulGflops } from "../core/mod.ts";
import { installNativeMatMul, nativeMatMulLibrary, uninstallNativeMatMul } from "../core/kernels/mod.ts";

/** Best GFLOP/s of an `size`^3 2-D matmul with the registered kernel (the core's measurement). */
export const matmulCeilingGflops: (size?: number, reps?: number) => Promise<number> = measureMatmulGflops;

/** Ceilings of the active backend: its kernel's, the native BLAS's (wasm with a library), the best. */
export interface Ceilings {
  /** The kernel tf.matMul uses (`matmulKernel()`). */
  readonly kernel: string;
  /** The backend's own kernel (XNNPACK on wasm), GFLOP/s. */
  readonly backendGflops: number;
  /** Native BLAS sgemm on every core, when the wasm backend has one. */
  readonly nativeGflops?: number;
  /** Threads the native BLAS used. */
  readonly nativeThreads?: number;
  /** max of the above: the machine's ceiling. */
  readonly machineGflops: number;
}

/**
 * Measures {@linkcode Ceilings} (2048^3 on wasm, 1024^3 on the slower cpu/webgpu-software backends),
 * alternating the two kernels on wasm, and leaves the registry as found.
 */
export async function ceilings(rounds = 2): Promise<Ceilings> {
  const kernel = matmulKernel();
  const size = tf.getBackend() === "wasm" ? 2048 : 1024;
  const native = nativeMatMulLibrary();
  let own = 0, blas = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      if (native) uninstallNativeMatMul();
      own = Math.max(own, await matmulCeilingGflops(size, 2));
      if (native) {
        installNativeMatMul(native);
        blas = Math.max(blas, await matmulCeilingGflops(size, 2));
      }
    }
  } finally {
    if (native) installNativeMatMul(native);
  }
  return native
    ? {
      kernel,
      backendGflops: own,
      nativeGflops: blas,
      nativeThreads: native.threads,
      machineGflops: Math.max(own, blas),
    }
    : { kernel, backendGflops: own, machineGflops: own };
}
