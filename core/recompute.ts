/**
 * Activation recomputation for the recursion that carries gradients (an option, `optim.recompute`).
 *
 * Plain reverse mode keeps every activation of the n+1 evaluations of f until the backward pass: at the
 * paper's Sudoku-MLP size that is ~480 MiB per evaluation at batch 8, so batch 32 and the L' 916 attention
 * configs do not fit the wasm backend's 4 GiB heap. Here the forward pass runs off the tape and keeps only
 * each evaluation's input ([B, L', D]); the backward pass walks the evaluations in reverse, re-running each
 * one on a short tape and pulling the incoming gradient through it (a vector-Jacobian product). Peak memory
 * is one evaluation's activations; the cost is one more forward pass of the last recursion (about +20% of a
 * step at n 6, T 3). The gradients are the same as plain reverse mode up to float summation order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Trm } from "./model.ts";
import type { Carry } from "./recursion.ts";

/** Gradients of one supervision step's last recursion, as {@linkcode recomputedGradients} returns them. */
export interface RecomputedGradients {
  /** The scalar `loss` returned. */
  readonly value: tf.Scalar;
  /** Gradient of every trainable variable that the step reached, by variable name. */
  readonly grads: Record<string, tf.Tensor>;
  /** Gradient of the puzzle-embedding rows, [B, D]. */
  readonly puzzleGrad: tf.Tensor;
  /** The carry after the recursion (y, z), owned by the caller. */
  readonly carry: Carry;
}

/**
 * One recursion from `entering` (z <- f(z, y + x) n times, then y <- f(y, z)) and the gradients of
 * `loss(y)` with respect to the model's variables and `puzzleRows`, recomputing activations per
 * evaluation. `loss` runs on a tape and may `tf.keep` what it wants to read later.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, recomputedGradients, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using net = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } }));
 * const inputs = tf.tensor2d([[1, 2, 3, 1]], [1, 4], "int32"), rows = tf.zeros([1, 8]) as tf.Tensor2D;
 * const start = { y: tf.zeros([1, 5, 8]) as tf.Tensor3D, z: tf.zeros([1, 5, 8]) as tf.Tensor3D };
 * const r = recomputedGradients(net, inputs, rows, start, (y) => tf.sum(tf.square(y)));
 * if (!r.grads[net.variables[0]!.name]) throw new Error("no gradient");
 * tf.dispose([inputs, rows, start.y, start.z, r.value, r.puzzleGrad, r.carry.y, r.carry.z, ...Object.values(r.grads)]);
 * ```
 */
export function recomputedGradients(
  model: Trm,
  inputs: tf.Tensor2D,
  puzzleRows: tf.Tensor2D,
  entering: Carry,
  loss: (y: tf.Tensor3D) => tf.Scalar,
): RecomputedGradients {
  const vars = model.variables, n = model.config.recursion.n;
  const engine = tf.engine();
  const grads: Record<string, tf.Tensor> = {};
  const accumulate = (gs: readonly (tf.Tensor | undefined)[]) => {
    gs.forEach((g, i) => {
      if (!g) return;
      const name = vars[i]!.name, prev = grads[name];
      grads[name] = prev ? tf.tidy(() => tf.add(prev, g)) : g;
      if (prev) tf.dispose([prev, g]);
    });
  };
  /** d(fn)/d[xs..., vars...] times `dy`; disposes `dy` and the recomputed output. */
  const vjp = (fn: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor) => {
    const { value, grads: gs } = engine.gradients(fn, [...xs, ...vars], dy, true);
    if (!gs.includes(dy)) dy.dispose();
    value.dispose();
    accumulate(gs.slice(xs.length));
    return gs.slice(0, xs.length) as (tf.Tensor | undefined)[];
  };
  // Forward, off the tape: keep the input of every evaluation.
  const x = model.embed(inputs, puzzleRows);
  const injection = tf.add(entering.y, x) as tf.Tensor3D;
  const zs: tf.Tensor3D[] = [entering.z];
  for (let i = 0; i < n; i++) zs.push(model.f(zs[i]!, injection));
  injection.dispose();
  const y = model.f(entering.y, zs[n]!);
  let ok = false;
  try {
    // Heads and loss on a tape: the gradient reaching y.
    const head = engine.gradients(() => loss(y), [y, ...vars], undefined, true);
    accumulate(head.grads.slice(1));
    // y <- f(y, z_n): the entering y is detached (the carry), so only z_n and the weights get gradients.
    let dz = vjp(() => model.f(entering.y, zs[n]!), [zs[n]!], head.grads[0]!)[0]!;
    // z_{i+1} <- f(z_i, y + x), in reverse; z_0 is the detached carry.
    let dx: tf.Tensor | undefined;
    for (let i = n - 1; i >= 0; i--) {
      const [dzi, dxi] = vjp(() => model.f(zs[i]!, tf.add(entering.y, x) as tf.Tensor3D), [zs[i]!, x], dz);
      if (i > 0) dz = dzi!;
      else dzi?.dispose();
      if (dxi && dx) {
        const sum = tf.add(dx, dxi);
        tf.dispose([dx, dxi]);
        dx = sum;
      } else if (dxi) dx = dxi;
    }
    // The embeddings: token table and the puzzle rows.
    const [puzzleGrad] = dx
      ? vjp(() => model.embed(inputs, puzzleRows), [puzzleRows], dx)
      : [tf.zerosLike(puzzleRows)];
    ok = true;
    return {
      value: head.value as tf.Scalar,
      grads,
      puzzleGrad: puzzleGrad ?? tf.zerosLike(puzzleRows),
      carry: { y, z: zs[n]! },
    };
  } finally {
    x.dispose();
    for (let i = 1; i < n; i++) zs[i]!.dispose();
    if (!ok) tf.dispose([y, ...(n > 0 ? [zs[n]!] : []), ...Object.values(grads)]);
  }
}
