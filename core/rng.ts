/**
 * Seeded randomness for everything random in the library (data order, augmentations, exploration,
 * initialisation). Built on `pure-rand`'s xoroshiro128+; there is no `Math.random` anywhere.
 *
 * @module
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/**
 * A mutable, seeded random source. Its state can be saved and restored, so a resumed run draws the
 * same numbers as an uninterrupted one.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * const a = createRng(7), b = createRng(7);
 * if (a.int(0, 99) !== b.int(0, 99)) throw new Error("same seed, same stream");
 * ```
 */
export interface Rng {
  /** A uniform integer in `[from, to]`, both ends included. */
  int(from: number, to: number): number;
  /** A uniform float in `[0, 1)`. */
  float(): number;
  /** A snapshot of the generator state (plain numbers, JSON-safe). */
  state(): readonly number[];
}

class PureRng implements Rng {
  #gen: RandomGenerator;
  constructor(gen: RandomGenerator) {
    this.#gen = gen;
  }
  int(from: number, to: number): number {
    if (!(to >= from)) throw new RangeError(`Rng.int: expected from <= to, got ${from} > ${to}`);
    return uniformInt(this.#gen, from, to);
  }
  float(): number {
    return uniformFloat64(this.#gen);
  }
  state(): readonly number[] {
    return this.#gen.getState();
  }
}

/**
 * Creates a seeded generator (xoroshiro128+).
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * const rng = createRng(0);
 * const v = rng.float();
 * if (!(v >= 0 && v < 1)) throw new Error("float in [0, 1)");
 * ```
 */
export function createRng(seed: number): Rng {
  return new PureRng(xoroshiro128plus(seed | 0));
}

/**
 * Restores a generator from {@linkcode Rng.state}.
 *
 * @example
 * ```ts
 * import { createRng, rngFromState } from "@recursive/trm/core";
 * const a = createRng(3);
 * const b = rngFromState(a.state());
 * if (a.int(0, 1e6) !== b.int(0, 1e6)) throw new Error("restored stream");
 * ```
 */
export function rngFromState(state: readonly number[]): Rng {
  return new PureRng(xoroshiro128plusFromState(state));
}

/**
 * Mixes a seed with any number of integers into a new 32-bit seed (splitmix32 finaliser), so that
 * e.g. the augmentation of example `i` at epoch `e` is `createRng(deriveSeed(seed, e, i))`: independent
 * of the order in which examples are visited.
 *
 * @example
 * ```ts
 * import { deriveSeed } from "@recursive/trm/core";
 * if (deriveSeed(1, 2) === deriveSeed(1, 3)) throw new Error("distinct inputs, distinct seeds");
 * ```
 */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  let h = seed | 0;
  for (const p of [...parts, parts.length]) {
    h = (h + Math.imul(p | 0, 0x9e3779b9) + 0x7f4a7c15) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h | 0;
}

/**
 * A uniform random permutation of `0..n-1` (Fisher-Yates).
 *
 * @example
 * ```ts
 * import { createRng, permutation } from "@recursive/trm/core";
 * const p = permutation(createRng(1), 5);
 * if ([...p].sort().join() !== "0,1,2,3,4") throw new Error("a permutation");
 * ```
 */
export function permutation(rng: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(rng, p);
  return p;
}

/**
 * Shuffles an array in place (Fisher-Yates) and returns it.
 *
 * @example
 * ```ts
 * import { createRng, shuffleInPlace } from "@recursive/trm/core";
 * const a = shuffleInPlace(createRng(2), [1, 2, 3]);
 * if (a.length !== 3) throw new Error("same length");
 * ```
 */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
