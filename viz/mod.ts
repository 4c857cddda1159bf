/**
 * SVG renderers (no DOM): grids, boards, mazes, per-step traces and training curves.
 *
 * @example
 * ```ts
 * import { ARC_PALETTE, colourGrid, sideBySide } from "@recursive/trm/viz";
 * const svg = sideBySide([{ panel: colourGrid(2, 2, [0, 1, 2, 3], ARC_PALETTE), caption: "a grid" }]);
 * if (!svg.includes("#0074D9")) throw new Error("palette");
 * ```
 * @module
 */
export * from "./svg.ts";
export * from "./trace.ts";
export * from "./text.ts";
export * from "./grid.ts";
export * from "./curves.ts";
