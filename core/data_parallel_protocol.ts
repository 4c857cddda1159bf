/**
 * The messages between a {@linkcode DataParallelSession} and its workers, and the layout of the shared
 * gradient buffer. Internal to data-parallel training (the coordinator in `data_parallel.ts`, the worker
 * in `data_parallel_worker.ts`).
 *
 * The buffer is a SharedArrayBuffer of N + 1 regions of P floats each (P = trainable parameters): region
 * k holds worker k's gradient, region N their sum, which the coordinator writes in rank order and every
 * replica reads, so all replicas apply bit-identical updates.
 *
 * @module
 */
import type { NativeBlasMode } from "./kernels/matmul_kernel.ts";
import type { OwnerState } from "./state.ts";
import type { TaskSpec } from "./task.ts";
import type { SlotValues, SlotWork } from "./slot_gradients.ts";

/** Where each trainable variable sits in a region of the gradient buffer. */
export interface GradientLayout {
  /** Start of each variable (in `model.variables` order), in floats. */
  readonly offsets: readonly number[];
  /** Elements of each variable. */
  readonly sizes: readonly number[];
  /** Floats per region (all trainable parameters). */
  readonly total: number;
}

/** The layout for variables of these element counts. */
export function gradientLayout(sizes: readonly number[]): GradientLayout {
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    total += s;
  }
  return { offsets, sizes: [...sizes], total };
}

/** A contiguous range of batch slots, as each reference rank takes its slice of the batch. */
export interface SlotRange {
  /** First slot. */
  readonly start: number;
  /** Number of slots. */
  readonly size: number;
}

/**
 * Splits B slots into `workers` contiguous ranges whose sizes differ by at most one (the first
 * B mod N ranges take one more).
 *
 * @example
 * ```ts
 * import { splitSlots } from "@recursive/trm/core";
 * if (splitSlots(5, 2).map((r) => r.size).join() !== "3,2") throw new Error("split");
 * ```
 */
export function splitSlots(batchSize: number, workers: number): SlotRange[] {
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= batchSize)) {
    throw new RangeError(
      `DataParallelSession: workers: expected an integer in 1..${batchSize} (the batch size), got ${workers}`,
    );
  }
  const base = Math.floor(batchSize / workers), extra = batchSize % workers;
  const out: SlotRange[] = [];
  let start = 0;
  for (let k = 0; k < workers; k++) {
    const size = base + (k < extra ? 1 : 0);
    out.push({ start, size });
    start += size;
  }
  return out;
}

/** The first message to a worker: everything to build its replica. */
export interface InitMessage {
  readonly type: "init";
  /** This worker's index (its gradient region). */
  readonly rank: number;
  /** Number of workers (the sum region follows their regions). */
  readonly workers: number;
  /** The task spec. */
  readonly spec: TaskSpec;
  /** `configToJson` of the model's config. */
  readonly config: Record<string, unknown>;
  /** Module exporting `mixerFromJson` and `schemeFromJson` (e.g. `@recursive/trm/plugins`). */
  readonly plugins: string;
  /** The worker's native BLAS mode. */
  readonly nativeBlas: NativeBlasMode;
  /**
   * Threads of the native BLAS once every worker has started. The library's thread count is one
   * process-wide setting, so each worker sets it after its own start-up check (which times the library
   * on its default threads): the last setting is always this one.
   */
  readonly blasThreads: number;
  /** Names (`namedVariables`) and values of every variable, buffers included: the broadcast from rank 0. */
  readonly names: readonly string[];
  /** Values, in `names` order. */
  readonly values: readonly Float32Array[];
  /** The global batch size (the loss divisor). */
  readonly divisor: number;
  /** The shared gradient buffer. */
  readonly buffer: SharedArrayBuffer;
  /** Its layout. */
  readonly layout: GradientLayout;
}

/** Requests after `init`; each gets exactly one reply, in order. */
export type Request =
  | InitMessage
  /** Compute the gradients of the worker's slots into its region; reply with the host values. */
  | { readonly type: "gradients"; readonly work: SlotWork }
  /** Apply the summed gradient (region N) at `lr` to the variables `present` marks; keep the new carry. */
  | { readonly type: "apply"; readonly lr: number; readonly present: Uint8Array }
  /** Drop the new carry (the step failed). */
  | { readonly type: "discard" }
  /** Read the carry. */
  | { readonly type: "carry" }
  /** Read the live weights (in `model.variables` order). */
  | { readonly type: "weights" }
  /** Rank 0: read the live weights, the optimizer state and the EMA (the coordinator's sync). */
  | { readonly type: "snapshot" }
  /** Load weights, optimizer state, this worker's part of the carry and (rank 0) the EMA. */
  | {
    readonly type: "load";
    readonly live: readonly Float32Array[];
    readonly adam: OwnerState;
    readonly carry: Readonly<Record<string, Float32Array>> | null;
    readonly ema: OwnerState | null;
  }
  /** Dispose everything and report the tensors left. */
  | { readonly type: "close" };

/** A worker's replies. */
export type Reply =
  /** After init and close: tensors alive in the worker (after close: should be the count before init). */
  | { readonly type: "ok"; readonly tensors: number }
  /** After `gradients`: the slots' host values and which variables got a gradient. */
  | { readonly type: "gradients"; readonly values: SlotValues; readonly present: Uint8Array }
  /** After `carry`. */
  | { readonly type: "carry"; readonly carry: Record<string, Float32Array> | null }
  /** After `weights`. */
  | { readonly type: "weights"; readonly live: Float32Array[] }
  /** After `snapshot`: the live weights, `AdamAtan2.state()` and `Ema.state()` (null without an EMA). */
  | {
    readonly type: "snapshot";
    readonly live: Float32Array[];
    readonly adam: OwnerState;
    readonly ema: OwnerState | null;
  }
  /** Any request that failed, in one line. */
  | { readonly type: "error"; readonly message: string };
