/**
 * `BatchMatMul` on the wasm backend through a native BLAS ({@linkcode NativeBlas}), registered with
 * tfjs's kernel registry like `wasm_batch_matmul.ts`, so forward and backward passes (whose gradients
 * are matmuls with transposes) all take it.
 *
 * Zero copy: the wasm backend keeps every tensor in its `WebAssembly.Memory`; the kernel allocates the
 * output there as the wasm kernels do and hands BLAS `Float32Array` views of the heap, which Deno's FFI
 * passes as raw pointers. Transposes are BLAS flags (no materialised transpose), batch dimensions are
 * either folded into the row count (a batched activation times a shared weight: one call) or looped
 * over with NumPy broadcasting.
 *
 * tfjs-core routes `tf.matMul` (and its gradients) to `BatchMatMul` only; `_FusedMatMul` (bias and
 * activation fused in) is used by tfjs-layers and the graph converter, never by this library, and keeps
 * the wasm kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NativeBlas } from "./native_blas.ts";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

let replaced: tf.KernelConfig | undefined;
let active: NativeBlas | undefined;

/** The shapes of one BatchMatMul, resolved as tfjs does (`outShape` with broadcast batch dims). */
export interface MatMulPlan {
  /** Rows of each output matrix. */
  readonly m: number;
  /** Columns of each output matrix. */
  readonly n: number;
  /** The contracted dimension. */
  readonly k: number;
  /** Output shape: broadcast batch dims, then [m, n]. */
  readonly outShape: number[];
  /** Matrix index into A and into B for each output matrix (NumPy broadcasting of the batch dims). */
  readonly aIndex: Int32Array;
  /** Matrix index into B for each output matrix. */
  readonly bIndex: Int32Array;
  /** All output matrices share one B and A is not transposed: one GEMM with m * batch rows. */
  readonly fold: boolean;
}

/**
 * Resolves a `BatchMatMul`'s shapes. Unlike tfjs's own kernels (which index batches modulo their size,
 * right only when one side's batch is 1 or both are equal), batch dims broadcast as in NumPy.
 *
 * @example
 * ```ts
 * import { planMatMul } from "@recursive/trm/kernels";
 * const p = planMatMul([2, 1, 5, 3], [4, 3, 7], false, false);
 * if (p.outShape.join() !== "2,4,5,7" || p.aIndex.join() !== "0,0,0,0,1,1,1,1") throw new Error();
 * ```
 */
export function planMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan {
  const ra = aShape.length, rb = bShape.length;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!,
    k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const kb = transposeB ? bShape[rb - 1]! : bShape[rb - 2]!,
    n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${aShape} and ${bShape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  const batch = outer.reduce((p, d) => p * d, 1);
  const aIndex = new Int32Array(batch), bIndex = new Int32Array(batch);
  const aOuter = aShape.slice(0, -2), bOuter = bShape.slice(0, -2);
  for (let o = 0; o < batch; o++) {
    // Walk o's multi-index from the last batch dim; each side ignores its size-1 and missing dims.
    let rest = o, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = outer.length - 1; d >= 0; d--) {
      const idx = rest % outer[d]!;
      rest = Math.floor(rest / outer[d]!);
      const da = aOuter[d - (outer.length - aOuter.length)] ?? 1;
      const db = bOuter[d - (outer.length - bOuter.length)] ?? 1;
      if (da > 1) ia += idx * sa;
      if (db > 1) ib += idx * sb;
      sa *= da;
      sb *= db;
    }
    aIndex[o] = ia;
    bIndex[o] = ib;
  }
  const bBatch = bOuter.reduce((p, d) => p * d, 1);
  return { m, n, k, outShape: [...outer, m, n], aIndex, bIndex, fold: bBatch === 1 && !transposeA };
}

/** Runs one BatchMatMul with `blas` on wasm-heap tensors; the output is a new wasm-heap tensor. */
function nativeMatMul(blas: NativeBlas, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const a = args.inputs.a as tf.TensorInfo, b = args.inputs.b as tf.TensorInfo;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
  const { m, n, k } = p;
  const out = backend.makeOutput(p.outShape, "float32");
  const batch = p.aIndex.length;
  if (m * n * batch === 0) return out;
  // After makeOutput: a heap growth inside its malloc replaces the buffer.
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (t: tf.TensorInfo, length: number): Float32Array =>
    new Float32Array(heap, heapOffset(backend, t), length);
  const c = view(out, batch * m * n);
  if (k === 0) return (c.fill(0), out); // BLAS rejects a leading dimension of 0
  const av = view(a, tf.util.sizeFromShape(a.shape)), bv = view(b, tf.util.sizeFromShape(b.shape));
  const lda = transposeA ? m : k, ldb = transposeB ? k : n;
  if (p.fold) {
    blas.sgemm(false, transposeB, m * batch, n, k, av, lda, bv, ldb, c, n);
    return out;
  }
  const sa = m * k, sb = k * n, sc = m * n;
  for (let o = 0; o < batch; o++) {
    blas.sgemm(
      transposeA,
      transposeB,
      m,
      n,
      k,
      av.subarray(p.aIndex[o]! * sa, p.aIndex[o]! * sa + sa),
      lda,
      bv.subarray(p.bIndex[o]! * sb, p.bIndex[o]! * sb + sb),
      ldb,
      c.subarray(o * sc, o * sc + sc),
      n,
    );
  }
  return out;
}

/**
 * Replaces the wasm `BatchMatMul` kernel with one that calls `blas` (float32 operands; anything else
 * goes to the kernel it replaced). Replaces a previously installed native kernel. Requires the wasm
 * backend to be registered; `initBackend("wasm")` calls this when a verified BLAS is found.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { installNativeMatMul, openNativeBlas, uninstallNativeMatMul } from "@recursive/trm/kernels";
 * await initBackend("wasm", { nativeBlas: "off" });
 * const { blas } = openNativeBlas();
 * if (blas) {
 *   installNativeMatMul(blas);
 *   const c = tf.matMul(tf.ones([2, 3, 4]), tf.ones([5, 4]), false, true); // [2, 3, 5]
 *   if ((await c.data())[0] !== 4) throw new Error("matmul");
 *   uninstallNativeMatMul();
 * }
 * ```
 */
export function installNativeMatMul(blas: NativeBlas): void {
  uninstallNativeMatMul();
  const base = tf.getKernel("BatchMatMul", "wasm");
  if (!base) throw new Error("installNativeMatMul: the wasm backend is not registered");
  replaced = base;
  active = blas;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...base,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== "float32" || b.dtype !== "float32") return base.kernelFunc(args);
      return nativeMatMul(blas, args);
    },
  });
}

/**
 * Restores the kernel that {@linkcode installNativeMatMul} replaced (a no-op when none is installed).
 *
 * @example
 * ```ts
 * import { nativeMatMulLibrary, uninstallNativeMatMul } from "@recursive/trm/kernels";
 * uninstallNativeMatMul();
 * if (nativeMatMulLibrary() !== null) throw new Error("still installed");
 * ```
 */
export function uninstallNativeMatMul(): void {
  if (!replaced) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(replaced);
  replaced = undefined;
  active = undefined;
}

/**
 * The BLAS the wasm `BatchMatMul` kernel currently calls, or null (XNNPACK or tfjs's own kernel).
 *
 * @example
 * ```ts
 * import { nativeMatMulLibrary } from "@recursive/trm/kernels";
 * const lib = nativeMatMulLibrary();
 * if (lib !== null && lib.threads < 1) throw new Error("threads");
 * ```
 */
export function nativeMatMulLibrary(): NativeBlas | null {
  return active ?? null;
}
