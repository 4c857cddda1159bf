/**
 * Plugins found by name: a checkpoint stores its token mixer and its recursion scheme as
 * `{ kind, options }`, and loading it needs the plugin that `kind` names. The built-in mixers (attention,
 * MLP-mixer, conv-mixer) and schemes (TRM, HRM, TRM single-z) are registered here; a third-party plugin registers itself
 * with {@linkcode registerMixer} / {@linkcode registerScheme} before its checkpoints are loaded. The core
 * never imports this file (it only defines the `TokenMixer` and `RecursionScheme` contracts).
 *
 * @module
 */
import { type RecursionScheme, type TokenMixer, trm } from "@recursive/trm/core";
import { attention } from "./attention/mod.ts";
import { mlpMixer } from "./mlp_mixer/mod.ts";
import { convMixer } from "./conv_mixer/mod.ts";
import { hrm, type HrmOptions, singleZ, trmOneStep, trmTwoNets, type TwoNetsOptions } from "./schemes/mod.ts";

/** Builds a mixer from the JSON options a checkpoint stored (the mixer's own `options`). */
export type MixerFactory = (options: Readonly<Record<string, unknown>>) => TokenMixer;

/** Builds a recursion scheme from the JSON options a checkpoint stored. */
export type SchemeFactory = (options: Readonly<Record<string, unknown>>) => RecursionScheme;

/** No plugin is registered under the requested kind. */
export class UnknownPluginError extends Error {
  /** `"mixer"` or `"scheme"`. */
  readonly slot: "mixer" | "scheme";
  /** Creates the error for `kind`, listing the registered kinds. */
  constructor(slot: "mixer" | "scheme", kind: string, known: readonly string[]) {
    const register = slot === "mixer" ? "registerMixer" : "registerScheme";
    super(
      `unknown ${slot} "${kind}": registered ${slot}s are ${known.join(", ")}; ` +
        `its plugin must call ${register}("${kind}", factory) first`,
    );
    this.name = "UnknownPluginError";
    this.slot = slot;
  }
}

const mixers = new Map<string, MixerFactory>([
  ["attention", (o) => attention(o)],
  ["mlp-mixer", (o) => mlpMixer(o)],
  ["conv-mixer", (o) => convMixer(o)],
]);
const schemes = new Map<string, SchemeFactory>([
  ["trm", () => trm()],
  ["hrm", (o) => hrm(o as HrmOptions)],
  ["singlez", () => singleZ()],
  ["trm-1step", () => trmOneStep()],
  ["trm-2net", (o) => trmTwoNets(o as TwoNetsOptions)],
]);

function register<T>(registry: Map<string, T>, what: string, kind: string, factory: T): void {
  if (typeof kind !== "string" || kind === "") {
    throw new RangeError(`${what}: expected a non-empty kind, got ${JSON.stringify(kind)}`);
  }
  if (typeof factory !== "function") throw new RangeError(`${what}("${kind}"): expected a factory function`);
  registry.set(kind, factory);
}

/**
 * Registers `factory` for mixers of `kind` (its `TokenMixer.kind`). Registering a kind again replaces
 * the factory (so an application can override a built-in).
 *
 * @example
 * ```ts
 * import { mixerFromJson, registerMixer } from "@recursive/trm/plugins";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * registerMixer("my-mixer", (options) => ({ ...mlpMixer(options), kind: "my-mixer" }));
 * if (mixerFromJson("my-mixer", {}).kind !== "my-mixer") throw new Error("registered");
 * ```
 */
export function registerMixer(kind: string, factory: MixerFactory): void {
  register(mixers, "registerMixer", kind, factory);
}

/** Registers `factory` for recursion schemes of `kind` (its `RecursionScheme.kind`). */
export function registerScheme(kind: string, factory: SchemeFactory): void {
  register(schemes, "registerScheme", kind, factory);
}

/** The registered mixer kinds, sorted. */
export function mixerKinds(): string[] {
  return [...mixers.keys()].sort();
}

/** The registered scheme kinds, sorted. */
export function schemeKinds(): string[] {
  return [...schemes.keys()].sort();
}

/**
 * Rebuilds a mixer from the `kind` and `options` stored in a checkpoint; throws
 * {@linkcode UnknownPluginError} when no plugin registered `kind`.
 *
 * @example
 * ```ts
 * import { mixerFromJson } from "@recursive/trm/plugins";
 * const m = mixerFromJson("attention", { heads: 2 });
 * if (m.kind !== "attention" || m.options.heads !== 2) throw new Error(JSON.stringify(m.options));
 * ```
 */
export function mixerFromJson(kind: string, options: Readonly<Record<string, unknown>>): TokenMixer {
  const factory = mixers.get(kind);
  if (!factory) throw new UnknownPluginError("mixer", kind, mixerKinds());
  return factory(options);
}

/**
 * Rebuilds a recursion scheme from the `kind` and `options` stored in a checkpoint; throws
 * {@linkcode UnknownPluginError} when no plugin registered `kind`.
 *
 * @example
 * ```ts
 * import { schemeFromJson } from "@recursive/trm/plugins";
 * if (schemeFromJson("trm", {}).output !== "y") throw new Error("trm answers from y");
 * if (schemeFromJson("hrm", { hLayers: 1 }).nets.H?.layers !== 1) throw new Error("hrm options");
 * ```
 */
export function schemeFromJson(kind: string, options: Readonly<Record<string, unknown>>): RecursionScheme {
  const factory = schemes.get(kind);
  if (!factory) throw new UnknownPluginError("scheme", kind, schemeKinds());
  return factory(options);
}
