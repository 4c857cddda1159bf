/**
 * A four-lane `Atan2` for the wasm backend, installed over tfjs's own through the kernel registry:
 * tfjs-wasm runs musl's scalar atan2f (~14 ns per element), and AdamATan2 calls it on every weight at
 * every step. `wasm_atan2.wat` computes the same algorithm with WebAssembly SIMD, bit-identical to it (a
 * test compares every bit, special values included), in place on tfjs's heap. Broadcasting and other
 * dtypes go to tfjs's kernel.
 *
 * Hand-written for the same reason as the gate (`wasm_gate.ts`): a kernel that shares tfjs's memory is
 * not something a package provides.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapModule, heapOffset as ptr, type WasmBackend } from "./wasm_backend.ts";
import { BYTES } from "./wasm_atan2_bytes.ts";

interface Atan2Exports {
  atan2(y: number, x: number, out: number, n: number): void;
}

let original: tf.KernelConfig | undefined;

/**
 * Replaces the wasm `Atan2` kernel (idempotent; `initBackend("wasm")` calls it). Returns false, and
 * replaces nothing, where the wasm backend is not initialised, the engine lacks WebAssembly SIMD or the
 * backend's memory is not reachable.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { installWasmAtan2 } from "@recursive/trm/kernels";
 * await initBackend("wasm");
 * installWasmAtan2();
 * const a = await tf.atan2(tf.tensor1d([1, -1, 0, 2]), tf.tensor1d([1, 1, -1, 0])).data();
 * if (Math.abs(a[0]! - Math.PI / 4) > 1e-6 || Math.abs(a[2]! - Math.PI) > 1e-6) throw new Error(String(a));
 * ```
 */
export function installWasmAtan2(): boolean {
  if (original) return true;
  const backend = tf.engine().registry["wasm"]; // initialised backends only (findBackend would start one)
  const base = tf.getKernel("Atan2", "wasm");
  if (!backend || !base || !heapModule<Atan2Exports>(backend as unknown as WasmBackend, BYTES)) return false;
  original = base;
  tf.unregisterKernel("Atan2", "wasm");
  tf.registerKernel({
    ...base,
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== "float32" || b.dtype !== "float32" || !tf.util.arraysEqual(a.shape, b.shape)) {
        return base.kernelFunc(args);
      }
      const w = args.backend as unknown as WasmBackend;
      const out = w.makeOutput([...a.shape], "float32");
      heapModule<Atan2Exports>(w, BYTES)!.atan2(
        ptr(w, a),
        ptr(w, b),
        ptr(w, out),
        tf.util.sizeFromShape(a.shape),
      );
      return out;
    }) as tf.KernelFunc,
  });
  return true;
}

/**
 * Puts tfjs's own wasm `Atan2` back (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWasmAtan2 } from "@recursive/trm/kernels";
 * uninstallWasmAtan2(); // a no-op when nothing is installed
 * ```
 */
export function uninstallWasmAtan2(): void {
  if (!original) return;
  tf.unregisterKernel("Atan2", "wasm");
  tf.registerKernel(original);
  original = undefined;
}
