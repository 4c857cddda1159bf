/**
 * The attention token mixer with rotary position embeddings (TRM-Att).
 *
 * @example
 * ```ts
 * import { attention } from "@recursive/trm/plugins/attention";
 * const mixer = attention({ heads: 8 });
 * if (mixer.kind !== "attention") throw new Error(mixer.kind);
 * ```
 * @module
 */
export * from "./attention.ts";
export * from "./rope.ts";
