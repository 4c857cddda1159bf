/**
 * The data of a preset run: each preset brings its own pipeline (`preset.data`, defined beside its task
 * under `tasks/`), so this module only names the CLI's options.
 *
 * @module
 */
import type { PreparedData, PresetDataOptions } from "../core/mod.ts";
import type { Preset } from "../presets.ts";

export type { PreparedData };

/** Where the data comes from: `--data`, `--seed`, the sizes and the ARC options. */
export type DataOptions = PresetDataOptions;

/** Prepares the data of `preset`. */
export function prepareData(preset: Preset, o: DataOptions): Promise<PreparedData> {
  return preset.data(o);
}
