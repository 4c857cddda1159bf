/**
 * @recursive/trm: Tiny Recursive Models (arXiv 2510.04871) for Deno and TensorFlow.js.
 *
 * The root module re-exports the core (model, recursion, deep supervision, losses, optimizers, task
 * contract), the two token mixers of the paper, and the presets. Tasks and augmentations have their own
 * entry points: `@recursive/trm/tasks/sudoku`, `/tasks/maze`, `/tasks/arc`, `/augment`.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, mlpMixer, presets, resolveConfig } from "@recursive/trm";
 * await initBackend("cpu");
 * const preset = presets.sudokuSmall();
 * using model = createTrm({ name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 }, resolveConfig(preset.config));
 * if (model.config.mixer.kind !== mlpMixer().kind) throw new Error("the preset's mixer");
 * ```
 * @module
 */
export * from "./core/mod.ts";
export * from "./io/mod.ts";
export * from "./plugins/attention/mod.ts";
export * from "./plugins/mlp_mixer/mod.ts";
export * as presets from "./presets.ts";
