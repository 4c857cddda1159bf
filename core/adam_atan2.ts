/**
 * AdamATan2 exactly as the reference's CUDA kernel (spec 5.1): decoupled decay first, then Adam moments,
 * then an atan2 update with no epsilon (scale factors a = b = 1), so every step is bounded by lr * pi/2.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Hyper-parameters of {@linkcode AdamAtan2.update}. */
export interface AdamAtan2Options {
  /** beta1, beta2. */
  readonly betas: readonly [number, number];
  /** Decoupled weight decay lambda. */
  readonly weightDecay: number;
}

/**
 * AdamATan2 state: first and second moments per variable, and the step count t. Owns its moment
 * tensors (`dispose()`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { AdamAtan2, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1]));
 * using opt = new AdamAtan2([w], { betas: [0.9, 0.95], weightDecay: 0 });
 * opt.update([tf.tensor1d([0.5])], 0.1);
 * // First step: m_hat = g, sqrt(v_hat) = |g|, so the update is lr * atan2(g, |g|) = lr * pi / 4.
 * if (Math.abs((await w.data())[0]! - (1 - 0.1 * Math.PI / 4)) > 1e-6) throw new Error("step");
 * ```
 */
export class AdamAtan2 implements Disposable {
  /** Steps taken so far (t of the bias corrections). */
  step = 0;
  readonly #vars: readonly tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #options: AdamAtan2Options;

  /** Creates zero moments for `variables`. */
  constructor(variables: readonly tf.Variable[], options: AdamAtan2Options) {
    this.#vars = variables;
    this.#options = options;
    this.#m = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.#v = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  /** The moment tensors, in variable order (for checkpoints). */
  get moments(): { readonly m: readonly tf.Variable[]; readonly v: readonly tf.Variable[] } {
    return { m: this.#m, v: this.#v };
  }

  /**
   * Applies one step with learning rate `lr`. `grads[i]` belongs to the i-th variable; a missing
   * gradient skips that variable (as torch does for `grad is None`). Does not dispose `grads`.
   */
  update(grads: readonly (tf.Tensor | undefined)[], lr: number): void {
    this.step++;
    const [b1, b2] = this.#options.betas, t = this.step;
    const c1 = 1 - Math.pow(b1, t), c2 = Math.sqrt(1 - Math.pow(b2, t));
    const decay = 1 - lr * this.#options.weightDecay;
    tf.tidy(() => {
      this.#vars.forEach((w, i) => {
        const g = grads[i];
        if (g === undefined) return;
        const m = this.#m[i]!, v = this.#v[i]!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        // atan2(0, 0) is 0 in CUDA and IEEE, but unspecified in WGSL (llvmpipe returns 3pi/4): mask
        // parameters that have never had a gradient (v = 0 implies m = 0).
        const upd = tf.mul(
          tf.atan2(tf.div(m, c1), tf.div(tf.sqrt(v), c2)),
          tf.cast(tf.greater(v, 0), "float32"),
        );
        w.assign(tf.sub(tf.mul(w, decay), tf.mul(upd, lr)));
      });
    });
  }

  /** Releases the moment tensors. */
  dispose(): void {
    for (const t of [...this.#m, ...this.#v]) t.dispose();
  }

  /** Same as {@linkcode AdamAtan2.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
