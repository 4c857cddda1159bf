/**
 * The built-in task table, the task-plugin loader (`--task <name or module>`) and the pretrained models
 * shipped in the package (`pretrainedModels`, `pretrainedFor`).
 *
 * @module
 */
export * from "./builtin.ts";
export * from "./pretrained.ts";
