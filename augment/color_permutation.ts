/**
 * Colour (value) permutations. ARC keeps 0 (black) fixed and permutes 1..9 (spec 6.4); the general
 * form takes any set of fixed values.
 *
 * @module
 */
import type { Augmentation, Grid } from "./types.ts";

/** Parameters of {@linkcode colorPermutation}: `map[c]` is the new value of `c`. */
export interface ColorPermutationParams {
  /** A permutation of `0..colors-1`. */
  readonly map: Uint8Array;
}

/** Options of {@linkcode colorPermutation}. */
export interface ColorPermutationOptions {
  /** Number of values (default 10, the ARC palette). */
  readonly colors?: number;
  /** Values mapped to themselves (default [0]). */
  readonly fixed?: readonly number[];
}

/**
 * Maps every cell through `map`.
 *
 * @example
 * ```ts
 * import { applyColorMap } from "@recursive/trm/augment";
 * const g = applyColorMap({ height: 1, width: 2, data: Uint8Array.from([0, 1]) }, Uint8Array.from([0, 2, 1]));
 * if (g.data.join() !== "0,2") throw new Error("mapped");
 * ```
 */
export function applyColorMap(grid: Grid, map: Uint8Array): Grid {
  const out = new Uint8Array(grid.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = map[grid.data[i]!];
    if (v === undefined) {
      throw new RangeError(`applyColorMap: value ${grid.data[i]} outside the map (0..${map.length - 1})`);
    }
    out[i] = v;
  }
  return { height: grid.height, width: grid.width, data: out };
}

/**
 * The inverse permutation (argsort of `map`).
 *
 * @example
 * ```ts
 * import { invertColorMap } from "@recursive/trm/augment";
 * if (invertColorMap(Uint8Array.from([0, 2, 3, 1])).join() !== "0,3,1,2") throw new Error("inverse");
 * ```
 */
export function invertColorMap(map: Uint8Array): Uint8Array {
  const inv = new Uint8Array(map.length);
  map.forEach((v, c) => (inv[v] = c));
  return inv;
}

/**
 * A uniformly random permutation of the non-fixed values.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { colorPermutation } from "@recursive/trm/augment";
 * const p = colorPermutation().sample(createRng(3));
 * if (p.map[0] !== 0 || [...p.map].sort().join() !== "0,1,2,3,4,5,6,7,8,9") throw new Error("bijection fixing 0");
 * ```
 */
export function colorPermutation(
  options: ColorPermutationOptions = {},
): Augmentation<ColorPermutationParams> {
  const colors = options.colors ?? 10, fixed = new Set(options.fixed ?? [0]);
  if (!(Number.isInteger(colors) && colors >= 1 && colors <= 256)) {
    throw new RangeError(`colorPermutation: colors must be an integer in 1..256, got ${colors}`);
  }
  const free = Array.from({ length: colors }, (_, c) => c).filter((c) => !fixed.has(c));
  return {
    name: "color-permutation",
    sample: (rng) => {
      const map = Uint8Array.from({ length: colors }, (_, c) => c);
      const perm = free.slice();
      for (let i = perm.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      free.forEach((c, k) => (map[c] = perm[k]!));
      return { map };
    },
    apply: (grid, p) => applyColorMap(grid, p.map),
    invert: (grid, p) => applyColorMap(grid, invertColorMap(p.map)),
  };
}
