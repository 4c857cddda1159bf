/**
 * The batch boundary: typed-array examples in, tensors out.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Example, TaskSpec } from "./task.ts";

/** Packed rows of a batch, still on the CPU. */
export interface PackedBatch {
  /** [B * L] input tokens. */
  readonly inputs: Int32Array;
  /** [B * L] labels (IGNORE_LABEL where unsupervised). */
  readonly labels: Int32Array;
  /** [B] puzzle identifiers. */
  readonly puzzleIds: Int32Array;
}

/**
 * Packs examples row by row, checking each against the task spec.
 *
 * @example
 * ```ts
 * import { packBatch } from "@recursive/trm/core";
 * const spec = { name: "t", vocabSize: 3, seqLen: 2, numPuzzleIds: 1 };
 * const ex = { input: Int32Array.from([1, 2]), label: Int32Array.from([2, 2]), puzzleId: 0 };
 * const b = packBatch(spec, [ex, ex]);
 * if (b.inputs.length !== 4 || b.puzzleIds.length !== 2) throw new Error("packed");
 * ```
 */
export function packBatch(spec: TaskSpec, examples: readonly Example[]): PackedBatch {
  const L = spec.seqLen, B = examples.length;
  const inputs = new Int32Array(B * L), labels = new Int32Array(B * L), puzzleIds = new Int32Array(B);
  examples.forEach((ex, b) => {
    if (ex.input.length !== L || ex.label.length !== L) {
      throw new RangeError(
        `${spec.name} example ${b}: expected input and label of length ${L}, got ${ex.input.length} and ${ex.label.length}`,
      );
    }
    for (let i = 0; i < L; i++) {
      const t = ex.input[i]!;
      if (!(t >= 0 && t < spec.vocabSize)) {
        throw new RangeError(
          `${spec.name} example ${b}: input token ${t} at ${i} outside 0..${spec.vocabSize - 1}`,
        );
      }
    }
    inputs.set(ex.input, b * L);
    labels.set(ex.label, b * L);
    puzzleIds[b] = ex.puzzleId;
  });
  return { inputs, labels, puzzleIds };
}

/** Input and label tensors of a packed batch: [B, L] int32 each. Caller owns them. */
export function batchTensors(
  spec: TaskSpec,
  packed: PackedBatch,
): { inputs: tf.Tensor2D; labels: tf.Tensor2D } {
  const B = packed.puzzleIds.length, L = spec.seqLen;
  return {
    inputs: tf.tensor2d(packed.inputs, [B, L], "int32"),
    labels: tf.tensor2d(packed.labels, [B, L], "int32"),
  };
}

/**
 * Reads several tensors back in one async transfer (flattened, float32) and splits the result: the
 * one batched read per step that WebGPU allows without stalling. Disposes nothing.
 */
export async function readTensors(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(tf.cast(t, "float32"), [-1]))));
  try {
    const data = (await flat.data()) as Float32Array;
    const out: Float32Array[] = [];
    let o = 0;
    for (const t of tensors) {
      out.push(data.subarray(o, o + t.size));
      o += t.size;
    }
    return out;
  } finally {
    flat.dispose();
  }
}
