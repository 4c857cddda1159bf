/**
 * The sparse puzzle-embedding table (spec 2.3, 5.2): one row per puzzle identifier, kept on the CPU as a
 * Float32Array (ARC-AGI-1 needs ~877k x 512 floats, ~1.8 GB, far beyond what belongs on a GPU), read
 * row-wise into each batch and updated by sign-SGD with decoupled decay on the touched rows only.
 *
 * @module
 */
import { expectTensors, type OwnerState, StateError } from "./state.ts";

/**
 * The table. Zero-initialised; not a trainable parameter (excluded from AdamATan2, EMA and the
 * parameter count, as the reference's buffer).
 *
 * @example
 * ```ts
 * import { PuzzleEmbedding } from "@recursive/trm/core";
 * const table = new PuzzleEmbedding(3, 2);
 * table.update(Int32Array.from([1, 1]), Float32Array.from([1, -1, 1, -1]), 0.5, 0);
 * const row = table.gather(Int32Array.from([1]));
 * if (row[0] !== -0.5 || row[1] !== 0.5) throw new Error(String(row));
 * const copy = new PuzzleEmbedding(3, 2);
 * copy.load(await table.state());
 * if (copy.gather(Int32Array.from([1]))[0] !== -0.5) throw new Error("restored");
 * ```
 */
export class PuzzleEmbedding {
  /** Number of identifiers (rows). */
  readonly rows: number;
  /** Row width (= hidden size). */
  readonly dim: number;
  /** Row-major weights, `rows * dim`. */
  readonly weights: Float32Array;

  /** Allocates a zero table (the OS hands out zero pages lazily). */
  constructor(rows: number, dim: number) {
    if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(dim) && dim > 0)) {
      throw new RangeError(`PuzzleEmbedding: expected positive integer rows and dim, got ${rows} x ${dim}`);
    }
    this.rows = rows;
    this.dim = dim;
    this.weights = new Float32Array(rows * dim);
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.weights.byteLength;
  }

  /** Copies the rows of `ids` into a new [ids.length, dim] array. */
  gather(ids: Int32Array): Float32Array {
    const out = new Float32Array(ids.length * this.dim);
    ids.forEach((id, b) => {
      this.#check(id);
      out.set(this.weights.subarray(id * this.dim, (id + 1) * this.dim), b * this.dim);
    });
    return out;
  }

  /**
   * Sign-SGD with decoupled decay: gradients of duplicate ids are summed first, then for each touched
   * row r only: W_r <- W_r * (1 - lr * wd) - lr * sign(G_r). Untouched rows get no decay either.
   */
  update(ids: Int32Array, grads: Float32Array, lr: number, weightDecay: number): void {
    const d = this.dim;
    if (grads.length !== ids.length * d) {
      throw new RangeError(
        `PuzzleEmbedding.update: expected ${ids.length * d} gradient values, got ${grads.length}`,
      );
    }
    const sums = new Map<number, Float32Array>();
    ids.forEach((id, b) => {
      this.#check(id);
      let g = sums.get(id);
      if (!g) sums.set(id, g = new Float32Array(d));
      for (let k = 0; k < d; k++) g[k]! += grads[b * d + k]!;
    });
    const decay = 1 - lr * weightDecay;
    for (const [id, g] of sums) {
      const row = this.weights.subarray(id * d, (id + 1) * d);
      for (let k = 0; k < d; k++) row[k] = row[k]! * decay - lr * Math.sign(g[k]!);
    }
  }

  /**
   * The table as the tensor `weights` [rows, dim] and `{ rows, dim }`. The tensor is a view of the live
   * table, not a copy (ARC's is ~1.8 GB): write it out before the next `update`.
   */
  state(): Promise<OwnerState> {
    return Promise.resolve({
      tensors: { weights: { shape: [this.rows, this.dim], data: this.weights } },
      json: { rows: this.rows, dim: this.dim },
    });
  }

  /** Restores a {@linkcode PuzzleEmbedding.state}; throws a one-line `StateError` when it does not fit. */
  load(state: OwnerState): void {
    for (const [field, want] of [["rows", this.rows], ["dim", this.dim]] as const) {
      const got = state.json[field];
      if (got !== want) {
        throw new StateError(`PuzzleEmbedding: ${field}: expected ${want}, got ${JSON.stringify(got)}`);
      }
    }
    const found = expectTensors("PuzzleEmbedding", state, new Map([["weights", [this.rows, this.dim]]]));
    const data = found.get("weights")!.data;
    if (!(data instanceof Float32Array)) {
      throw new StateError(`PuzzleEmbedding: tensor "weights": expected float32 values`);
    }
    this.weights.set(data);
  }

  #check(id: number): void {
    if (!(Number.isInteger(id) && id >= 0 && id < this.rows)) {
      throw new RangeError(`PuzzleEmbedding: puzzle id ${id} outside 0..${this.rows - 1}`);
    }
  }
}
