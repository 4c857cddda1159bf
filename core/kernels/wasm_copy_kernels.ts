/**
 * Copy-free `Identity` and same-dtype `Cast`, copy-once `Slice` / `SplitV`, a block-copy `Tile` and a
 * tiled `Transpose` for the wasm backend, registered like the other overrides in this folder.
 *
 * tfjs-backend-wasm 4.22 implements `Identity` (every `tf.clone`, many gradients: ~500 calls per
 * training step) as a fresh buffer plus a copy, and so is `Cast` even when the dtype stays (every
 * `tf.mul` gradient asks for `cast(b, "float32")`: 56 copies of [4096, 512] per Sudoku-MLP step at
 * batch 8, 1.5% of it). Its `Slice` (and `SplitV`, which the SwiGLU's weight split uses) first copies
 * the whole input out of the heap with `readSync` and then the slice into the output: for a [512, 3072]
 * weight split in two, two full 6 MB copies per call, 10% of a Sudoku-MLP step. Its `Tile` (every
 * `broadcastTo`, e.g. the initial carry) computes an index per element: ~5 ms for a [64, 32, 64]
 * broadcast. Its `Transpose` of the last two axes is slow for short rows: the MLP-mixer's token axis,
 * [8, 512, 97] -> [8, 97, 512], 4% of that step. Here `Identity` and a same-dtype `Cast` share the
 * input's buffer (reference-counted, as the cpu backend and the wasm `Reshape` already do), slices copy
 * contiguous runs straight between heap views, tiles copy each input row once and then double blocks
 * with `copyWithin`, and transposes of the last two axes with rows under 256 go through 16 x 16 tiles.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmBackend } from "./wasm_backend.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

const NAMES = ["Identity", "Slice", "SplitV", "Tile", "Cast", "Transpose"] as const;
let originals: tf.KernelConfig[] | undefined;

/**
 * Copies `x[begin : begin + size]` (row-major) into `out`: one `set` per contiguous run, where the run
 * merges the trailing dims taken whole.
 *
 * @example
 * ```ts
 * import { sliceInto } from "@recursive/trm/kernels";
 * const out = new Float32Array(4);
 * sliceInto(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4], [1, 1], [2, 2], out);
 * if (out.join() !== "5,6,9,10") throw new Error(out.join());
 * ```
 */
export function sliceInto<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: T,
): void {
  const rank = shape.length;
  let d = rank - 1, run = 1;
  while (d >= 0 && size[d] === shape[d]) run *= shape[d--]!;
  if (d < 0) return out.set(x.subarray(0, run));
  const inner = run;
  run *= size[d]!;
  const strides = tf.util.computeStrides([...shape]);
  // Odometer over dims 0..d-1; each position copies one run of `run` elements starting at begin[d].
  const idx = new Array<number>(d).fill(0);
  let base = begin[d]! * inner;
  for (let j = 0; j < d; j++) base += begin[j]! * strides[j]!;
  const total = out.length / run;
  for (let r = 0; r < total; r++) {
    let off = base;
    for (let j = 0; j < d; j++) off += idx[j]! * strides[j]!;
    out.set(x.subarray(off, off + run), r * run);
    for (let j = d - 1; j >= 0; j--) {
      if (++idx[j]! < size[j]!) break;
      idx[j] = 0;
    }
  }
}

/**
 * Writes `x` tiled `reps` times per dim into `out` (row-major), by copying each innermost row of `x`
 * once and replicating blocks with doubling `copyWithin` calls.
 *
 * @example
 * ```ts
 * import { tileInto } from "@recursive/trm/kernels";
 * const out = new Int32Array(12);
 * tileInto(Int32Array.of(1, 2), [2, 1], [2, 3], out);
 * if (out.join() !== "1,1,1,2,2,2,1,1,1,2,2,2") throw new Error(out.join());
 * ```
 */
export function tileInto<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  reps: readonly number[],
  out: T,
): void {
  const r = shape.length;
  if (r === 0) return out.set(x.subarray(0, 1));
  const xStrides = [...tf.util.computeStrides([...shape]), 1];
  const outShape = shape.map((d, i) => d * reps[i]!);
  const oStrides = [...tf.util.computeStrides(outShape), 1];
  const fill = (dim: number, xOff: number, oOff: number): void => {
    if (dim === r - 1) out.set(x.subarray(xOff, xOff + shape[dim]!), oOff);
    else {for (let i = 0; i < shape[dim]!; i++) {
        fill(dim + 1, xOff + i * xStrides[dim]!, oOff + i * oStrides[dim]!);
      }}
    const block = shape[dim]! * oStrides[dim]!, total = block * reps[dim]!;
    for (let done = block; done < total; done += Math.min(done, total - done)) {
      out.copyWithin(oOff + done, oOff, oOff + Math.min(done, total - done));
    }
  };
  fill(0, 0, 0);
}

/**
 * Writes `x` viewed as [B, R, C] into `out` as [B, C, R] (the last two axes swapped), in 16 x 16 tiles
 * so that both the reads and the writes stay within a few cache lines.
 *
 * @example
 * ```ts
 * import { transposeInto } from "@recursive/trm/kernels";
 * const out = new Float32Array(6);
 * transposeInto(Float32Array.of(1, 2, 3, 4, 5, 6), 1, 2, 3, out);
 * if (out.join() !== "1,4,2,5,3,6") throw new Error(out.join());
 * ```
 */
