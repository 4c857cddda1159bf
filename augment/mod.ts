/**
 * Typed, invertible, seeded augmentations on plain grids: the dihedral group D4, colour permutations,
 * Sudoku shuffles, ARC translation, composition, and distinct-version sampling.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { dihedral } from "@recursive/trm/augment";
 * const aug = dihedral();
 * const p = aug.sample(createRng(42));
 * if (p.transform < 0 || p.transform > 7) throw new Error("an id of D4");
 * ```
 * @module
 */
export * from "./types.ts";
export * from "./dihedral.ts";
export * from "./color_permutation.ts";
export * from "./compose.ts";
export * from "./sudoku_shuffle.ts";
export * from "./translate.ts";
export * from "./distinct.ts";
