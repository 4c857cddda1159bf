/**
 * Exponential moving average of the trainable weights (spec 5.5), used for evaluation and saving.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { paramName } from "./params.ts";
import { assignValues, expectTensors, type OwnerState, readVariable, type StateTensor } from "./state.ts";

/**
 * EMA shadow weights: shadow <- (1 - mu) * theta + mu * shadow after every step. Owns its shadows;
 * saves and restores them with `state()` / `load()`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Ema, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const w = tf.variable(tf.tensor1d([0]));
 * using ema = new Ema([w], 0.5);
 * w.assign(tf.tensor1d([1]));
 * ema.update();
 * if ((await ema.shadows[0]!.data())[0] !== 0.5) throw new Error("ema");
 * const saved = await ema.state(); // tensors by the variable's name
 * ema.update();
 * ema.load(saved);
 * if ((await ema.shadows[0]!.data())[0] !== 0.5) throw new Error("restored");
 * ```
 */
export class Ema implements Disposable {
  /** mu. */
  readonly decay: number;
  readonly #vars: readonly tf.Variable[];
  readonly #names: readonly string[];
  #disposed = false;
  /** The shadow weights, in variable order. */
  readonly shadows: readonly tf.Variable[];

  /** Starts the shadows at the current weights. */
  constructor(variables: readonly tf.Variable[], decay: number) {
    this.decay = decay;
    this.#vars = variables;
    this.#names = variables.map((v) => paramName(v.name));
    // The clone would stay alive beside the shadow that shares its data: tidy frees it.
    this.shadows = variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  /** One EMA step. */
  update(): void {
    const mu = this.decay;
    tf.tidy(() =>
      this.#vars.forEach((v, i) =>
        this.shadows[i]!.assign(tf.add(tf.mul(v, 1 - mu), tf.mul(this.shadows[i]!, mu)))
      )
    );
  }

  /**
   * Exchanges live and shadow weights: call once to evaluate with the EMA weights, and again to
   * restore the live ones.
   */
  swap(): void {
    tf.tidy(() =>
      this.#vars.forEach((v, i) => {
        const live = v.clone();
        v.assign(this.shadows[i]!);
        this.shadows[i]!.assign(live);
      })
    );
  }

  /** Runs `fn` with the EMA weights in the model, restoring the live weights afterwards. */
  async withShadows<T>(fn: () => Promise<T>): Promise<T> {
    this.swap();
    try {
      return await fn();
    } finally {
      this.swap();
    }
  }

  /** The shadows as tensors named like the variables (`block0/mlp/down`, ...), and `{ decay }`. */
  async state(): Promise<OwnerState> {
    const tensors: Record<string, StateTensor> = {};
    for (let i = 0; i < this.shadows.length; i++) {
      tensors[this.#names[i]!] = await readVariable(this.shadows[i]!);
    }
    return { tensors, json: { decay: this.decay } };
  }

  /**
   * Restores a {@linkcode Ema.state} (the shadows; the decay stays the constructor's). Throws a one-line
   * `StateError` when a tensor is missing, unexpected or misshapen.
   */
  load(state: OwnerState): void {
    const found = expectTensors("Ema", state, new Map(this.#names.map((n, i) => [n, this.#vars[i]!.shape])));
    this.#names.forEach((n, i) => assignValues(this.shadows[i]!, found.get(n)!.data));
  }

  /** Releases the shadows (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of this.shadows) s.dispose();
  }

  /** Same as {@linkcode Ema.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
