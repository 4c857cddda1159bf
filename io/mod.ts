/**
 * Files in and out: checkpoints, safetensors, PyTorch (reference) interop and atomic writes.
 *
 * Kept apart from `./core` so the numerical core has no file-format code in it, and so this layer may
 * use the plugin registry (a checkpoint names its mixer; loading it needs the plugin).
 *
 * @module
 */
export * from "./atomic_write.ts";
export * from "./safetensors.ts";
export * from "./checkpoint.ts";
export * from "./torch_interop.ts";
export * from "./pickle.ts";
export * from "./torch_file.ts";
export * from "./torch_write.ts";
export * from "./infer_config.ts";
export * from "./run_folder_error.ts";
export * from "./recipe_data.ts";
export * from "./run_lock.ts";
export * from "./run_folder.ts";
export * from "./train.ts";
