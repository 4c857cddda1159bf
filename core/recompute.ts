/**
 * Activation recomputation, a {@linkcode GradientStrategy} (`optim.gradient: recomputation()`).
 *
 * Plain reverse mode keeps every activation of the on-tape evaluations until the backward pass: at the
 * paper's Sudoku-MLP size that is ~480 MiB per evaluation at batch 8, so batch 32 and the L' 916 attention
 * configs do not fit the wasm backend's 4 GiB heap. Here the forward pass runs off the tape and keeps only
 * each evaluation's input ([B, L', D]); the backward pass walks the same {@linkcode Update} list in
 * reverse, re-running each evaluation on a short tape and pulling the incoming gradient through it (a
 * vector-Jacobian product). Peak memory is one evaluation's activations; the cost is one more forward
 * pass of the on-tape updates (about +20% of a step at n 6, T 3). Gradients equal plain reverse mode's up
 * to float summation order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradientStrategy, StepGradients } from "./gradient.ts";
import { applyUpdate, type State } from "./recursion.ts";

/**
 * The recomputation strategy.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createTrm, initBackend, recomputation, resolveConfig, trmRecursion } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using model = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } }));
 * const inputs = tf.tensor2d([[1, 2, 3, 1]], [1, 4], "int32"), puzzleRows = tf.zeros([1, 8]) as tf.Tensor2D;
 * const entering = { y: tf.zeros([1, 5, 8]) as tf.Tensor3D, z: tf.zeros([1, 5, 8]) as tf.Tensor3D };
 * const r = recomputation().gradients({
 *   model, inputs, puzzleRows, entering, updates: trmRecursion(2), loss: (s) => tf.sum(tf.square(s.y!)),
 * });
 * if (!r.grads[model.variables[0]!.name]) throw new Error("no gradient");
 * tf.dispose([inputs, puzzleRows, entering.y, entering.z, r.value, r.puzzleGrad, r.state.y!, r.state.z!, ...Object.values(r.grads)]);
 * ```
 */
export function recomputation(): GradientStrategy {
  return { kind: "recompute", gradients: recomputedGradients };
}

function recomputedGradients(
  { model, inputs, puzzleRows, entering, updates, loss }: Parameters<GradientStrategy["gradients"]>[0],
): StepGradients {
  const vars = model.variables, engine = tf.engine();
  const grads: Record<string, tf.Tensor> = {};
  const add = (a: tf.Tensor | undefined, b: tf.Tensor | undefined): tf.Tensor | undefined => {
    if (!a || !b) return a ?? b;
    const sum = tf.add(a, b);
    tf.dispose([a, b]);
    return sum;
  };
  /** d(fn)/d[xs..., vars...] times `dy`; disposes `dy` and the recomputed output. */
  const vjp = (fn: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor) => {
    const { value, grads: gs } = engine.gradients(fn, [...xs, ...vars], dy, true);
    if (!gs.includes(dy)) dy.dispose();
    value.dispose();
    gs.slice(xs.length).forEach((g, i) => {
      const name = vars[i]!.name, sum = add(grads[name], g);
      if (sum) grads[name] = sum;
    });
    return gs.slice(0, xs.length) as (tf.Tensor | undefined)[];
  };
  // Forward, off the tape: the state before every update is kept (its tensors are the inputs).
  const x = model.embed(inputs, puzzleRows);
  const before: State[] = [];
  let state: State = entering;
  for (const u of updates) {
    before.push(state);
    state = { ...state, [u.state]: tf.tidy(() => applyUpdate(model, x, state, u)) };
  }
  const owned = new Set(before.flatMap((s) => Object.values(s)));
  for (const t of Object.values(entering)) owned.delete(t); // the caller's
  let ok = false;
  try {
    // Heads and loss on a tape: the gradient reaching each final state.
    const names = Object.keys(state);
    const head = engine.gradients(
      () => loss(state),
      [...names.map((k) => state[k]!), ...vars],
      undefined,
      true,
    );
    head.grads.slice(names.length).forEach((g, i) => g && (grads[vars[i]!.name] = g));
    const d: Record<string, tf.Tensor | undefined> = {};
    names.forEach((k, i) => (d[k] = head.grads[i]));
    let dx: tf.Tensor | undefined;
    // Each update in reverse: state_new = net(state_old, injection of the names it reads).
    for (let i = updates.length - 1; i >= 0; i--) {
      const u = updates[i]!, s = before[i]!, dy = d[u.state];
      d[u.state] = undefined;
      if (!dy) continue;
      const reads = [u.state, ...u.inject];
      const xs = reads.map((k) => (k === "x" ? x : s[k]!));
      const gs = vjp(
        () => {
          // Re-run with the kept inputs as the differentiated tensors (duplicates are one tensor).
          const env: Record<string, tf.Tensor3D> = { ...s };
          return applyUpdate(model, x, env, u);
        },
        xs,
        dy,
      );
      reads.forEach((k, j) => {
        if (reads.indexOf(k) !== j) return; // the same tensor twice: tfjs gave its gradient once
        if (k === "x") dx = add(dx, gs[j]);
        else d[k] = add(d[k], gs[j]);
      });
    }
    // Gradients reaching the entering state are dropped: the carry is detached.
    for (const g of Object.values(d)) g?.dispose();
    const [puzzleGrad] = dx ? vjp(() => model.embed(inputs, puzzleRows), [puzzleRows], dx) : [undefined];
    ok = true;
    return {
      value: head.value as tf.Scalar,
      grads,
      puzzleGrad: puzzleGrad ?? tf.zerosLike(puzzleRows),
      state,
    };
  } finally {
    x.dispose();
    const keep = new Set(Object.values(state));
    for (const t of owned) if (!keep.has(t)) t.dispose();
    if (!ok) {
      for (const t of Object.values(state)) if (!Object.values(entering).includes(t)) t.dispose();
      tf.dispose(Object.values(grads));
    }
  }
}
