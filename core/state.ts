/**
 * Owner state: what an object that owns tensors (optimizer, EMA, puzzle table, ...) hands out to be saved,
 * and takes back to be restored. Plain typed arrays and JSON, so any file format can store it; names are
 * relative to the owner, and whoever combines several owners prefixes them (`adam/`, `ema/`, ...).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** One saved tensor: its shape and its values (float32, int32 or uint8). */
export interface StateTensor {
  /** Dimensions. */
  readonly shape: number[];
  /** Row-major values, `shape` product long. */
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** Everything an owner needs to be put back exactly: named tensors and JSON values. */
export interface OwnerState {
  /** Tensors by name, relative to the owner (e.g. `m/block0/mlp/down`). */
  readonly tensors: Record<string, StateTensor>;
  /** JSON values (step counts, sizes), relative to the owner. */
  readonly json: Record<string, unknown>;
}

/** A state that does not fit its owner: names the owner and the entry, in one line. */
export class StateError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "StateError";
  }
}

/**
 * Combines the states of several owners into one: tensors become `key/name`, the JSON of each owner goes
 * under `json[key]`.
 *
 * @example
 * ```ts
 * import { combineStates, splitState } from "@recursive/trm/core";
 * const a = { tensors: { w: { shape: [1], data: Float32Array.of(2) } }, json: { step: 3 } };
 * const all = combineStates({ adam: a });
 * if (!("adam/w" in all.tensors)) throw new Error("prefixed");
 * if (splitState(all, "adam").json.step !== 3) throw new Error("round trip");
 * ```
 */
export function combineStates(parts: Readonly<Record<string, OwnerState>>): OwnerState {
  const tensors: Record<string, StateTensor> = {}, json: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(parts)) {
    for (const [name, t] of Object.entries(part.tensors)) tensors[`${key}/${name}`] = t;
    json[key] = part.json;
  }
  return { tensors, json };
}

/** The part of a {@linkcode combineStates} result that belongs to `key` (names without the prefix). */
export function splitState(state: OwnerState, key: string): OwnerState {
  const prefix = `${key}/`, tensors: Record<string, StateTensor> = {};
  for (const [name, t] of Object.entries(state.tensors)) {
    if (name.startsWith(prefix)) tensors[name.slice(prefix.length)] = t;
  }
  const json = state.json[key];
  return { tensors, json: json !== null && typeof json === "object" ? json as Record<string, unknown> : {} };
}

/**
 * Checks that `state` holds exactly the tensors `expected` (name -> shape) and returns them; throws a
 * {@linkcode StateError} naming `owner` and the first missing, unexpected or misshapen tensor.
 */
export function expectTensors(
  owner: string,
  state: OwnerState,
  expected: ReadonlyMap<string, readonly number[]>,
): Map<string, StateTensor> {
  const out = new Map<string, StateTensor>();
  for (const [name, shape] of expected) {
    const t = state.tensors[name];
    if (!t) throw new StateError(`${owner}: missing tensor "${name}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (t.shape.join() !== shape.join() || t.data.length !== size) {
      throw new StateError(
        `${owner}: tensor "${name}" has shape [${t.shape}] (${t.data.length} values), expected [${shape}]`,
      );
    }
    out.set(name, t);
  }
  for (const name of Object.keys(state.tensors)) {
    if (!expected.has(name)) throw new StateError(`${owner}: unexpected tensor "${name}"`);
  }
  return out;
}

/** Reads `variable` into a {@linkcode StateTensor} (an asynchronous copy). */
export async function readVariable(variable: tf.Tensor): Promise<StateTensor> {
  return { shape: [...variable.shape], data: (await variable.data()) as Float32Array };
}

/**
 * Assigns `values` to `variable` and frees the temporary tensor (`Variable.assign` takes a reference to
 * its argument's data; the argument itself stays alive until disposed).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { assignValues, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const v = tf.variable(tf.zeros([2]));
 * const before = tf.memory().numTensors;
 * assignValues(v, Float32Array.of(1, 2));
 * if (tf.memory().numTensors !== before) throw new Error("leaked the temporary");
 * ```
 */
export function assignValues(variable: tf.Variable, values: Float32Array | Int32Array | Uint8Array): void {
  const t = tf.tensor(values, variable.shape, variable.dtype);
  try {
    variable.assign(t);
  } finally {
    t.dispose();
  }
}
