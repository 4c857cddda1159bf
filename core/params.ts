/**
 * Named parameters and the reference's initialisers (spec 2.1-2.2, 2.11).
 *
 * Init values are drawn on the CPU from our seeded {@linkcode Rng}, so the same seed gives the same
 * weights on every backend (tfjs' own random ops are backend-specific).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "./rng.ts";

/**
 * std of a standard normal truncated to [-2, 2] is sqrt(0.773741); sampling N(0, (c*sigma)^2) truncated
 * at +-2*c*sigma with c = 1/sqrt(0.773741) gives exactly std sigma (JAX/Flax semantics, spec 2.1).
 */
export const TRUNC_NORMAL_STD_CORRECTION: number = 1.1368472;

/**
 * Draws `count` samples of a normal with std `sigma` after truncation to +-2 corrected std (spec 2.1).
 *
 * @example
 * ```ts
 * import { createRng, truncatedNormal } from "@recursive/trm/core";
 * const w = truncatedNormal(createRng(0), 20000, 0.5);
 * const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
 * if (Math.abs(std - 0.5) > 0.01) throw new Error(`std ${std}`);
 * ```
 */
export function truncatedNormal(rng: Rng, count: number, sigma: number): Float32Array {
  const out = new Float32Array(count);
  if (sigma === 0) return out;
  const c = TRUNC_NORMAL_STD_CORRECTION * sigma;
  for (let i = 0; i < count;) {
    // Box-Muller; redraw values beyond 2 (corrected) standard deviations.
    const u1 = 1 - rng.float(), u2 = rng.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    for (const v of [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)]) {
      if (i < count && Math.abs(v) <= 2) out[i++] = v * c;
    }
  }
  return out;
}

/** How a parameter is initialised. */
export type Init =
  | { readonly kind: "lecun" } // truncated normal, sigma = 1/sqrt(fan_in), fan_in = shape[0]
  | { readonly kind: "normal"; readonly std: number } // truncated normal with this sigma
  | { readonly kind: "constant"; readonly value: number };

/**
 * Creates named, owned variables. Every layer and mixer plugin gets its weights here, so the model,
 * EMA, optimizers and checkpoints can iterate over one list in a stable order.
 */
export interface ParamFactory {
  /**
   * A new variable `prefix/name` of `shape`. Linear weights are stored [in, out] (TF layout; the
   * reference's torch layout is [out, in]).
   */
  create(name: string, shape: readonly number[], init: Init, trainable?: boolean): tf.Variable;
  /** A factory whose names are prefixed with `scope/`. */
  scope(scope: string): ParamFactory;
}

/** The root factory plus the variables it created, in creation order. */
export interface ParamStore {
  /** Factory to hand to layers. */
  readonly factory: ParamFactory;
  /** Every variable created, in creation order. */
  readonly variables: tf.Variable[];
}

/**
 * Creates a {@linkcode ParamStore} drawing inits from `rng`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createParamStore, createRng, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const before = tf.memory().numTensors;
 * const store = createParamStore(createRng(1));
 * const w = store.factory.scope("block0").create("w", [4, 2], { kind: "lecun" });
 * if (store.variables.length !== 1 || !w.name.startsWith("block0/w")) throw new Error(w.name);
 * w.dispose();
 * if (tf.memory().numTensors !== before) throw new Error("the variable owns its only tensor");
 * ```
 */
export function createParamStore(rng: Rng): ParamStore {
  const variables: tf.Variable[] = [];
  // Variable names are global in tfjs; a per-store suffix lets several models coexist.
  const uid = `${storeCounter++}`;
  const make = (prefix: string): ParamFactory => ({
    create(name, shape, init, trainable = true) {
      const size = shape.reduce((a, b) => a * b, 1);
      let values: Float32Array;
      if (init.kind === "constant") values = new Float32Array(size).fill(init.value);
      else {
        const sigma = init.kind === "lecun" ? 1 / Math.sqrt(shape[0] ?? 1) : init.std;
        values = truncatedNormal(rng, size, sigma);
      }
      // tf.variable shares the initial tensor's data and leaves that tensor alive: free it here.
      const initial = tf.tensor(values, [...shape]);
      try {
        const v = tf.variable(initial, trainable, `${prefix}${name}#${uid}`);
        variables.push(v);
        return v;
      } finally {
        initial.dispose();
      }
    },
    scope: (s) => make(`${prefix}${s}/`),
  });
  return { factory: make(""), variables };
}
let storeCounter = 0;

/**
 * The parameter's name without the per-store suffix (`block0/mixer/wqkv`), as used in checkpoints.
 *
 * @example
 * ```ts
 * import { paramName } from "@recursive/trm/core";
 * if (paramName("a/b#3") !== "a/b") throw new Error("strip suffix");
 * ```
 */
export function paramName(variableName: string): string {
  const i = variableName.lastIndexOf("#");
  return i < 0 ? variableName : variableName.slice(0, i);
}
