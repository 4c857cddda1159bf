/**
 * The recursion of the paper (Fig. 3), in its own notation: x the embedded question, y the embedded
 * answer, z the latent scratchpad; n latent steps per recursion, T recursions per supervision step.
 *
 * A recursion is written down once, as data: a list of {@linkcode Update}s ("state <- net(state, sum of
 * injections)"). Every way of running it reads that list: {@linkcode runUpdates} (no gradient), the
 * gradient strategies (plain reverse mode, activation recomputation) and {@linkcode supervisionStep}.
 * So there is exactly one copy of the recursion, and other recursive models (HRM, single-z) are other
 * lists over their own states and networks.
 *
 * Shapes: B batch, L' sequence with the puzzle prefix, D hidden. All tensors [B, L', D].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RecursionConfig } from "./config.ts";
import type { StepGradients } from "./gradient.ts";
import type { Network, Trm } from "./model.ts";

/** A recursion state: named [B, L', D] tensors (TRM: `y` the answer, `z` the latent). */
export type State = Readonly<Record<string, tf.Tensor3D>>;

/** The state TRM carries between supervision steps. */
export interface Carry extends State {
  /** The embedded answer y, [B, L', D]. */
  readonly y: tf.Tensor3D;
  /** The latent reasoning state z, [B, L', D]. */
  readonly z: tf.Tensor3D;
}

/**
 * One evaluation of a network: `state <- net(state, sum of inject)`. `"x"` in `inject` names the
 * embedded question; every other name is a state. TRM's latent update is
 * `{ state: "z", net: "f", inject: ["y", "x"] }`.
 */
export interface Update {
  /** The state that is read as the network's input and replaced by its output. */
  readonly state: string;
  /** The network evaluated (TRM has one, `"f"`). */
  readonly net: string;
  /** What is added to the state before the network (input injection), in this order. */
  readonly inject: readonly string[];
}

/** The evaluations of one supervision step: first those off the gradient tape, then those on it. */
export interface StepPlan {
  /** Evaluated without gradient (TRM: the first T-1 recursions). */
  readonly offTape: readonly Update[];
  /** Evaluated on the tape; the loss's gradient flows through these only (TRM: the last recursion). */
  readonly onTape: readonly Update[];
}

/**
 * One TRM recursion: z <- f(z, y + x) n times, then y <- f(y, z). The question x enters only the
 * latent updates; that is how the one network knows which of the two it is doing.
 *
 * @example
 * ```ts
 * import { trmRecursion } from "@recursive/trm/core";
 * const r = trmRecursion(2);
 * if (r.map((u) => u.state).join() !== "z,z,y") throw new Error("order");
 * ```
 */
export function trmRecursion(n: number): Update[] {
  const latent: Update = { state: "z", net: "f", inject: ["y", "x"] };
  return [...Array.from({ length: n }, () => latent), { state: "y", net: "f", inject: ["z"] }];
}

/**
 * The paper's supervision step: T-1 recursions off the tape, then the last one on it.
 *
 * @example
 * ```ts
 * import { trmPlan } from "@recursive/trm/core";
 * const plan = trmPlan({ n: 6, T: 3 });
 * if (plan.offTape.length !== 14 || plan.onTape.length !== 7) throw new Error("plan");
 * ```
 */
export function trmPlan(recursion: RecursionConfig): StepPlan {
  const one = trmRecursion(recursion.n);
  return { offTape: Array.from({ length: recursion.T - 1 }, () => one).flat(), onTape: one };
}

/** The network called `name` of `model` (TRM's one network is `"f"`). */
export function networkOf(model: Trm, name: string): Network {
  const net = model.nets[name];
  if (!net) throw new RangeError(`the model has no network "${name}" (it has ${Object.keys(model.nets)})`);
  return net;
}

/** The injection of `u` (sum of its inputs, in order), or null when it has none. */
export function injectionOf(u: Update, state: State, x: tf.Tensor3D): tf.Tensor3D | null {
  const parts = u.inject.map((k) => {
    const t = k === "x" ? x : state[k];
    if (!t) throw new RangeError(`update of "${u.state}" injects "${k}", which is not in the state`);
    return t;
  });
  if (parts.length === 0) return null;
  return parts.slice(1).reduce((a, b) => tf.add(a, b) as tf.Tensor3D, parts[0]!);
}

/** Evaluates one update: the new value of `u.state`. The single place a recursion calls a network. */
export function applyUpdate(model: Trm, x: tf.Tensor3D, state: State, u: Update): tf.Tensor3D {
  const h = state[u.state];
  if (!h) throw new RangeError(`update of "${u.state}": no such state`);
  return networkOf(model, u.net)(h, injectionOf(u, state, x));
}

/**
 * Runs `updates` in order from `state` and returns the new state (input tensors are not disposed;
 * intermediate ones are). With no updates it returns `state` itself. Off the tape this is the
 * counterpart of `torch.no_grad()`: tfjs records gradients only inside `tf.variableGrads`/`tf.grads`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resolveConfig, runUpdates, trmRecursion } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * const out = runUpdates(net, x, { y: x, z: x }, trmRecursion(2));
 * if (out.y!.shape.join() !== "1,6,8") throw new Error("shape");
 * ```
 */
