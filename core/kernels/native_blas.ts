/**
 * The machine's own BLAS, loaded with `Deno.dlopen`: `cblas_sgemm` from OpenBLAS, BLIS, MKL or any
 * CBLAS on Linux/Windows, Accelerate's vecLib on macOS.
 *
 * Why a hand-written binding: there is no npm package that binds a system BLAS for Deno without a native
 * build step, and the binding is one symbol. The library multiplies on every core (tfjs-wasm runs XNNPACK
 * on one thread in Deno) at several times the single-thread rate.
 *
 * Nothing here prompts or throws when the library or the `--allow-ffi` permission is missing:
 * {@linkcode openNativeBlas} returns the reason instead.
 *
 * @module
 */

/** Which family of BLAS was loaded (by the symbols it exports). */
export type BlasName = "openblas" | "blis" | "mkl" | "accelerate" | "blas";

/** A loaded BLAS: row-major single-precision GEMM on caller-owned memory. */
export interface NativeBlas {
  /** Library family. */
  readonly name: BlasName;
  /** The file name or path it was opened as. */
  readonly path: string;
  /** Threads the library multiplies on (as it reports; the requested count when it does not say). */
  readonly threads: number;
  /** Sets the library's thread count (where it has a setter: OpenBLAS, BLIS, MKL); returns `threads`. */
  setThreads(n: number): number;
  /**
   * C = op(A) op(B) (+ C when `accumulate`), row-major; `a`, `b`, `c` are views whose first element is
   * the matrix's first element (they are passed by pointer, not copied).
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    c: Float32Array,
    ldc: number,
    accumulate?: boolean,
  ): void;
  /** Unloads the library. */
  close(): void;
}

/** The outcome of {@linkcode openNativeBlas}: a library, or why there is none. */
export type OpenResult = { readonly blas: NativeBlas } | { readonly blas: null; readonly reason: string };

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  bli_info_get_version_str: { parameters: [], result: "pointer", optional: true },
  bli_thread_set_num_threads: { parameters: ["i64"], result: "void", optional: true },
  bli_thread_get_num_threads: { parameters: [], result: "i64", optional: true },
  MKL_Set_Num_Threads: { parameters: ["i32"], result: "void", optional: true },
  MKL_Get_Max_Threads: { parameters: [], result: "i32", optional: true },
} as const;

/**
 * Library names tried, in order, for an operating system (`Deno.build.os`); `TRM_BLAS_LIBRARY`, when
 * set, names the only library to try instead. Generic `libblas.so.3` comes last: it is Debian's alternative and may be the slow
 * reference BLAS, which the speed check in `initBackend` then rejects.
 *
 * @example
 * ```ts
 * import { blasCandidates } from "@recursive/trm/kernels";
 * if (blasCandidates("linux")[0] !== "libopenblas.so.0") throw new Error("OpenBLAS first");
 * ```
 */
export function blasCandidates(os: string): string[] {
  if (os === "darwin") {
    return [
      "/System/Library/Frameworks/Accelerate.framework/Versions/Current/Frameworks/vecLib.framework/vecLib",
      "/System/Library/Frameworks/Accelerate.framework/Accelerate",
      "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
      "/usr/local/opt/openblas/lib/libopenblas.dylib",
    ];
  }
  if (os === "windows") return ["libopenblas.dll", "openblas.dll", "mkl_rt.2.dll", "blis.dll"];
  return [
    "libopenblas.so.0",
    "libopenblas.so",
    "libblis.so.4",
    "libblis.so.3",
    "libblis.so",
    "libmkl_rt.so.2",
    "libmkl_rt.so",
    "libcblas.so.3",
    "libblas.so.3",
  ];
}

/** Reads an environment variable without prompting: undefined when unset or not permitted. */
export function envFlag(name: string): string | undefined {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  try {
    if (deno?.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Whether `Deno.dlopen` may be called without a prompt (false outside Deno, e.g. in a browser). */
export function ffiPermitted(): boolean {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  try {
    return typeof deno?.dlopen === "function" &&
      deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Opens the first BLAS among `candidates` that exports `cblas_sgemm` and sets its thread count
 * (default: every core, unless `OPENBLAS_NUM_THREADS`, `BLIS_NUM_THREADS`, `MKL_NUM_THREADS` or
 * `OMP_NUM_THREADS` is set). Returns the reason when none can be opened; never throws or prompts.
 *
 * @example
 * ```ts
 * import { openNativeBlas } from "@recursive/trm/kernels";
 * const r = openNativeBlas();
 * if (r.blas) {
 *   const c = new Float32Array(1);
 *   r.blas.sgemm(false, false, 1, 1, 2, Float32Array.of(1, 2), 2, Float32Array.of(3, 4), 1, c, 1);
 *   if (c[0] !== 11) throw new Error(String(c[0]));
 *   r.blas.close();
 * }
 * ```
 */
export function openNativeBlas(
  options: { readonly candidates?: readonly string[]; readonly threads?: number } = {},
): OpenResult {
  if (!ffiPermitted()) return { blas: null, reason: "no --allow-ffi permission" };
  const explicit = envFlag("TRM_BLAS_LIBRARY");
  const names = options.candidates ?? (explicit ? [explicit] : blasCandidates(Deno.build.os));
  const failures: string[] = [];
  for (const path of names) {
    let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
    } catch (e) {
      failures.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    return { blas: wrap(lib, path, options.threads) };
  }
  return { blas: null, reason: `no BLAS library found (tried ${names.join(", ")})` };
}

function wrap(lib: Deno.DynamicLibrary<typeof SYMBOLS>, path: string, threads?: number): NativeBlas {
  const s = lib.symbols;
  const name: BlasName = s.openblas_get_config
    ? "openblas"
    : s.bli_info_get_version_str
    ? "blis"
    : s.MKL_Get_Max_Threads
    ? "mkl"
    : /Accelerate|vecLib/.test(path)
    ? "accelerate"
    : "blas";
  const userSet = ["OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"]
    .some((v) => envFlag(v) !== undefined);
  const set = (n: number) => {
    s.openblas_set_num_threads?.(n);
    s.bli_thread_set_num_threads?.(BigInt(n));
    s.MKL_Set_Num_Threads?.(n);
  };
  const get = (fallback: number) =>
    s.openblas_get_num_threads?.() ?? s.MKL_Get_Max_Threads?.() ??
      (s.bli_thread_get_num_threads ? Number(s.bli_thread_get_num_threads()) : fallback);
  const want = threads ?? (userSet ? undefined : navigator.hardwareConcurrency);
  if (want !== undefined) set(want);
  let current = get(want ?? navigator.hardwareConcurrency);
  return {
    name,
    path,
    get threads() {
      return current;
    },
    setThreads: (n) => {
      set(n);
      return current = get(n);
    },
    sgemm: (transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate = false) =>
      s.cblas_sgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        lda,
        b,
        ldb,
        accumulate ? 1 : 0,
        c,
        ldc,
      ),
    close: () => lib.close(),
  };
}
