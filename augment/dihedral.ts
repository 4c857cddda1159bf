/**
 * The dihedral group D4 on H x W grids, with the reference's ids (spec 6.5): 0 identity, 1 rot90
 * counter-clockwise, 2 rot180, 3 rot270, 4 flip left-right, 5 flip up-down, 6 transpose,
 * 7 anti-transpose. Ids 1, 3, 6 and 7 turn an H x W grid into W x H.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { Augmentation, Grid } from "./types.ts";

/** A D4 element by the reference's id. */
export type DihedralId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Parameters of {@linkcode dihedral}. */
export interface DihedralParams {
  /** Which of the 8 transforms. */
  readonly transform: DihedralId;
}

/** `DIHEDRAL_INVERSE[t]` undoes `t`: [0, 3, 2, 1, 4, 5, 6, 7]. */
export const DIHEDRAL_INVERSE: readonly DihedralId[] = [0, 3, 2, 1, 4, 5, 6, 7];

/** `DIHEDRAL_COMPOSE[a][b]` is the single transform equal to applying `a` and then `b`. */
export const DIHEDRAL_COMPOSE: readonly (readonly DihedralId[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7],
  [1, 2, 3, 0, 7, 6, 4, 5],
  [2, 3, 0, 1, 5, 4, 7, 6],
  [3, 0, 1, 2, 6, 7, 5, 4],
  [4, 6, 5, 7, 0, 2, 1, 3],
  [5, 7, 4, 6, 2, 0, 3, 1],
  [6, 5, 7, 4, 3, 1, 0, 2],
  [7, 4, 6, 5, 1, 3, 2, 0],
];

/** Whether transform `t` swaps height and width. */
export function dihedralSwapsAxes(t: DihedralId): boolean {
  return t === 1 || t === 3 || t === 6 || t === 7;
}

/**
 * Applies transform `t` to a grid.
 *
 * @example
 * ```ts
 * import { applyDihedral } from "@recursive/trm/augment";
 * const g = { height: 1, width: 2, data: Uint8Array.from([1, 2]) };
 * const r = applyDihedral(g, 1); // rot90 counter-clockwise: [[2], [1]]
 * if (r.height !== 2 || r.data.join() !== "2,1") throw new Error("rot90");
 * ```
 */
export function applyDihedral(grid: Grid, t: DihedralId): Grid {
  const H = grid.height, W = grid.width, a = grid.data;
  if (t === 0) return { height: H, width: W, data: a.slice() };
  const swap = dihedralSwapsAxes(t);
  const oh = swap ? W : H, ow = swap ? H : W;
  const out = new Uint8Array(H * W);
  let k = 0;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++, k++) {
      // Source (r, c) of output (i, j), as spec 6.5's table.
      let r: number, c: number;
      switch (t) {
        case 1:
          r = j;
          c = W - 1 - i;
          break;
        case 2:
          r = H - 1 - i;
          c = W - 1 - j;
          break;
        case 3:
          r = H - 1 - j;
          c = i;
          break;
        case 4:
          r = i;
          c = W - 1 - j;
          break;
        case 5:
          r = H - 1 - i;
          c = j;
          break;
        case 6:
          r = j;
          c = i;
          break;
        default:
          r = H - 1 - j;
          c = W - 1 - i;
      }
      out[k] = a[r * W + c]!;
    }
  }
  return { height: oh, width: ow, data: out };
}

/**
 * The D4 augmentation: a uniformly random transform of the 8.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { dihedral } from "@recursive/trm/augment";
 * const aug = dihedral(), g = { height: 2, width: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
 * const p = aug.sample(createRng(0));
 * if (aug.invert(aug.apply(g, p), p).data.join() !== "1,2,3,4,5,6") throw new Error("inverse");
 * ```
 */
export function dihedral(): Augmentation<DihedralParams> {
  return {
    name: "dihedral",
    sample: (rng: Rng) => ({ transform: rng.int(0, 7) as DihedralId }),
    apply: (grid, p) => applyDihedral(grid, p.transform),
    invert: (grid, p) => applyDihedral(grid, DIHEDRAL_INVERSE[p.transform]!),
  };
}
