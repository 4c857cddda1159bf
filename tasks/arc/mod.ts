/**
 * The ARC-AGI task: loaders (task folders, ConceptARC, Kaggle combined files) with validation, the
 * reference tokenizer, the augmented dataset builder, and the pass@k voting evaluator.
 *
 * @example
 * ```ts
 * import { decodeArcGrid, encodeArcGrid } from "@recursive/trm/tasks/arc";
 * const g = { height: 1, width: 2, data: Uint8Array.from([7, 0]) };
 * if (decodeArcGrid(encodeArcGrid(g)).data.join() !== "7,0") throw new Error("round trip");
 * ```
 * @module
 */
export * from "./loader.ts";
export * from "./tokenizer.ts";
export * from "./versions.ts";
export * from "./batch_plan.ts";
export * from "./dataset.ts";
export * from "./subsets.ts";
export * from "./evaluator.ts";
export * from "./task.ts";
export * from "./preset_data.ts";
