/**
 * The MLP-mixer token mixer (TRM-MLP, the paper's best Sudoku model).
 *
 * @example
 * ```ts
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * if (mlpMixer().normAxis !== "sequence") throw new Error("norm over L'");
 * ```
 * @module
 */
export * from "./mlp_mixer.ts";
