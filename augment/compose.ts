/**
 * Composition of augmentations and their use on input/output pairs.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { Augmentation, Grid } from "./types.ts";

/** An input grid and its output grid (an ARC pair, a maze and its path, a puzzle and its solution). */
export interface Pair {
  /** The input grid. */
  readonly input: Grid;
  /** The output grid. */
  readonly output: Grid;
}

/**
 * `a` then `b`: params are the pair of both params; inversion undoes `b` first, then `a`.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { colorPermutation, compose, dihedral } from "@recursive/trm/augment";
 * const arc = compose(colorPermutation(), dihedral()); // the reference's order: colours, then D4
 * const g = { height: 1, width: 3, data: Uint8Array.from([0, 1, 2]) };
 * const p = arc.sample(createRng(1));
 * if (arc.invert(arc.apply(g, p), p).data.join() !== "0,1,2") throw new Error("inverse");
 * ```
 */
export function compose<A, B>(a: Augmentation<A>, b: Augmentation<B>): Augmentation<readonly [A, B]> {
  return {
    name: `${a.name}+${b.name}`,
    sample: (rng: Rng) => [a.sample(rng), b.sample(rng)] as const,
    apply: (grid, [pa, pb]) => b.apply(a.apply(grid, pa), pb),
    invert: (grid, [pa, pb]) => a.invert(b.invert(grid, pb), pa),
  };
}

/**
 * Applies the same params to both grids of a pair.
 *
 * @example
 * ```ts
 * import { applyPair, dihedral } from "@recursive/trm/augment";
 * const g = { height: 1, width: 2, data: Uint8Array.from([1, 2]) };
 * const out = applyPair(dihedral(), { input: g, output: g }, { transform: 4 });
 * if (out.input.data.join() !== "2,1" || out.output.data.join() !== "2,1") throw new Error("same params");
 * ```
 */
export function applyPair<P>(aug: Augmentation<P>, pair: Pair, params: P): Pair {
  return { input: aug.apply(pair.input, params), output: aug.apply(pair.output, params) };
}

/**
 * Undoes {@linkcode applyPair}.
 *
 * @example
 * ```ts
 * import { applyPair, dihedral, invertPair } from "@recursive/trm/augment";
 * const g = { height: 1, width: 2, data: Uint8Array.from([1, 2]) };
 * const p = { transform: 1 } as const;
 * if (invertPair(dihedral(), applyPair(dihedral(), { input: g, output: g }, p), p).input.data.join() !== "1,2") {
 *   throw new Error("round trip");
 * }
 * ```
 */
export function invertPair<P>(aug: Augmentation<P>, pair: Pair, params: P): Pair {
  return { input: aug.invert(pair.input, params), output: aug.invert(pair.output, params) };
}
