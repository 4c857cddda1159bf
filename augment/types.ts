/**
 * The shapes shared by every augmentation: grids as plain typed arrays, and the invertible
 * `Augmentation<P>` value whose sampled parameters travel with the example.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";

/** A 2-D grid of small integers, row-major: cell (r, c) is `data[r * width + c]`. */
export interface Grid {
  /** Number of rows. */
  readonly height: number;
  /** Number of columns. */
  readonly width: number;
  /** `height * width` values, row-major. */
  readonly data: Uint8Array;
}

/**
 * An invertible, seeded transformation of grids. `P` is a typed record of the sampled parameters; it
 * travels with the example so that predictions can be mapped back exactly (`invert`).
 */
export interface Augmentation<P> {
  /** Name for logs, e.g. `"dihedral"`. */
  readonly name: string;
  /** Draws parameters from the given seeded generator. */
  sample(rng: Rng): P;
  /** Transforms a grid. */
  apply(grid: Grid, params: P): Grid;
  /** Undoes {@linkcode Augmentation.apply}: `invert(apply(g, p), p)` equals `g`. */
  invert(grid: Grid, params: P): Grid;
}