export function transposeInto<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  B: number,
  R: number,
  C: number,
  out: T,
): void {
  const TILE = 16;
  for (let b = 0, o = 0; b < B; b++, o += R * C) {
    for (let r0 = 0; r0 < R; r0 += TILE) {
      const r1 = Math.min(R, r0 + TILE);
      for (let c0 = 0; c0 < C; c0 += TILE) {
        const c1 = Math.min(C, c0 + TILE);
        for (let r = r0; r < r1; r++) {
          for (let c = c0, xi = o + r * C; c < c1; c++) out[o + c * R + r] = x[xi + c]!;
        }
      }
    }
  }
}

function slice(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  // Views after makeOutput: its malloc may grow the heap and detach older views.
  sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/**
 * Registers the wasm `Identity`, `Slice`, `SplitV`, `Tile`, `Cast` and `Transpose` overrides (idempotent; string tensors keep the
 * original kernels). `initBackend("wasm")` calls this.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { installWasmCopyKernels } from "@recursive/trm/kernels";
 * await initBackend("wasm");
 * installWasmCopyKernels();
 * const [a, b] = tf.split(tf.tensor2d([1, 2, 3, 4], [2, 2]), 2, 1);
 * if ((await b!.data()).join() !== "2,4") throw new Error("split");
 * ```
 */
export function installWasmCopyKernels(): void {
  if (originals) return;
  const found = NAMES.map((n) => tf.getKernel(n, "wasm"));
  if (found.some((k) => !k)) throw new Error("installWasmCopyKernels: the wasm backend is not registered");
  originals = found as tf.KernelConfig[];
  const [identity, sliceK, splitV, tile, cast, transpose] = originals as [
    tf.KernelConfig,
    tf.KernelConfig,
    tf.KernelConfig,
    tf.KernelConfig,
    tf.KernelConfig,
    tf.KernelConfig,
  ];
  const replace = (
    base: tf.KernelConfig,
    kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
  ) => {
    tf.unregisterKernel(base.kernelName, "wasm");
    tf.registerKernel({ ...base, kernelFunc });
  };
  const share = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    (args.backend as unknown as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  replace(
    identity,
    (args) => (args.inputs.x as tf.TensorInfo).dtype === "string" ? identity.kernelFunc(args) : share(args),
  );
  replace(cast, (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const same = x.dtype !== "string" && x.dtype === (args.attrs as { dtype: tf.DataType }).dtype;
    return same ? share(args) : cast.kernelFunc(args);
  });
  replace(sliceK, (args) => {
    const x = args.inputs.x as tf.Tensor;
    if (x.dtype === "string") return sliceK.kernelFunc(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    return slice(args.backend as unknown as WasmBackend, x, b, s);
  });
  replace(splitV, (args) => {
    const x = args.inputs.x as tf.Tensor;
    if (x.dtype === "string") return splitV.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const out = slice(args.backend as unknown as WasmBackend, x, [...begin], size);
      begin[ax]! += s;
      return out;
    });
  });
  replace(transpose, (args) => {
    const x = args.inputs.x as tf.TensorInfo, perm = (args.attrs as { perm: number[] }).perm;
    const k = x.shape.length, R = x.shape[k - 2] ?? 1, C = x.shape[k - 1] ?? 1;
    const swapsLastTwo = k >= 2 && perm[k - 2] === k - 1 && perm[k - 1] === k - 2 &&
      perm.slice(0, -2).every((p, i) => p === i);
    // tfjs's loop reads rows of C in order and is the faster one for long rows (C >= 256 measured 2x
    // faster on [8, 97, 512]); for shorter rows, e.g. the MLP-mixer's [8, 512, 97] -> [8, 97, 512],
    // the tiles are 3-5x faster (bench: 2.3 ms against 0.53 ms).
    if (x.dtype === "string" || !swapsLastTwo || C >= 256) return transpose.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
    const B = tf.util.sizeFromShape(x.shape.slice(0, -2));
    if (B * R * C > 0) transposeInto(backend.typedArrayFromHeap(x), B, R, C, backend.typedArrayFromHeap(out));
    return out;
  });
  replace(tile, (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = (args.attrs as { reps: number[] }).reps;
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const size = tf.util.sizeFromShape(outShape), rows = tf.util.sizeFromShape(x.shape.slice(0, -1));
    // Many short rows (a [N, 1] column tiled along its last axis): the C++ loop is as good.
    if (x.dtype === "string" || rows * 16 > size) return tile.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(outShape, x.dtype);
    if (size > 0) tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
    return out;
  });
}

/**
 * Restores the original wasm `Identity`, `Slice`, `SplitV`, `Tile`, `Cast` and `Transpose` kernels (for tests and comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWasmCopyKernels } from "@recursive/trm/kernels";
 * uninstallWasmCopyKernels(); // a no-op when nothing is installed
 * ```
 */
export function uninstallWasmCopyKernels(): void {
  if (!originals) return;
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, "wasm");
    tf.registerKernel(k);
  }
  originals = undefined;
}
