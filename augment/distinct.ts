/**
 * Distinct augmented versions of a task (spec 6.4): candidates are drawn at random and kept only when
 * the transformed task is new, for at most `maxAttempts` draws, so tasks with one or two colours (at most
 * 72 or 576 distinct versions) stop early instead of looping.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { Pair } from "./compose.ts";
import type { Augmentation, Grid } from "./types.ts";

/**
 * A 64-bit FNV-1a hash (as 16 hex digits) of a grid's shape and cells. The reference uses SHA-256; a
 * 64-bit hash keeps dedup and voting synchronous and fast, and a collision among the ~10^6 grids of one
 * run has probability ~10^-7.
 *
 * @example
 * ```ts
 * import { gridHash } from "@recursive/trm/augment";
 * const a = { height: 1, width: 2, data: Uint8Array.from([1, 2]) };
 * const b = { height: 2, width: 1, data: Uint8Array.from([1, 2]) };
 * if (gridHash(a) === gridHash(b)) throw new Error("the shape is part of the hash");
 * ```
 */
export function gridHash(grid: Grid): string {
  // Two independent 32-bit FNV-1a lanes (different offset bases) make 64 bits.
  let h1 = 0x811c9dc5 | 0, h2 = 0x050c5d1f | 0;
  const mix = (v: number) => {
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ v, 0x01000193) ^ (h2 >>> 15);
  };
  mix(grid.height);
  mix(grid.width);
  const d = grid.data;
  for (let i = 0; i < d.length; i++) mix(d[i]!);
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/**
 * Hash of a whole task: the sorted per-pair hashes of input|output (pair order does not matter).
 *
 * @example
 * ```ts
 * import { taskHash } from "@recursive/trm/augment";
 * const g = (v: number) => ({ height: 1, width: 1, data: Uint8Array.from([v]) });
 * const a = { input: g(1), output: g(2) }, b = { input: g(3), output: g(4) };
 * if (taskHash([a, b]) !== taskHash([b, a])) throw new Error("order-free");
 * ```
 */
export function taskHash(pairs: readonly Pair[]): string {
  return pairs.map((p) => `${gridHash(p.input)}|${gridHash(p.output)}`).sort().join(",");
}

/** Options of {@linkcode distinctAugmentations}. */
export interface DistinctOptions {
  /** How many distinct versions to keep at most (the reference: 1000). */
  readonly count: number;
  /** Seeded generator of the draws. */
  readonly rng: Rng;
  /** Draws before giving up (default 5 x count). */
  readonly maxAttempts?: number;
}

/**
 * Params of up to `count` augmented versions of `pairs`, each distinct from the others and from the
 * original task.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { colorPermutation, compose, dihedral, distinctAugmentations } from "@recursive/trm/augment";
 * const g = { height: 1, width: 2, data: Uint8Array.from([0, 1]) }; // one colour besides black
 * const found = distinctAugmentations([{ input: g, output: g }], compose(colorPermutation(), dihedral()), {
 *   count: 1000, rng: createRng(0),
 * });
 * // 9 colours x 4 distinct placements of a 1x2 strip, minus the original: the draw stops at 35.
 * if (found.length !== 35) throw new Error(`${found.length}`);
 * ```
 */
export function distinctAugmentations<P>(
  pairs: readonly Pair[],
  aug: Augmentation<P>,
  options: DistinctOptions,
): P[] {
  const seen = new Set([taskHash(pairs)]);
  const out: P[] = [];
  const attempts = options.maxAttempts ?? 5 * options.count;
  for (let a = 0; a < attempts && out.length < options.count; a++) {
    const p = aug.sample(options.rng);
    const h = taskHash(
      pairs.map((pair) => ({ input: aug.apply(pair.input, p), output: aug.apply(pair.output, p) })),
    );
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(p);
  }
  return out;
}
