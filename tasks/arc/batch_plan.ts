/**
 * The reference's batch filling (spec 5.7) with random access. Each epoch walks a permutation of the
 * groups (seeded by the epoch); for each group one version is picked at random and all of its examples,
 * in random order, are appended; when they would overflow the batch, a random subset that fits is taken
 * and the rest dropped. Batches run on across epoch boundaries, as in the reference's multi-epoch
 * iterations. Batch `step` is a function of (seed, batch size, step) only: the walk records, per epoch,
 * how many batches were complete and how full the current one was when it began, so a resumed run
 * finds its position by a cheap counting pass and then builds just the batch it needs.
 *
 * @module
 */
import { createRng, deriveSeed, permutation } from "@recursive/trm/core";

/** One slot of a batch: version `version` (0 = original) of group `group`, its example `pair`. */
export interface ArcBatchItem {
  /** Group (task) index. */
  readonly group: number;
  /** Version index within the group. */
  readonly version: number;
  /** Example index within the version. */
  readonly pair: number;
}

const SALT_ORDER = 0x4f524452, SALT_PICK = 0x5049434b;

/**
 * Random-access batch plan over groups of `sizes[g]` examples each, with `versions[g]` versions.
 *
 * @example
 * ```ts
 * import { ArcBatchPlan } from "@recursive/trm/tasks/arc";
 * const plan = new ArcBatchPlan(Int32Array.from([3, 2, 4]), Int32Array.from([5, 1, 2]), 7, 4);
 * const b = plan.batch(10);
 * if (b.length !== 4 || new ArcBatchPlan(Int32Array.from([3, 2, 4]), Int32Array.from([5, 1, 2]), 7, 4).batch(10)[3]!.pair !== b[3]!.pair) {
 *   throw new Error("deterministic in (seed, step)");
 * }
 * ```
 */
export class ArcBatchPlan {
  readonly #sizes: Int32Array;
  readonly #versions: Int32Array;
  readonly #seed: number;
  readonly #B: number;
  #done = new Float64Array(1024); // batches complete when epoch e begins
  #fill = new Int32Array(1024); // examples already in the open batch when epoch e begins
  #walked = 1; // epochs whose start state is known
  #orders = new Map<number, Int32Array>();

  /** `sizes[g]`: examples per version of group g; `versions[g]`: its versions; `batchSize` B. */
  constructor(sizes: Int32Array, versions: Int32Array, seed: number, batchSize: number) {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    if (sizes.length === 0 || sizes.some((n) => n <= 0) || versions.some((n) => n <= 0)) {
      throw new RangeError("every group needs at least one example and one version");
    }
    this.#sizes = sizes;
    this.#versions = versions;
    this.#seed = seed;
    this.#B = batchSize;
  }

  #order(epoch: number): Int32Array {
    let o = this.#orders.get(epoch);
    if (!o) {
      if (this.#orders.size > 3) this.#orders.clear();
      o = permutation(createRng(deriveSeed(this.#seed, SALT_ORDER, epoch)), this.#sizes.length);
      this.#orders.set(epoch, o);
    }
    return o;
  }

  // Counting pass: extends the per-epoch start states until batch `step` is complete.
  #walkTo(step: number): void {
    const B = this.#B;
    while (this.#done[this.#walked - 1]! <= step) {
      const e = this.#walked - 1;
      let done = this.#done[e]!, fill = this.#fill[e]!;
      const order = permutation(createRng(deriveSeed(this.#seed, SALT_ORDER, e)), this.#sizes.length);
      for (const g of order) {
        const n = this.#sizes[g]!;
        if (fill + n >= B) [done, fill] = [done + 1, 0];
        else fill += n;
      }
      if (this.#walked === this.#done.length) {
        const grow = <T extends Float64Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
        this.#done = grow(this.#done, new Float64Array(this.#done.length * 2));
        this.#fill = grow(this.#fill, new Int32Array(this.#fill.length * 2));
      }
      this.#done[this.#walked] = done;
      this.#fill[this.#walked] = fill;
      this.#walked++;
    }
  }

  /** The epoch in which batch `step` begins (counting from 0). */
  epochOf(step: number): number {
    this.#walkTo(step);
    // Last epoch e whose first new batch (done, +1 if one was open) is <= step.
    let lo = 0, hi = this.#walked - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#done[mid]! + (this.#fill[mid]! > 0 ? 1 : 0) <= step) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The `batchSize` items of batch `step`. */
  batch(step: number): ArcBatchItem[] {
    if (!(Number.isInteger(step) && step >= 0)) throw new RangeError(`step must be >= 0, got ${step}`);
    const B = this.#B, items: ArcBatchItem[] = [];
    let e = this.epochOf(step), done = this.#done[e]!, fill = this.#fill[e]!;
    for (;; e++) {
      const order = this.#order(e);
      for (let k = 0; k < order.length; k++) {
        const g = order[k]!, n = this.#sizes[g]!, take = Math.min(n, B - fill);
        if (done === step) {
          const rng = createRng(deriveSeed(this.#seed, SALT_PICK, e, k));
          const version = rng.int(0, this.#versions[g]! - 1);
          const pairs = permutation(rng, n); // a random subset (all, in random order, if it fits)
          for (let i = 0; i < take; i++) items.push({ group: g, version, pair: pairs[i]! });
          if (items.length === B) return items;
        }
        if (fill + n >= B) [done, fill] = [done + 1, 0];
        else fill += n;
      }
    }
  }
}
