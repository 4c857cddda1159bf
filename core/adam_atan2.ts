/**
 * AdamATan2 exactly as the reference's CUDA kernel (spec 5.1): decoupled decay first, then Adam moments,
 * then an atan2 update with no epsilon (scale factors a = b = 1), so every step is bounded by lr * pi/2.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { paramName } from "./params.ts";
import {
  assignValues,
  expectTensors,
  type OwnerState,
  readVariable,
  StateError,
  type StateTensor,
} from "./state.ts";

/** Backends whose `atan2` is C's (IEEE: atan2(+-0, +0) = +-0), so the update needs no zero mask. */
const IEEE_ATAN2: ReadonlySet<string> = new Set(["cpu", "wasm"]);

/** Hyper-parameters of {@linkcode AdamAtan2.update}. */
export interface AdamAtan2Options {
  /** beta1, beta2. */
  readonly betas: readonly [number, number];
  /** Decoupled weight decay lambda. */
  readonly weightDecay: number;
}

/**
 * AdamATan2 state: first and second moments and a step count t per variable (as torch keeps
 * `state[p]["step"]`: a variable's t advances only on the steps where it has a gradient). Owns its
 * moment tensors (`dispose()`); saves and restores itself with `state()` / `load()`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { AdamAtan2, initBackend } from "@recursive/trm/core";
 * await initBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1]));
 * using opt = new AdamAtan2([w], { betas: [0.9, 0.95], weightDecay: 0 });
 * const g = tf.tensor1d([0.5]);
 * opt.update([g], 0.1);
 * // First step: m_hat = g, sqrt(v_hat) = |g|, so the update is lr * atan2(g, |g|) = lr * pi / 4.
 * if (Math.abs((await w.data())[0]! - (1 - 0.1 * Math.PI / 4)) > 1e-6) throw new Error("step");
 * const saved = await opt.state();
 * if (Object.values(saved.json.steps as object).join() !== "1") throw new Error("one step per variable");
 * tf.dispose([g, w]);
 * ```
 */
export class AdamAtan2 implements Disposable {
  readonly #vars: readonly tf.Variable[];
  readonly #names: readonly string[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #steps: number[];
  readonly #options: AdamAtan2Options;
  #disposed = false;

  /** Creates zero moments (and step 0) for `variables`. */
  constructor(variables: readonly tf.Variable[], options: AdamAtan2Options) {
    this.#vars = variables;
    this.#names = variables.map((v) => paramName(v.name));
    this.#options = options;
    // zerosLike's result would stay alive beside the variable that shares its data: tidy frees it.
    const zeros = () => variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.#m = zeros();
    this.#v = zeros();
    this.#steps = variables.map(() => 0);
  }

  /** Each variable's step count t, in variable order. */
  get steps(): readonly number[] {
    return this.#steps.slice();
  }

  /**
   * The largest per-variable step count. Setting it sets every variable's count (how format-1
   * checkpoints, which kept one count for all, are restored).
   */
  get step(): number {
    return this.#steps.reduce((a, b) => Math.max(a, b), 0);
  }
  set step(t: number) {
    this.#steps.fill(t);
  }

  /**
   * Applies one step with learning rate `lr`. `grads[i]` belongs to the i-th variable; a missing
   * gradient skips that variable entirely, its step count and decay included (as torch does for
   * `grad is None`). Does not dispose `grads`.
   */
  update(grads: readonly (tf.Tensor | undefined)[], lr: number): void {
    const [b1, b2] = this.#options.betas;
    const decay = 1 - lr * this.#options.weightDecay;
    const ieee = IEEE_ATAN2.has(tf.getBackend());
    // One tidy per variable, not one for all: each variable's ~14 temporaries are freed before the next
    // one's are made (one tidy held them all at once: the whole peak of a recomputed step at small batch).
    this.#vars.forEach((w, i) => {
      const g = grads[i];
      if (g === undefined) return;
      tf.tidy(() => {
        const t = ++this.#steps[i]!;
        const c1 = 1 - Math.pow(b1, t), c2 = Math.sqrt(1 - Math.pow(b2, t));
        const m = this.#m[i]!, v = this.#v[i]!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const angle = tf.atan2(tf.div(m, c1), tf.div(tf.sqrt(v), c2));
        // atan2(0, 0) is 0 in CUDA and IEEE, but unspecified in WGSL (llvmpipe returns 3pi/4): zero the
        // update where m and v are both 0. Only there: an underflowed v with m != 0 gives +-pi/2, as in
        // the official kernel. The cpu and wasm backends call IEEE atan2 and skip the mask (five kernels
        // per variable: 3% of a Sudoku-MLP step at batch 8, paid again by every data-parallel replica).
        const upd = ieee ? angle : tf.where(
          tf.logicalOr(tf.notEqual(m, 0), tf.notEqual(v, 0)),
          angle,
          tf.zerosLike(angle),
        );
        w.assign(tf.sub(tf.mul(w, decay), tf.mul(upd, lr)));
      });
    });
  }

  /**
   * The moments as tensors `m/<name>` and `v/<name>` (names as in checkpoints) and the step counts as
   * JSON `{ steps: { <name>: t } }`.
   */
  async state(): Promise<OwnerState> {
    const tensors: Record<string, StateTensor> = {}, steps: Record<string, number> = {};
    for (let i = 0; i < this.#vars.length; i++) {
      const name = this.#names[i]!;
      tensors[`m/${name}`] = await readVariable(this.#m[i]!);
      tensors[`v/${name}`] = await readVariable(this.#v[i]!);
      steps[name] = this.#steps[i]!;
    }
    return { tensors, json: { steps } };
  }

  /** Restores a {@linkcode AdamAtan2.state}; throws a one-line `StateError` when it does not fit. */
  load(state: OwnerState): void {
    const expected = new Map<string, readonly number[]>();
    this.#vars.forEach((v, i) => {
      expected.set(`m/${this.#names[i]}`, v.shape);
      expected.set(`v/${this.#names[i]}`, v.shape);
    });
    const found = expectTensors("AdamAtan2", state, expected);
    const steps = state.json.steps as Record<string, unknown> | undefined;
    if (steps === null || typeof steps !== "object" || Array.isArray(steps)) {
      throw new StateError(
        `AdamAtan2: steps: expected an object of step counts, got ${JSON.stringify(steps)}`,
      );
    }
    for (const name of this.#names) {
      const t = steps[name];
      if (!(Number.isInteger(t) && (t as number) >= 0)) {
        throw new StateError(
          `AdamAtan2: steps["${name}"]: expected an integer >= 0, got ${JSON.stringify(t)}`,
        );
      }
    }
    const unknown = Object.keys(steps).find((n) => !this.#names.includes(n));
    if (unknown !== undefined) throw new StateError(`AdamAtan2: steps: unexpected variable "${unknown}"`);
    this.#names.forEach((name, i) => {
      assignValues(this.#m[i]!, found.get(`m/${name}`)!.data);
      assignValues(this.#v[i]!, found.get(`v/${name}`)!.data);
      this.#steps[i] = steps[name] as number;
    });
  }

  /** Releases the moment tensors (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of [...this.#m, ...this.#v]) t.dispose();
  }

  /** Same as {@linkcode AdamAtan2.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
