/**
 * Rebuilds a config from its JSON (`configToJson`) through a plugins module, as every data-parallel
 * worker must: the worker has only the JSON, and finds the mixer and scheme by the names a checkpoint
 * stores. `train()` runs the same rebuild before it chooses workers by itself, so a mixer or scheme no
 * plugins module knows keeps the run in one process instead of failing in a worker.
 *
 * @module
 */
import { configToJson, resolveConfig, type TrmConfig, type TrmConfigInput } from "./config.ts";
import type { TokenMixer } from "./mixer.ts";
import type { RecursionScheme } from "./scheme.ts";

/** The two functions a plugins module must export (as `@recursive/trm/plugins` does). */
export interface PluginModule {
  /** The mixer of a stored kind and options. */
  mixerFromJson(kind: string, options: Readonly<Record<string, unknown>>): TokenMixer;
  /** The recursion scheme of a stored kind and options. */
  schemeFromJson(kind: string, options: Readonly<Record<string, unknown>>): RecursionScheme;
}

/**
 * The config `json` stands for, with its mixer and scheme made by the module at `plugins`; throws an
 * `Error` naming the module when it lacks the exports, does not know a kind, or rebuilds another config.
 *
 * @example
 * ```ts
 * import { configToJson, rebuildConfig, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 16 } });
 * const again = await rebuildConfig(configToJson(config), import.meta.resolve("@recursive/trm/plugins"));
 * if (again.model.hidden !== 16) throw new Error("rebuilt another config");
 * ```
 */
export async function rebuildConfig(
  json: Readonly<Record<string, unknown>>,
  plugins: string,
): Promise<TrmConfig> {
  const where = `plugins module ${plugins}`;
  const mod = await import(plugins) as Partial<PluginModule>;
  if (typeof mod.mixerFromJson !== "function" || typeof mod.schemeFromJson !== "function") {
    throw new Error(`${where}: expected exports mixerFromJson and schemeFromJson`);
  }
  const stored = json as unknown as TrmConfigInput & {
    mixer: { kind: string; options: Record<string, unknown> };
    scheme: { kind: string; options: Record<string, unknown> };
  };
  let config: TrmConfig;
  try {
    config = resolveConfig({
      ...stored,
      mixer: mod.mixerFromJson(stored.mixer.kind, stored.mixer.options),
      scheme: mod.schemeFromJson(stored.scheme.kind, stored.scheme.options),
    });
  } catch (e) {
    throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (JSON.stringify(configToJson(config)) !== JSON.stringify(json)) {
    throw new Error(`${where}: the rebuilt config differs from the coordinator's`);
  }
  return config;
}
