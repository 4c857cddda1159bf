/**
 * Which matrix-multiply kernel the active backend runs, and the start-up choice between a native BLAS
 * and XNNPACK on the wasm backend: a BLAS is used only after it has answered a few small products the
 * same as the wasm kernel and multiplied a medium one faster.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { envFlag, type NativeBlas, openNativeBlas } from "./native_blas.ts";
import { installNativeMatMul, nativeMatMulLibrary, uninstallNativeMatMul } from "./wasm_native_matmul.ts";

/** `initBackend`'s `nativeBlas` option: try and fall back silently, never, or fail without one. */
export type NativeBlasMode = "auto" | "off" | "require";

/** The kernel behind `tf.matMul` on the active backend. */
export type MatMulKernel = NativeBlas["name"] | "xnnpack" | "tfjs-cpu" | "webgpu" | "other";

/** What {@linkcode chooseNativeMatMul} found: the kernel in use and, without a BLAS, why. */
export interface MatMulKernelInfo {
  /** The kernel in use. */
  readonly kernel: MatMulKernel;
  /** Library path and thread count when a native BLAS runs the matmuls. */
  readonly library?: string;
  /** Threads of the native BLAS. */
  readonly threads?: number;
  /** Why the native path is not in use (absent when it is). */
  readonly reason?: string;
  /** The start-up check's GFLOP/s on its 256x512x512 product, native and wasm. */
  readonly checkGflops?: { readonly native: number; readonly wasm: number };
}

let opened: NativeBlas | null | undefined;
let openReason = "";
let lastInfo: Omit<MatMulKernelInfo, "kernel"> = { reason: "not checked" };
let verdict: BlasCheck | undefined;

/** The start-up check's outcome: the speeds it measured, or why the library is not used. */
export type BlasCheck =
  | { readonly ok: true; readonly gflops: { readonly native: number; readonly wasm: number } }
  | { readonly ok: false; readonly reason: string };

/**
 * The matmul kernel of the active backend: the BLAS family on wasm with a native library, `xnnpack` on
 * wasm without, `tfjs-cpu`, `webgpu`.
 *
 * @example
 * ```ts
 * import { initBackend, matmulKernel } from "@recursive/trm/core";
 * await initBackend("cpu");
 * if (matmulKernel() !== "tfjs-cpu") throw new Error(matmulKernel());
 * ```
 */
export function matmulKernel(): MatMulKernel {
  const backend = tf.getBackend();
  if (backend === "wasm") return nativeMatMulLibrary()?.name ?? "xnnpack";
  if (backend === "cpu") return "tfjs-cpu";
  return backend === "webgpu" ? "webgpu" : "other";
}

/**
 * {@linkcode matmulKernel} with the library, its threads, the start-up check's speeds, or why no native
 * library is used.
 *
 * @example
 * ```ts
 * import { initBackend, matmulKernelInfo } from "@recursive/trm/core";
 * await initBackend("wasm", { nativeBlas: "off" });
 * const info = matmulKernelInfo();
 * if (info.kernel !== "xnnpack" || info.reason === undefined) throw new Error(JSON.stringify(info));
 * ```
 */
export function matmulKernelInfo(): MatMulKernelInfo {
  const kernel = matmulKernel();
  if (tf.getBackend() !== "wasm") return { kernel };
  return { kernel, ...lastInfo };
}

/**
 * The mode `initBackend` uses: `TRM_NATIVE_BLAS` (off, auto, require) when set, else `requested`.
 *
 * @example
 * ```ts
 * import { nativeBlasMode } from "@recursive/trm/kernels";
 * if (!["auto", "off", "require"].includes(nativeBlasMode("auto"))) throw new Error();
 * ```
 */
export function nativeBlasMode(requested: NativeBlasMode): NativeBlasMode {
  const env = envFlag("TRM_NATIVE_BLAS")?.toLowerCase();
  return env === "off" || env === "auto" || env === "require" ? env : requested;
}

/**
 * On the wasm backend (active, with the XNNPACK kernel registered): installs the native BLAS kernel when
 * `mode` allows and a library passes the check (once per process), else leaves XNNPACK. Throws only in
 * `require` mode without a usable library.
 *
 * @example
 * ```ts
 * import { initBackend } from "@recursive/trm/core";
 * import { chooseNativeMatMul } from "@recursive/trm/kernels";
 * await initBackend("wasm", { nativeBlas: "off" });
 * if (chooseNativeMatMul("off").kernel !== "xnnpack") throw new Error();
 * ```
 */
export function chooseNativeMatMul(mode: NativeBlasMode): MatMulKernelInfo {
  if (mode === "off") {
    uninstallNativeMatMul();
    lastInfo = { reason: "disabled (nativeBlas off or TRM_NATIVE_BLAS=off)" };
    return matmulKernelInfo();
  }
  if (opened === undefined) {
    const r = openNativeBlas();
    opened = r.blas;
    if (!r.blas) openReason = r.reason;
  }
  if (opened) verdict ??= checkNativeBlas(opened);
  if (opened && verdict?.ok) {
    if (nativeMatMulLibrary() !== opened) installNativeMatMul(opened);
    lastInfo = { library: opened.path, threads: opened.threads, checkGflops: verdict.gflops };
  } else {
    uninstallNativeMatMul();
    const reason = opened ? (verdict as { reason: string }).reason : openReason;
    lastInfo = { reason };
    if (mode === "require") throw new Error(`nativeBlas "require": ${reason}`);
  }
  return matmulKernelInfo();
}

