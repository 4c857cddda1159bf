/**
 * The wasm backend's {@linkcode RESIDUAL_NORM_KERNEL} and its two gradient passes: WebAssembly SIMD
 * loops (`wasm_norm.wat`) over tfjs's heap, bit-identical to tfjs's composed ops (a test checks it).
 * Hand-written for the same reason as the gate (`wasm_gate.ts`): a kernel that shares tfjs's memory is
 * not something a package provides.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapModule, heapOffset as ptr, registerWasmKernel, type WasmBackend } from "./wasm_backend.ts";
import { BYTES } from "./wasm_norm_bytes.ts";
import {
  type NormDims,
  registerResidualNormGradient,
  RESIDUAL_NORM_DOT_KERNEL,
  RESIDUAL_NORM_GRAD_KERNEL,
  RESIDUAL_NORM_KERNEL,
} from "./residual_norm.ts";

/**
 * The module's functions: byte offsets of tensors, then sizes (`wasm_norm.wat` documents each one's
 * parameters: `_last` take rows and n, `_mid` outer, n and inner; the norms then eps).
 */
type NormExports = Record<
  "norm_last" | "norm_mid" | "dot_last" | "dot_mid" | "grad_last" | "grad_mid",
  (...args: number[]) => void
>;

const exportsFor = (backend: WasmBackend) => heapModule<NormExports>(backend, BYTES);
let installed = false;

/** The shape of the per-column statistics: `shape` with the normalised axis kept as 1. */
const statShape = (shape: readonly number[], d: NormDims) => shape.map((n, i) => i === d.axis ? 1 : n);

/**
 * Registers the wasm residual-norm kernels (idempotent; `initBackend("wasm")` calls it). Returns false,
 * and registers nothing, where the wasm backend is not initialised, the engine lacks WebAssembly SIMD or
 * the backend's memory is not reachable: `fusedResidualRmsNorm` then runs the composed ops.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedResidualRmsNorm, installWasmNormKernels } from "@recursive/trm/kernels";
 * await initBackend("wasm");
 * installWasmNormKernels();
 * const y = await fusedResidualRmsNorm(tf.tensor1d([1, 2]), tf.tensor1d([0, 2]), -1, 1e-5).data();
 * if (Math.abs(y[0]! - 1 / Math.sqrt(8.5)) > 1e-5) throw new Error(String(y));
 * ```
 */
export function installWasmNormKernels(): boolean {
  if (installed) return true;
  const backend = tf.engine().registry["wasm"]; // initialised backends only (findBackend would start one)
  if (!backend || !exportsFor(backend as unknown as WasmBackend)) return false;
  registerResidualNormGradient();
  registerWasmKernel(RESIDUAL_NORM_KERNEL, (b, { a, b: b2 }, attrs) => {
    const d = attrs as unknown as NormDims & { eps: number }, ex = exportsFor(b)!;
    const stat = statShape(a!.shape, d);
    const y = b.makeOutput([...a!.shape], "float32"), v = b.makeOutput(stat, "float32");
    const r = b.makeOutput(stat, "float32");
    const args = [ptr(b, a!), ptr(b, b2!), ptr(b, y), ptr(b, v), ptr(b, r)] as const;
    if (d.inner === 1) ex.norm_last(...args, d.outer, d.n, d.eps);
    else ex.norm_mid(...args, d.outer, d.n, d.inner, d.eps);
    return [y, v, r];
  });
  registerWasmKernel(RESIDUAL_NORM_DOT_KERNEL, (b, { a, b: b2, dy }, attrs) => {
    const d = attrs as unknown as NormDims, ex = exportsFor(b)!;
    const out = b.makeOutput(statShape(a!.shape, d), "float32");
    const args = [ptr(b, a!), ptr(b, b2!), ptr(b, dy!), ptr(b, out)] as const;
    if (d.inner === 1) ex.dot_last(...args, d.outer, d.n);
    else ex.dot_mid(...args, d.outer, d.n, d.inner);
    return out;
  });
  registerWasmKernel(RESIDUAL_NORM_GRAD_KERNEL, (b, { a, b: b2, dy, r, k }, attrs) => {
    const d = attrs as unknown as NormDims, ex = exportsFor(b)!;
    const ds = b.makeOutput([...a!.shape], "float32");
    const args = [ptr(b, a!), ptr(b, b2!), ptr(b, dy!), ptr(b, r!), ptr(b, k!), ptr(b, ds)] as const;
    if (d.inner === 1) ex.grad_last(...args, d.outer, d.n);
    else ex.grad_mid(...args, d.outer, d.n, d.inner);
    return ds;
  });
  installed = true;
  return true;
}

/**
 * Removes the wasm residual-norm kernels: `fusedResidualRmsNorm` runs the composed ops on wasm again.
 *
 * @example
 * ```ts
 * import { uninstallWasmNormKernels } from "@recursive/trm/kernels";
 * uninstallWasmNormKernels(); // a no-op when nothing is installed
 * ```
 */
export function uninstallWasmNormKernels(): void {
  if (!installed) return;
  for (const name of [RESIDUAL_NORM_KERNEL, RESIDUAL_NORM_DOT_KERNEL, RESIDUAL_NORM_GRAD_KERNEL]) {
    tf.unregisterKernel(name, "wasm");
  }
  installed = false;
}
