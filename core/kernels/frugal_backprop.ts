/**
 * Frees memory during tfjs's backward pass instead of at its end.
 *
 * tfjs-core 4.22's `Engine.gradients` walks the tape in reverse but keeps, until the whole backward
 * pass is over, every tensor saved for it (the forward activations) and the gradient of every
 * intermediate tensor. For the paper's Sudoku-MLP step at batch 8 that doubles the peak: live tensors
 * grow from ~1.7 GiB after the forward pass to ~3.4 GiB at the end of the backward pass, and the wasm
 * heap, which never shrinks, keeps that size.
 *
 * Once a tape node's gradient has run, nothing reads its saved tensors again, nor the gradients of its
 * outputs (reverse topological order: every consumer of an output was processed before its producer).
 * This module wraps each tape node's gradient function so that, when the engine moves on to the next
 * node, it disposes the previous node's saved tensors and its outputs' gradients. It keeps: the
 * caller's `dy`, gradients of the requested `xs`, a gradient an input received unchanged (pass-through),
 * anything handed out more than once, and everything during higher-order gradients. Values are
 * unchanged (it only disposes earlier); `installFrugalBackprop` is called by `initBackend`.
 *
 * Why a patch of engine internals: tfjs has no hook for this and no maintained fork; the patch is two
 * method wrappers on the engine instance, removable with {@linkcode uninstallFrugalBackprop}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

interface TapeNode {
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): unknown;
}

interface Pass {
  readonly xs: ReadonlySet<number>;
  readonly dy: tf.Tensor | undefined;
  /** How often each tensor object was returned as an input gradient (each return is one map entry). */
  readonly handedOut: Map<tf.Tensor, number>;
  /** Frees what the last node whose gradient ran no longer needs. */
  pending?: (() => void) | undefined;
}

let original: Pick<EngineInternals, "addTapeNode" | "gradients"> | undefined;
const passes: Pass[] = [];
let freed = 0;

function wrapNode(engine: EngineInternals, node: TapeNode): void {
  const gradient = node.gradient;
  if (!gradient) return;
  node.gradient = (dys) => {
    const pass = passes.at(-1);
    // The previous node's input gradients have all been computed by now (the engine calls a node's
    // closures before moving on; it skips those of inputs off the x-to-y path, so counting them fails).
    pass?.pending?.();
    const closures = gradient(dys);
    if (!pass) return closures;
    const results: tf.Tensor[] = [];
    pass.pending = () => {
      pass.pending = undefined;
      if (engine.state.gradientDepth !== 0) return; // higher-order gradients read the tape again
      dys.forEach((dy, i) => {
        if (!dy || dy.isDisposed || dy === pass.dy || pass.xs.has(node.outputs[i]!.id)) return;
        if (results.includes(dy) || (pass.handedOut.get(dy) ?? 0) > 1) return;
        dy.dispose();
        freed++;
      });
      for (const t of node.saved ?? []) {
        if (!t.isDisposed && !results.includes(t)) {
          t.dispose();
          freed++;
        }
      }
    };
    const wrapped: Record<string, () => tf.Tensor> = {};
    for (const [name, f] of Object.entries(closures)) {
      wrapped[name] = () => {
        const r = f();
        results.push(r);
        pass.handedOut.set(r, (pass.handedOut.get(r) ?? 0) + 1);
        return r;
      };
    }
    return wrapped;
  };
}

/**
 * Makes tfjs free saved activations and intermediate gradients during the backward pass (idempotent,
 * every backend).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { installFrugalBackprop } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * installFrugalBackprop();
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.sin(x))))(tf.tensor([0.5, 1]));
 * const want = [Math.sin(1), Math.sin(2)]; // d/dx sin(x)^2 = sin(2x)
 * (await g.data()).forEach((v, i) => { if (Math.abs(v - want[i]!) > 1e-6) throw new Error(`${v}`); });
 * ```
 */
export function installFrugalBackprop(): void {
  if (original) return;
  const engine = tf.engine() as unknown as EngineInternals;
  original = { addTapeNode: engine.addTapeNode, gradients: engine.gradients };
  const { addTapeNode, gradients } = original;
  engine.addTapeNode = function (this: EngineInternals, ...args: unknown[]) {
    addTapeNode.apply(this, args);
    const tape = this.state.activeTape;
    if (tape?.length) wrapNode(this, tape[tape.length - 1]!);
  };
  engine.gradients = function (this: EngineInternals, f, xs, dy, allowNoGradients) {
    passes.push({ xs: new Set(xs.map((x) => x.id)), dy, handedOut: new Map() });
    try {
      return gradients.call(this, f, xs, dy, allowNoGradients);
    } finally {
      passes.pop();
    }
  };
}

/**
 * Restores tfjs's own backward pass (for comparisons and tests).
 *
 * @example
 * ```ts
 * import { uninstallFrugalBackprop } from "@recursive/trm/kernels";
 * uninstallFrugalBackprop(); // a no-op when not installed
 * ```
 */
export function uninstallFrugalBackprop(): void {
  if (!original) return;
  const engine = tf.engine() as unknown as EngineInternals;
  engine.addTapeNode = original.addTapeNode;
  engine.gradients = original.gradients;
  original = undefined;
}

/**
 * Tensors disposed early so far in this process (to check that the patch is active).
 *
 * @example
 * ```ts
 * import { frugalBackpropFreed } from "@recursive/trm/kernels";
 * if (frugalBackpropFreed() < 0) throw new Error();
 * ```
 */
export function frugalBackpropFreed(): number {
  return freed;
}
