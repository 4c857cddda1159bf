/**
 * Recursion schemes: which states a recursive model carries, which networks it has, what one
 * supervision step evaluates (off and on the gradient tape) and how it halts. A scheme is a plugin
 * value in the config (`scheme`), like a mixer. TRM is the default and lives here; HRM and TRM
 * single-z are plugins (`@recursive/trm/plugins`). The core (deep supervision, the cross-batch carry,
 * EMA, optimizers) is written against this interface only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RecursionConfig } from "./config.ts";
import { type StepPlan, trmPlan } from "./recursion.ts";

/** One network of a scheme: a stack of post-norm blocks with input injection. */
export interface SchemeNet {
  /** Blocks in this network. Default: the config's `model.layers`. */
  readonly layers?: number;
}

/**
 * How a scheme halts and trains its halting head.
 * - `"q-halt"` (TRM): BCE of q_halt against "exactly right"; a row halts when q_halt > 0.
 * - `"q-learning"` (HRM): also BCE of q_continue against the bootstrapped target
 *   sigmoid(last step ? next q_halt : max(next q_halt, next q_continue)) from a no-grad forward of the
 *   next step; a row halts when q_halt > q_continue.
 * - `"none"`: fixed depth; every row runs all N_sup supervision steps (the q head is still trained as
 *   TRM's, but never read).
 */
export type HaltingKind = "q-halt" | "q-learning" | "none";

/** A recursion scheme (see the module doc). */
export interface RecursionScheme {
  /** Name recorded in checkpoints (`"trm"`, `"hrm"`, `"singlez"`, ...). */
  readonly kind: string;
  /** JSON options that rebuild it (with `kind`) through the plugin registry. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Carried states, in order; each starts from its own fixed init vector `<state>_init`. */
  readonly states: readonly string[];
  /** The state the answer and halting heads read. */
  readonly output: string;
  /** Networks by name. The first is built first (its parameters keep TRM's names, `block{i}/...`). */
  readonly nets: Readonly<Record<string, SchemeNet>>;
  /** The evaluations of one supervision step, for the config's n and T. */
  plan(recursion: RecursionConfig): StepPlan;
  /** Halting head. */
  readonly halting: HaltingKind;
}

/**
 * TRM (the paper): states y (answer) and z (latent), one network f, T-1 recursions off the tape and the
 * last on it, q_halt halting.
 *
 * @example
 * ```ts
 * import { trm } from "@recursive/trm/core";
 * const s = trm();
 * if (s.plan({ n: 6, T: 3 }).onTape.length !== 7) throw new Error("n latent updates + 1 answer update");
 * ```
 */
export function trm(): RecursionScheme {
  return { kind: "trm", states: ["y", "z"], output: "y", nets: { f: {} }, plan: trmPlan, halting: "q-halt" };
}

/** The halting decision's margin of a row: halt when it is > 0. */
export function haltMargin(scheme: RecursionScheme, qHalt: number, qContinue: number): number {
  if (scheme.halting === "none") return -Infinity;
  return scheme.halting === "q-learning" ? qHalt - qContinue : qHalt;
}

/** {@linkcode haltMargin} for [B] tensors of q logits (a new tensor). */
export function haltMarginTensor(
  scheme: RecursionScheme,
  qHalt: tf.Tensor1D,
  qContinue: tf.Tensor1D,
): tf.Tensor1D {
  if (scheme.halting === "none") return tf.fill(qHalt.shape, -Infinity) as tf.Tensor1D;
  return (scheme.halting === "q-learning" ? tf.sub(qHalt, qContinue) : tf.clone(qHalt)) as tf.Tensor1D;
}
