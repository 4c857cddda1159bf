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

/** Backends the library can run on. `auto` = a real GPU adapter when present, else wasm. */
export type BackendName = "wasm" | "cpu" | "webgpu" | "auto";

/** The backend names accepted by {@linkcode initBackend}, for CLI validation. */
export const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "webgpu", "auto"];

/**
 * Makes `name` the active tfjs backend and returns the name actually in use.
 *
 * @example
 * ```ts
 * import { initBackend } from "@recursive/trm/core";
 * const used = await initBackend("cpu");
 * if (used !== "cpu") throw new Error(used);
 * ```
 */
export async function initBackend(name: BackendName): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw new RangeError(`Unknown backend "${name}": expected one of ${BACKENDS.join(", ")}`);
  }
  // The cpu backend prints a "use tfjs-node" banner in Node-like runtimes unless IS_TEST is set.
  tf.env().set("IS_TEST", true);
  let target: string = name;
  if (name === "wasm" || name === "auto") {
    await import("@tensorflow/tfjs-backend-wasm");
    target = "wasm";
  }
  if (name === "webgpu") await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.getBackend() !== target) {
    const ok = await tf.setBackend(target);
    if (!ok) throw new Error(`Backend "${target}" failed to initialise`);
  }
  await tf.ready();
  if (target === "wasm") installWasmKernels();
  return tf.getBackend();
}
