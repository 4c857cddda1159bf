/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that this folder's wasm kernels use (they are not in its
 * public types), in one place. Internal: `core/kernels/mod.ts` does not export it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** tfjs-backend-wasm 4.22's backend object, as far as the kernels here touch it. */
export interface WasmBackend {
  /** The emscripten module: its heap, and (Deno's build) the wasm exports with `memory`. */
  readonly wasm: { readonly HEAPU8: Uint8Array; readonly asm?: { readonly memory?: unknown } };
  /** Each tensor's record; `memoryOffset` is the byte offset of its data on the heap. */
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  /** Allocates an output tensor on the heap (may grow the heap and detach older views). */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's data on the current heap. */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  /** One more owner of a tensor's buffer. */
  incRef(dataId: object): void;
  /** Drops one owner of a tensor's buffer, freeing it with the last. */
  disposeData(dataId: object): boolean;
}

/** The byte offset of `t`'s data on `backend`'s heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

const modules = new WeakMap<object, Map<string, WebAssembly.Exports>>();

/**
 * A WebAssembly module (base64 `bytes`, importing `env.memory`) instantiated on `backend`'s own memory,
 * once per backend; null where that memory is not reachable as a plain `WebAssembly.Memory` (the
 * browser build with threads imports a shared memory it does not expose; Deno's build exports it as
 * `memory`) or the engine cannot compile the module (no WebAssembly SIMD).
 */
export function heapModule<T>(backend: WasmBackend, bytes: string): T | null {
  let byBytes = modules.get(backend);
  if (!byBytes) modules.set(backend, byBytes = new Map());
  let ex = byBytes.get(bytes);
  if (!ex) {
    const memory = backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof ArrayBuffer)) return null;
    const code = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
    if (!WebAssembly.validate(code)) return null;
    ex = new WebAssembly.Instance(new WebAssembly.Module(code), { env: { memory } }).exports;
    byBytes.set(bytes, ex);
  }
  return ex as T;
}

/** Registers a wasm kernel that reads its tensor inputs and attributes only. */
export function registerWasmKernel(
  name: string,
  run: (
    backend: WasmBackend,
    inputs: Record<string, tf.TensorInfo>,
    attrs: Record<string, unknown>,
  ) => tf.TensorInfo | tf.TensorInfo[],
): void {
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) =>
      run(
        args.backend as unknown as WasmBackend,
        args.inputs as Record<string, tf.TensorInfo>,
        (args.attrs ?? {}) as Record<string, unknown>,
      )) as tf.KernelFunc,
  });
}
