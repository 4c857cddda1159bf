/**
 * The built-in token mixers and recursion schemes, and the registry that finds either by the name a
 * checkpoint stores.
 *
 * @module
 */
export * from "./registry.ts";
export * from "./attention/mod.ts";
export * from "./mlp_mixer/mod.ts";
export * from "./conv_mixer/mod.ts";
export * from "./schemes/mod.ts";