export function runUpdates(model: Trm, x: tf.Tensor3D, state: State, updates: readonly Update[]): State {
  if (updates.length === 0) return state;
  const out = tf.tidy(() => {
    let s: Record<string, tf.Tensor3D> = { ...state };
    for (const u of updates) s = { ...s, [u.state]: applyUpdate(model, x, s, u) };
    return s;
  });
  return out;
}

/**
 * One recursion: z <- f(z, y + x) n times, then y <- f(y, z) ({@linkcode trmRecursion}).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, latentRecursion, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * const { y } = latentRecursion(net, x, { y: x, z: x }, 2);
 * if (y.shape.join() !== "1,6,8") throw new Error("shape");
 * ```
 */
export function latentRecursion(net: Trm, x: tf.Tensor3D, carry: Carry, n: number): Carry {
  return runUpdates(net, x, carry, trmRecursion(n)) as Carry;
}

/**
 * T recursions with no gradient at all (evaluation; and, with `T - 1`, the no-grad part of training).
 * Call it outside any gradient closure.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, deepRecursion, initBackend, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * const out = deepRecursion(net, x, { y: x, z: x }, 0);
 * if (out.y !== x) throw new Error("zero recursions return the carry");
 * ```
 */
export function deepRecursion(net: Trm, x: tf.Tensor3D, carry: Carry, recursions: number): Carry {
  const one = trmRecursion(net.config.recursion.n);
  return runUpdates(net, x, carry, Array.from({ length: recursions }, () => one).flat()) as Carry;
}

/**
 * Fresh state rows: where `reset[b]` is true, every state starts again from its fixed init vector
 * (broadcast to every position); other rows keep `state`. `reset` is a [B] bool tensor. New tensors
 * are returned (the input is not disposed).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resetState, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const s = resetState(net, null, tf.tensor1d([true, true], "bool"));
 * if (Object.keys(s).join() !== "y,z" || s.y!.shape.join() !== "2,6,8") throw new Error("TRM's y and z");
 * ```
 */
export function resetState(net: Trm, state: State | null, reset: tf.Tensor1D): State {
  return tf.tidy(() => {
    const B = reset.shape[0], L = net.seqLen, D = net.config.model.hidden;
    const s: Record<string, tf.Tensor3D> = {};
    const m = tf.reshape(reset, [B, 1, 1]);
    for (const [k, init] of Object.entries(net.init)) {
      const fresh = tf.broadcastTo(init, [B, L, D]) as tf.Tensor3D;
      const old = state?.[k];
      s[k] = old ? tf.where(m, fresh, old) as tf.Tensor3D : fresh;
    }
    return s;
  });
}

/**
 * {@linkcode resetState} typed for TRM's carry (y and z).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resetCarry, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const c = resetCarry(net, null, tf.tensor1d([true, true], "bool"));
 * if (c.y.shape.join() !== "2,6,8") throw new Error("shape");
 * ```
 */
export function resetCarry(net: Trm, carry: Carry | null, reset: tf.Tensor1D): Carry {
  return resetState(net, carry, reset) as Carry;
}

/** The plan of one supervision step of `model`: its scheme's, for its n and T. */
export function stepPlan(model: Trm): StepPlan {
  return model.config.scheme.plan(model.config.recursion);
}

/**
 * The paper's supervision step (lucidrains' `deep_refinement`): the off-tape updates (T-1 recursions)
 * without gradient, then the last recursion on the tape through the config's gradient strategy. The
 * returned state is the next carry, detached. `carry` stays the caller's; every other tensor returned
 * is the caller's too.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resetCarry, resolveConfig, supervisionStep } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using model = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } }));
 * const inputs = tf.tensor2d([[1, 2, 3, 1]], [1, 4], "int32"), rows = tf.zeros([1, 8]) as tf.Tensor2D;
 * const carry = resetCarry(model, null, tf.tensor1d([true], "bool"));
 * const g = supervisionStep(model, inputs, rows, carry, (s) => tf.sum(tf.square(s.y!)));
 * if (g.state.y!.shape.join() !== "1,5,8") throw new Error("shape");
 * ```
 */
export function supervisionStep(
  model: Trm,
  inputs: tf.Tensor2D,
  puzzleRows: tf.Tensor2D,
  carry: State,
  loss: (state: State) => tf.Scalar,
): StepGradients {
  const plan = stepPlan(model), x = model.embed(inputs, puzzleRows);
  let entering: State;
  try {
    entering = runUpdates(model, x, carry, plan.offTape); // T-1 recursions, off the tape
  } finally {
    x.dispose();
  }
  const gradient = model.config.optim.gradient;
  let out: StepGradients | undefined;
  try {
    // The last recursion on the tape; x is embedded again inside so the embeddings get gradients.
    return out = gradient.gradients({ model, inputs, puzzleRows, entering, updates: plan.onTape, loss });
  } finally {
    const keep = new Set([...Object.values(carry), ...Object.values(out?.state ?? {})]);
    for (const t of Object.values(entering)) if (!keep.has(t)) t.dispose();
  }
}

/**
 * One supervision step with no gradient at all (evaluation): all T recursions.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, resolveConfig, supervisionForward } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
 * const x = tf.ones([1, 6, 8]) as tf.Tensor3D;
 * if (supervisionForward(net, x, { y: x, z: x }).z === x) throw new Error("z is updated");
 * ```
 */
export function supervisionForward(model: Trm, x: tf.Tensor3D, carry: State): State {
  const plan = stepPlan(model);
  return runUpdates(model, x, carry, [...plan.offTape, ...plan.onTape]);
}
