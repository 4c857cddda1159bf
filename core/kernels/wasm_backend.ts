/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that this folder's wasm kernels use (they are not in its
 * public types), in one place. Internal: `core/kernels/mod.ts` does not export it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

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
