/**
 * The SwiGLU gate product silu(g) * u as one kernel on the wasm backend, and its gradient as one more,
 * registered under the names of {@linkcode SILU_MUL_KERNEL} (the WebGPU backend's fused kernels take the
 * same names; `fusedSiluMul` runs whichever the active backend has), and the same pair for a packed
 * product [g | u] under {@linkcode SILU_MUL_PACKED_KERNEL} (`fusedSiluMulPacked`).
 *
 * Composed, the gate is 3 tfjs kernels forward (sigmoid, two products) and 9 backward (the products'
 * and sigmoid's gradients, their sum), each a pass over the activation plus an allocation: 10-15% of a
 * `sudoku-small` step; SwiGLU's split of its product, and the concat of that split's gradient, copy it
 * twice more. Here each direction is one WebAssembly SIMD pass (`wasm_gate.wat`) over tfjs's heap that
 * computes the sigmoid inline with tfjs-wasm's own Sigmoid algorithm and then the same float operations
 * in the same order: the results are bit-identical to the composed ops (a test checks it), and a packed
 * product is read and its gradient written in place, without the split or the concat.
 *
 * The module is assembled from `wasm_gate.wat` by `deno task build-wasm` (hand-written: a kernel that
 * shares tfjs's memory and copies its sigmoid bit for bit is not something a package provides).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  heapModule,
  heapOffset as ptr,
  registerWasmKernel as register,
  type WasmBackend,
} from "./wasm_backend.ts";
import { BYTES } from "./wasm_gate_bytes.ts";
import { registerSiluMulGradient, SILU_MUL_GRAD_KERNEL, SILU_MUL_KERNEL } from "./webgpu_fused.ts";
import {
  registerSiluMulPackedGradient,
  SILU_MUL_PACKED_GRAD_KERNEL,
  SILU_MUL_PACKED_KERNEL,
} from "./packed_gate.ts";

interface GateExports {
  gate(g: number, u: number, out: number, rows: number, w: number, stride: number): void;
  gate_grad(
    g: number,
    u: number,
    dy: number,
    dg: number,
    du: number,
    rows: number,
    w: number,
    stride: number,
  ): void;
}

let installed = false;

/** The gate module on `backend`'s memory (null where it cannot run: see `heapModule`). */
const exportsFor = (backend: WasmBackend) => heapModule<GateExports>(backend, BYTES);

/** Whether tfjs-wasm runs its SIMD binary (the flag is evaluated once the backend is up). */
function tfjsWasmSimd(): boolean {
  try {
    return tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  } catch {
    return false; // not evaluated yet: no backend up
  }
}

/**
 * A packed product as rows of g then u: [.., 2w] has a row per leading index, u w floats after g in
 * each; [2h, ..] (axis 0) is one row, u the second half of the buffer.
 */
function packed(p: tf.TensorInfo, axis: unknown): { rows: number; w: number; stride: number; out: number[] } {
  const size = tf.util.sizeFromShape(p.shape);
  if (axis === 0) return { rows: 1, w: size / 2, stride: 0, out: [p.shape[0]! / 2, ...p.shape.slice(1)] };
  const w = p.shape[p.shape.length - 1]! / 2;
  return { rows: w === 0 ? 0 : size / (2 * w), w, stride: 8 * w, out: [...p.shape.slice(0, -1), w] };
}

/**
 * Registers the wasm gate kernels (idempotent; `initBackend("wasm")` calls it, once the backend is up).
 * Returns false, and registers nothing, where the wasm backend is not initialised, the engine lacks
 * WebAssembly SIMD, tfjs-wasm runs its non-SIMD binary (whose XNNPACK sigmoid is another algorithm, so
 * the inline copy would not match it) or the backend's memory is not reachable: `fusedSiluMul` then runs
 * the composed ops.
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
  if (!backend || !tfjsWasmSimd()) return false;
  if (!exportsFor(backend as unknown as WasmBackend)) return false;
  registerSiluMulGradient();
  registerSiluMulPackedGradient();
  const f32 = (b: WasmBackend, shape: readonly number[]) => b.makeOutput([...shape], "float32");
  // One tensor each for g and u: one row of all their floats.
  register(SILU_MUL_KERNEL, (b, { g, u }) => {
    const out = f32(b, g!.shape), n = tf.util.sizeFromShape(g!.shape);
    exportsFor(b)!.gate(ptr(b, g!), ptr(b, u!), ptr(b, out), 1, n, 0);
    return out;
  });
  register(SILU_MUL_GRAD_KERNEL, (b, { g, u, dy }) => {
    const dg = f32(b, g!.shape), du = f32(b, g!.shape), n = tf.util.sizeFromShape(g!.shape);
    exportsFor(b)!.gate_grad(ptr(b, g!), ptr(b, u!), ptr(b, dy!), ptr(b, dg), ptr(b, du), 1, n, 0);
    return [dg, du];
  });
  // A packed product: [.., 2w] rows of g's w floats then u's, or [2h, ..] g's half then u's.
  register(SILU_MUL_PACKED_KERNEL, (b, { p }, { axis }) => {
    const { rows, w, stride, out: shape } = packed(p!, axis), out = f32(b, shape), at = ptr(b, p!);
    exportsFor(b)!.gate(at, at + 4 * w, ptr(b, out), rows, w, stride);
    return out;
  });
  register(SILU_MUL_PACKED_GRAD_KERNEL, (b, { p, dy }, { axis }) => {
    const { rows, w, stride } = packed(p!, axis), dp = f32(b, p!.shape), at = ptr(b, p!), d = ptr(b, dp);
    exportsFor(b)!.gate_grad(at, at + 4 * w, ptr(b, dy!), d, d + 4 * w, rows, w, stride);
    return dp;
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
  tf.unregisterKernel(SILU_MUL_PACKED_KERNEL, "wasm");
  tf.unregisterKernel(SILU_MUL_PACKED_GRAD_KERNEL, "wasm");
  installed = false;
}
