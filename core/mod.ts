/**
 * The TRM core: model, recursion, deep supervision, losses, optimizers and the task contract.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./task.ts";
export * from "./backend.ts";
