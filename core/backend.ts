/**
 * Backend selection. `wasm` is the CPU default (XNNPACK matmuls, SIMD); `cpu` is the pure-JS fallback;
 * `webgpu` uses Deno's native `navigator.gpu`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// The umbrella bundle is the only tfjs 4.22 artifact that registers every gradient in a form Deno can
// load (tfjs-core's own `register_all_gradients` uses extension-less ESM imports).
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import { installWasmKernels } from "./kernels/wasm_batch_matmul.ts";
import { installWasmCopyKernels } from "./kernels/wasm_copy_kernels.ts";
import { installWasmGateKernels } from "./kernels/wasm_gate.ts";
import { installWasmNormKernels } from "./kernels/wasm_norm.ts";
import { installWasmAtan2 } from "./kernels/wasm_atan2.ts";
import { installFrugalBackprop, uninstallFrugalBackprop } from "./kernels/frugal_backprop.ts";
import { chooseNativeMatMul, type NativeBlasMode, nativeBlasMode } from "./kernels/matmul_kernel.ts";
import { type RowLayout, setFusedRowLayout, setWebGpuFusion } from "./kernels/webgpu_fused.ts";

export {
  type MatMulKernel,
  matmulKernel,
  type MatMulKernelInfo,
  matmulKernelInfo,
  type NativeBlasMode,
} from "./kernels/matmul_kernel.ts";
export type { BlasName } from "./kernels/native_blas.ts";
export type { RowLayout } from "./kernels/webgpu_fused.ts";

/** Backends the library can run on. `auto` = a real GPU adapter when present, else wasm. */
export type BackendName = "wasm" | "cpu" | "webgpu" | "auto";

/** The backend names accepted by {@linkcode initBackend}, for CLI validation. */
export const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "webgpu", "auto"];

/** Options of {@linkcode initBackend}; each one is also a module switch that can be flipped later. */
export interface BackendOptions {
  /**
   * wasm only: multiply through the system BLAS (`cblas_sgemm` of OpenBLAS, BLIS, MKL or Accelerate, via
   * `Deno.dlopen`, on every core) when one is found, answers like the wasm kernel and is faster.
   * `auto` (default) falls back to XNNPACK silently (also without `--allow-ffi`), `require` throws
   * instead, `off` never loads one. The environment variable `TRM_NATIVE_BLAS` (off, auto, require)
   * overrides it. `matmulKernel()` says which kernel runs.
   */
  readonly nativeBlas?: NativeBlasMode;
  /** webgpu only: the fused WGSL RMSNorm and SwiGLU-gate kernels (default on; `setWebGpuFusion`). */
  readonly webgpuFusion?: boolean;
  /** webgpu only: the fused RMSNorm's row layout (default `auto`; `setFusedRowLayout`). */
  readonly fusedRowLayout?: RowLayout;
  /**
   * Free saved activations and intermediate gradients during the backward pass rather than at its end
   * (default true; same values, about half the peak memory of a training step). See
   * `installFrugalBackprop` in `@recursive/trm/kernels`.
   */
  readonly frugalBackprop?: boolean;
}

/**
 * Makes `name` the active tfjs backend and returns the name actually in use.
 *
 * @example
 * ```ts
 * import { initBackend, matmulKernel } from "@recursive/trm/core";
 * const used = await initBackend("cpu");
 * if (used !== "cpu") throw new Error(used);
 * await initBackend("wasm", { nativeBlas: "auto" }); // the system BLAS when usable, else XNNPACK
 * if (!["openblas", "blis", "mkl", "accelerate", "blas", "xnnpack"].includes(matmulKernel())) {
 *   throw new Error(matmulKernel());
 * }
 * ```
 */
export async function initBackend(name: BackendName, options: BackendOptions = {}): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw new RangeError(`Unknown backend "${name}": expected one of ${BACKENDS.join(", ")}`);
  }
  // The cpu backend prints a "use tfjs-node" banner in Node-like runtimes unless IS_TEST is set.
  tf.env().set("IS_TEST", true);
  const target: string = name === "auto" ? (await hasRealGpu() ? "webgpu" : "wasm") : name;
  if (target === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (target === "webgpu") await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.getBackend() !== target) {
    const ok = await tf.setBackend(target);
    if (!ok) throw new Error(`Backend "${target}" failed to initialise`);
  }
  await tf.ready();
  if (options.frugalBackprop === false) uninstallFrugalBackprop();
  else installFrugalBackprop();
  if (options.webgpuFusion !== undefined) setWebGpuFusion(options.webgpuFusion);
  if (options.fusedRowLayout !== undefined) setFusedRowLayout(options.fusedRowLayout);
  if (target === "wasm") {
    installWasmKernels();
    installWasmCopyKernels();
    installWasmGateKernels();
    installWasmNormKernels();
    installWasmAtan2();
    chooseNativeMatMul(nativeBlasMode(options.nativeBlas ?? "auto"));
  }
  return tf.getBackend();
}

/** Whether Deno's `navigator.gpu` offers a hardware adapter (not a software fallback such as llvmpipe). */
async function hasRealGpu(): Promise<boolean> {
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (!adapter) return false;
  const info = (adapter as unknown as { info?: { isFallbackAdapter?: boolean; description?: string } }).info;
  return !(info?.isFallbackAdapter ?? false) &&
    !/llvmpipe|swiftshader|software/i.test(info?.description ?? "");
}

/**
 * The largest tensor, in bytes, the active backend handles correctly: WebGPU binds a tensor as one
 * storage buffer, and tfjs silently returns zeros for tensors beyond the device's
 * `maxStorageBufferBindingSize` (128 MiB on llvmpipe). Infinity for the CPU backends.
 *
 * @example
 * ```ts
 * import { initBackend, maxTensorBytes } from "@recursive/trm/core";
 * await initBackend("cpu");
 * if (maxTensorBytes() !== Infinity) throw new Error("no limit on the cpu backend");
 * ```
 */
export function maxTensorBytes(): number {
  if (tf.getBackend() !== "webgpu") return Infinity;
  const device =
    (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device;
  return device?.limits?.maxStorageBufferBindingSize ?? 128 * 2 ** 20;
}
