/**
 * The SwiGLU gate product silu(g) * u as one kernel on the wasm backend, and its gradient as one more,
 * registered under the names of {@linkcode SILU_MUL_KERNEL} (the WebGPU backend's fused kernels take the
 * same names; `fusedSiluMul` runs whichever the active backend has).
 *
 * Composed, the gate is 3 tfjs kernels forward (sigmoid, two products) and 9 backward (the products'
 * and sigmoid's gradients, their sum), each a pass over the activation plus an allocation: 10-15% of a
 * `sudoku-small` step. Here each direction is tfjs's own `Sigmoid` kernel and then one WebAssembly SIMD
 * pass (`wasm_gate.wat`) over tfjs's heap, doing the same float operations in the same order: the
 * results are bit-identical to the composed ops (a test checks it), in 2 passes instead of 12.
 *
 * The module is assembled from `wasm_gate.wat` by `deno task build-wasm` (hand-written: it is two
 * loops of products, and a kernel that shares tfjs's memory is not something a package provides).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset as ptr, type WasmBackend } from "./wasm_backend.ts";
import { BYTES } from "./wasm_gate_bytes.ts";
import { registerSiluMulGradient, SILU_MUL_GRAD_KERNEL, SILU_MUL_KERNEL } from "./webgpu_fused.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface GateExports {
  gate(g: number, s: number, u: number, out: number, n: number): void;
  gate_grad(g: number, s: number, u: number, dy: number, dg: number, du: number, n: number): void;
}

const instances = new WeakMap<object, GateExports>();
let installed = false;

/**
 * The module instantiated on `backend`'s own memory (once per backend), or null where that memory is
 * not reachable as a plain `WebAssembly.Memory`: the browser build with threads imports a shared memory
 * it does not expose (Deno's build exports it as `memory`).
 */
function exportsFor(backend: WasmBackend): GateExports | null {
  let ex = instances.get(backend);
  if (!ex) {
    const memory = backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer)) return null;
    const bytes = Uint8Array.from(atob(BYTES), (c) => c.charCodeAt(0));
    if (!WebAssembly.validate(bytes)) return null; // an engine without WebAssembly SIMD
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    ex = instance.exports as unknown as GateExports;
    instances.set(backend, ex);
  }
  return ex;
}

/** tfjs's own sigmoid of `g` (a new heap tensor: dispose it). */
function sigmoidOf(args: KernelArgs, g: tf.TensorInfo): tf.TensorInfo {
  const sigmoid = tf.getKernel("Sigmoid", "wasm")!;
  return sigmoid.kernelFunc({ inputs: { x: g }, backend: args.backend, attrs: {} }) as tf.TensorInfo;
}

/**
 * Registers the wasm gate kernels (idempotent; `initBackend("wasm")` calls it, once the backend is up).
 * Returns false, and registers nothing, where the wasm backend is not initialised, the engine lacks
 * WebAssembly SIMD or the backend's memory is not reachable: `fusedSiluMul` then runs the composed ops.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedSiluMul, installWasmGateKernels } from "@recursive/trm/kernels";
 * await initBackend("wasm");
 * installWasmGateKernels();
 * const y = await fusedSiluMul(tf.tensor1d([0, 1]), tf.tensor1d([5, 2])).data();
 * if (y[0] !== 0 || Math.abs(y[1]! - 2 / (1 + Math.exp(-1))) > 1e-6) throw new Error(String(y));
 * ```
 */
export function installWasmGateKernels(): boolean {
  if (installed) return true;
  const backend = tf.engine().registry["wasm"]; // initialised backends only (findBackend would start one)
  if (!backend || !tf.getKernel("Sigmoid", "wasm")) return false;
  if (!exportsFor(backend as unknown as WasmBackend)) return false;
  registerSiluMulGradient();
  tf.registerKernel({
    kernelName: SILU_MUL_KERNEL,
    backendName: "wasm",
    kernelFunc: ((args: KernelArgs) => {
      const b = args.backend as unknown as WasmBackend;
      const g = args.inputs.g as tf.TensorInfo, u = args.inputs.u as tf.TensorInfo;
      const s = sigmoidOf(args, g);
      const out = b.makeOutput([...g.shape], "float32");
      exportsFor(b)!.gate(ptr(b, g), ptr(b, s), ptr(b, u), ptr(b, out), tf.util.sizeFromShape(g.shape));
      b.disposeData(s.dataId);
      return out;
    }) as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: SILU_MUL_GRAD_KERNEL,
    backendName: "wasm",
    kernelFunc: ((args: KernelArgs) => {
      const b = args.backend as unknown as WasmBackend;
      const { g, u, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const s = sigmoidOf(args, g!);
      const dg = b.makeOutput([...g!.shape], "float32"), du = b.makeOutput([...g!.shape], "float32");
      exportsFor(b)!.gate_grad(
        ptr(b, g!),
        ptr(b, s),
        ptr(b, u!),
        ptr(b, dy!),
        ptr(b, dg),
        ptr(b, du),
        tf.util.sizeFromShape(g!.shape),
      );
      b.disposeData(s.dataId);
      return [dg, du];
    }) as tf.KernelFunc,
  });
  installed = true;
  return true;
}

/**
 * Removes the wasm gate kernels: `fusedSiluMul` runs the composed ops on wasm again (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWasmGateKernels } from "@recursive/trm/kernels";
 * uninstallWasmGateKernels(); // a no-op when nothing is installed
 * ```
 */
export function uninstallWasmGateKernels(): void {
  if (!installed) return;
  tf.unregisterKernel(SILU_MUL_KERNEL, "wasm");
  tf.unregisterKernel(SILU_MUL_GRAD_KERNEL, "wasm");
  installed = false;
}
