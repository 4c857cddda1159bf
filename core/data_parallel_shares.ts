/**
 * The pure parts of a data-parallel step: cutting the work of all B slots into the workers' contiguous
 * shares, and putting their replies back together in slot order (sums of the losses, the all-gather of
 * the puzzle-row gradients and the per-slot values, the gradient regions summed in rank order, the carry).
 * Internal to `DataParallelSession` (not exported by `core/mod.ts`); `tests/data_parallel_test.ts` covers it.
 *
 * @module
 */
import type { GradientLayout, SlotRange } from "./data_parallel_protocol.ts";
import type { SlotValues, SlotWork } from "./slot_gradients.ts";

/** Slots `r` of a per-slot array of `width` values per slot. */
function part<T extends Int32Array | Uint8Array | Float32Array>(a: T, r: SlotRange, width: number): T {
  return a.slice(r.start * width, (r.start + r.size) * width) as T;
}

/**
 * The work of slots `r` out of `work` (L tokens and a D-wide puzzle row per slot).
 */
export function shareOf(work: SlotWork, r: SlotRange, L: number, D: number): SlotWork {
  return {
    packed: {
      inputs: part(work.packed.inputs, r, L),
      labels: part(work.packed.labels, r, L),
      puzzleIds: part(work.packed.puzzleIds, r, 1),
    },
    rows: part(work.rows, r, D),
    reset: part(work.reset, r, 1),
    isLast: part(work.isLast, r, 1),
    lr: work.lr,
  };
}

/**
 * The values of all B slots from the workers' replies (in rank order, worker k holding `ranges[k]`):
 * losses summed, per-slot values and D-wide puzzle-row gradients placed at their slots.
 */
export function mergeShares(
  replies: readonly SlotValues[],
  ranges: readonly SlotRange[],
  D: number,
): SlotValues {
  const B = ranges.reduce((n, r) => n + r.size, 0), flat = (w: number) => new Float32Array(B * w);
  const out = {
    loss: 0,
    lmLoss: 0,
    qHaltLoss: 0,
    qContinueLoss: 0,
    puzzleGrad: flat(D),
    qHalt: flat(1),
    qContinue: flat(1),
    count: flat(1),
    correct: flat(1),
    exact: flat(1),
  };
  replies.forEach((v, k) => {
    const start = ranges[k]!.start;
    out.loss += v.loss;
    out.lmLoss += v.lmLoss;
    out.qHaltLoss += v.qHaltLoss;
    out.qContinueLoss += v.qContinueLoss;
    out.puzzleGrad.set(v.puzzleGrad, start * D); // the all-gather of the row gradients
    for (const key of ["qHalt", "qContinue", "count", "correct", "exact"] as const) {
      out[key].set(v[key], start);
    }
  });
  return out;
}

/**
 * Sums the `workers` gradient regions of `buffer` in rank order into the region after them (the one
 * every replica applies); returns which variables any worker had a gradient for.
 */
export function sumRegions(
  buffer: SharedArrayBuffer,
  layout: GradientLayout,
  workers: number,
  presence: readonly Uint8Array[],
): Uint8Array {
  const P = layout.total, f = new Float32Array(buffer);
  for (let i = 0; i < P; i++) {
    let acc = f[i]!;
    for (let k = 1; k < workers; k++) acc += f[k * P + i]!;
    f[workers * P + i] = acc;
  }
  const present = new Uint8Array(layout.sizes.length);
  for (const p of presence) p.forEach((x, i) => (present[i]! |= x));
  return present;
}

/**
 * Each named state's carry over all slots from the workers' shares (rank order), or null when no worker
 * has one yet; throws when a worker lacks one of `names`.
 */
export function joinCarry(
  names: readonly string[],
  parts: readonly (Record<string, Float32Array> | null)[],
): Record<string, Float32Array> | null {
  if (parts.every((p) => p === null)) return null;
  const out: Record<string, Float32Array> = {};
  for (const name of names) {
    const shares = parts.map((p) => p?.[name]);
    if (shares.some((s) => s === undefined)) {
      throw new Error(`DataParallelSession: carry "${name}" is missing`);
    }
    const all = new Float32Array(shares.reduce((n, s) => n + s!.length, 0));
    let o = 0;
    for (const s of shares) all.set(s!, (o += s!.length) - s!.length);
    out[name] = all;
  }
  return out;
}