type Problem = readonly [number[], number[], boolean, boolean];
// Folded batch, both transposes with a batch loop, one row, a broadcast B; odd sizes throughout.
const CHECKS: readonly Problem[] = [
  [[3, 7, 13], [13, 11], false, false],
  [[2, 13, 7], [2, 11, 13], true, true],
  [[1, 13], [5, 13], false, true],
  [[3, 5, 8], [1, 8, 6], false, false],
];
const SPEED: Problem = [[256, 512], [512, 512], false, false];

/**
 * Compares `blas` with the registered wasm `BatchMatMul` kernel on a few small products (odd sizes, both
 * transposes, a folded and a broadcast batch, one row), then times both on a 256x512x512 product
 * (best of 4 alternating rounds; the library on its threads and on one). The wasm backend must be active; the kernel registry is left as found.
 *
 * @example
 * ```ts
 * import { initBackend } from "@recursive/trm/core";
 * import { checkNativeBlas, openNativeBlas } from "@recursive/trm/kernels";
 * await initBackend("wasm", { nativeBlas: "off" });
 * const { blas } = openNativeBlas();
 * if (blas) {
 *   const check = checkNativeBlas(blas);
 *   if (check.ok && !(check.gflops.native > check.gflops.wasm)) throw new Error("slower passed");
 * }
 * ```
 */
export function checkNativeBlas(blas: NativeBlas): BlasCheck {
  const previous = nativeMatMulLibrary();
  uninstallNativeMatMul();
  const wasmKernel = tf.getKernel("BatchMatMul", "wasm");
  if (!wasmKernel || tf.getBackend() !== "wasm") {
    return { ok: false, reason: "the wasm backend is not active" };
  }
  installNativeMatMul(blas);
  const nativeKernel = tf.getKernel("BatchMatMul", "wasm")!;
  uninstallNativeMatMul();
  try {
    return compare(blas, wasmKernel, nativeKernel);
  } finally {
    if (previous) installNativeMatMul(previous);
  }
}

function compare(blas: NativeBlas, wasmKernel: tf.KernelConfig, nativeKernel: tf.KernelConfig): BlasCheck {
  const backend = tf.backend() as unknown as {
    readSync(id: object): Float32Array;
    disposeData(id: object): void;
  };
  let seed = 12345;
  const random = (shape: number[]): tf.Tensor => {
    const v = new Float32Array(shape.reduce((p, d) => p * d, 1));
    for (let i = 0; i < v.length; i++) v[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    return tf.tensor(v, shape);
  };
  const run = (
    kernel: tf.KernelConfig,
    a: tf.Tensor,
    b: tf.Tensor,
    ta: boolean,
    tb: boolean,
    read = true,
  ) => {
    const out = kernel.kernelFunc({
      inputs: { a, b } as never,
      backend: tf.backend(),
      attrs: { transposeA: ta, transposeB: tb } as never,
    }) as tf.TensorInfo;
    const values = read ? backend.readSync(out.dataId).slice() : new Float32Array(0);
    backend.disposeData(out.dataId);
    return values;
  };
  for (const [sa, sb, ta, tb] of CHECKS) {
    const a = random(sa), b = random(sb);
    try {
      const want = run(wasmKernel, a, b, ta, tb), got = run(nativeKernel, a, b, ta, tb);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = got.length === want.length
        ? got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0)
        : Infinity;
      if (!(err <= 1e-5 * (1 + scale))) {
        return { ok: false, reason: `${blas.path} answered wrongly on ${sa}x${sb} (max error ${err})` };
      }
    } finally {
      tf.dispose([a, b]);
    }
  }
  const [sa, sb] = SPEED;
  const a = random(sa), b = random(sb);
  const best = { native: Infinity, wasm: Infinity };
  const threads = blas.threads;
  try {
    // Alternating rounds, best of each: robust to other work on a shared machine. The library is also
    // timed on one thread: on an oversubscribed machine a multi-threaded GEMM waits for its slowest
    // thread and can lose to wasm although the library itself is faster (the choice is about the
    // library; its thread count stays as configured).
    for (let round = 0; round < 4; round++) {
      for (
        const [key, kernel, n] of [["wasm", wasmKernel, 0], ["native", nativeKernel, threads], [
          "native",
          nativeKernel,
          1,
        ]] as const
      ) {
        if (n > 0) blas.setThreads(n);
        const t0 = performance.now();
        run(kernel, a, b, false, false, false);
        best[key] = Math.min(best[key], performance.now() - t0);
      }
    }
  } finally {
    blas.setThreads(threads);
    tf.dispose([a, b]);
  }
  const flop = 2 * sa[0]! * sa[1]! * sb[1]!;
  const gflops = { native: flop / best.native / 1e6, wasm: flop / best.wasm / 1e6 };
  if (!(gflops.native > gflops.wasm)) {
    return {
      ok: false,
      reason: `${blas.path} is slower than the wasm kernel (${gflops.native.toFixed(1)} vs ${
        gflops.wasm.toFixed(1)
      } GFLOP/s)`,
    };
  }
  return { ok: true, gflops };
}
