/**
 * The TRM network (spec 2): input embedding with the puzzle prefix, one shared network f of post-norm
 * blocks with input injection, the answer head and the halting head.
 *
 * Shapes: B batch, L task length, P puzzle prefix, L' = P + L, D hidden, V vocabulary.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TrmConfig } from "./config.ts";
import { residualRmsNorm, swiglu, swigluWidth } from "./layers.ts";
import type { MixerLayer } from "./mixer.ts";
import { createParamStore, paramName, type ParamStore } from "./params.ts";
import { createRng } from "./rng.ts";
import type { TaskSpec } from "./task.ts";

/** Outputs of the heads for one supervision step. */
export interface HeadOutputs {
  /** Answer logits for the task positions (prefix dropped), [B, L, V]. */
  readonly logits: tf.Tensor3D;
  /** Halting logit from y[:, 0] (q_head column 0), [B]. */
  readonly qHalt: tf.Tensor1D;
  /**
   * The reference's q_continue logit, q_head column 1 on y[:, 0], [B]. TRM (no_ACT_continue) never uses
   * it; HRM's halting (q_halt > q_continue) and its Q-learning target do.
   */
  readonly qContinue: tf.Tensor1D;
}

/**
 * A TRM model. Owns its variables: call `dispose()` (or `using model = createTrm(...)`).
 * All methods are pure functions of tensors (run them in `tf.tidy`); none disposes its inputs.
 */
export interface Trm extends Disposable {
  /** The resolved configuration. */
  readonly config: TrmConfig;
  /** The task the heads and embeddings were sized for. */
  readonly spec: TaskSpec;
  /** L' = puzzle prefix + task length. */
  readonly seqLen: number;
  /** Trainable variables (AdamATan2 and EMA act on these), in a stable order. */
  readonly variables: readonly tf.Variable[];
  /**
   * Fixed initial value of each carried state (TRM: y and z; truncated normal, sigma 1; buffers, never
   * trained), [D] each, keyed by the scheme's state names.
   */
  readonly init: Readonly<Record<string, tf.Tensor1D>>;
  /** The scheme's networks by name (TRM: `f`). */
  readonly nets: Readonly<Record<string, Network>>;
  /**
   * x = sqrt(D) * [puzzle prefix ; E[tokens]]: `inputs` [B, L] int32, `puzzleRows` [B, D] (the rows of
   * the puzzle-embedding table; only prefix position 0 carries it, the rest are zeros). Returns [B, L', D].
   */
  embed(inputs: tf.Tensor2D, puzzleRows: tf.Tensor2D): tf.Tensor3D;
  /** The shared network with input injection: f(h, inj) = blocks(h + inj). [B, L', D]. */
  f(h: tf.Tensor3D, injection: tf.Tensor3D): tf.Tensor3D;
  /** lm_head on y minus the prefix and q_head on y[:, 0] (both of its columns). */
  heads(y: tf.Tensor3D): HeadOutputs;
  /** Releases the variables. */
  dispose(): void;
}

/** A network with input injection: `blocks(h + injection)`, or `blocks(h)` without one. [B, L', D]. */
export type Network = (h: tf.Tensor3D, injection: tf.Tensor3D | null) => tf.Tensor3D;

/** Options of {@linkcode createTrm}. */
export interface CreateTrmOptions {
  /** Seed of the weight initialisation. Default 0. */
  readonly seed?: number;
}

/**
 * Builds a TRM for `spec` with `config` (see `resolveConfig`).
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
 * using model = createTrm(spec, resolveConfig({ mixer: mlpMixer() }));
 * const params = model.variables.reduce((n, v) => n + v.size, 0);
 * if (params !== 5_028_866) throw new Error(`${params}`);
 * ```
 */
export function createTrm(spec: TaskSpec, config: TrmConfig, options: CreateTrmOptions = {}): Trm {
  const { hidden: D, expansion, layers, puzzleEmbLen: P } = config.model;
  const Lp = P + spec.seqLen, V = spec.vocabSize;
  const store: ParamStore = createParamStore(createRng(options.seed ?? 0));
  const p = store.factory;
  // Token embedding, sigma 1/sqrt(D) (spec 2.3); x is scaled by sqrt(D) so tokens have ~unit std.
  const embedTokens = p.create("embed_tokens", [V, D], { kind: "normal", std: 1 / Math.sqrt(D) });
  const scheme = config.scheme, netNames = Object.keys(scheme.nets);
  // The first network keeps TRM's parameter names (block{i}/...); others are scoped by their name.
  const stacks = netNames.map((name, k) => {
    const scope = k === 0 ? p : p.scope(name);
    return Array.from({ length: scheme.nets[name]!.layers ?? layers }, (_, i) => {
      const b = scope.scope(`block${i}`);
      const mixer: MixerLayer = config.mixer.build({ seqLen: Lp, hidden: D, expansion }, b.scope("mixer"));
      return { mixer, mlp: swiglu(b.scope("mlp"), D, expansion) };
    });
  });
  const lmHead = p.create("lm_head", [D, V], { kind: "lecun" });
  // Zero weight and bias -5: sigmoid(-5) ~ 0.0067, so nothing halts early at initialisation (spec 2.10).
  const qHeadW = p.create("q_head/w", [D, 2], { kind: "constant", value: 0 });
  const qHeadB = p.create("q_head/b", [2], { kind: "constant", value: -5 });
  const init: Record<string, tf.Tensor1D> = {};
  for (const st of scheme.states) {
    init[st] = p.create(`${st}_init`, [D], { kind: "normal", std: 1 }, false) as tf.Variable<tf.Rank.R1>;
  }
  const mixerAxis = config.mixer.normAxis === "hidden" ? -1 : 1;

  const block = (h: tf.Tensor3D, { mixer, mlp }: (typeof stacks)[number][number]): tf.Tensor3D => {
    const B = h.shape[0];
    const h1 = residualRmsNorm(h, mixer.apply(h), mixerAxis); // post-norm
    const m = tf.reshape(mlp.apply(tf.reshape(h1, [B * Lp, D])), [B, Lp, D]) as tf.Tensor3D;
    return residualRmsNorm(h1, m, -1);
  };

  const nets: Record<string, Network> = {};
  netNames.forEach((name, k) => {
    nets[name] = (h, injection) =>
      tf.tidy(() => {
        let out = injection ? tf.add(h, injection) as tf.Tensor3D : h;
        for (const b of stacks[k]!) out = block(out, b);
        return out;
      });
  });

  const model: Trm = {
    config,
    spec,
    seqLen: Lp,
    variables: store.variables.filter((v) => v.trainable),
    init,
    nets,
    embed: (inputs, puzzleRows) =>
      tf.tidy(() => {
        const [B, L] = inputs.shape;
        // One-hot matmul instead of gather: the wasm backend has no gradient for gather.
        const tok = tf.reshape(tf.matMul(tf.oneHot(tf.reshape(inputs, [B * L]), V), embedTokens), [B, L, D]);
        const prefix = tf.concat([tf.expandDims(puzzleRows, 1), tf.zeros([B, P - 1, D])], 1);
        return tf.mul(tf.concat([prefix, tok], 1), Math.sqrt(D)) as tf.Tensor3D;
      }),
    f: (h, injection) => nets[netNames[0]!]!(h, injection),
    heads: (y) =>
      tf.tidy(() => {
        const B = y.shape[0];
        const answer = tf.reshape(tf.slice(y, [0, P, 0], [B, spec.seqLen, D]), [B * spec.seqLen, D]);
        const logits = tf.reshape(tf.matMul(answer, lmHead), [B, spec.seqLen, V]) as tf.Tensor3D;
        const q = tf.add(tf.matMul(tf.reshape(tf.slice(y, [0, 0, 0], [B, 1, D]), [B, D]), qHeadW), qHeadB);
        const qHalt = tf.reshape(tf.slice(q, [0, 0], [B, 1]), [B]) as tf.Tensor1D;
        const qContinue = tf.reshape(tf.slice(q, [0, 1], [B, 1]), [B]) as tf.Tensor1D;
        return { logits, qHalt, qContinue };
      }),
    dispose: () => {
      for (const v of store.variables) v.dispose();
    },
    [Symbol.dispose]() {
      this.dispose();
    },
  };
  return model;
}

/**
 * The model's variables by checkpoint name (`block0/mlp/down`, ...), trainable and buffers alike.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, namedVariables, resolveConfig } from "@recursive/trm/core";
 * import { attention } from "@recursive/trm/plugins/attention";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using m = createTrm(spec, resolveConfig({ mixer: attention({ heads: 2 }), model: { hidden: 8 } }));
 * if (!namedVariables(m).has("q_head/b")) throw new Error("named");
 * ```
 */
export function namedVariables(model: Trm): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const v of [...model.variables, ...(Object.values(model.init) as tf.Variable[])]) {
    out.set(paramName(v.name), v);
  }
  return out;
}

/**
 * Bytes of the largest single tensor a training or evaluation step creates for `batch` rows: the
 * mixer's (attention scores, sequence-MLP hidden), the channel SwiGLU hidden, or the logits.
 *
 * @example
 * ```ts
 * import { largestTensorBytes, resolveConfig } from "@recursive/trm/core";
 * import { attention } from "@recursive/trm/plugins/attention";
 * const spec = { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 1 };
 * // Attention scores [B, 8, 916, 916] dominate: 26.9 MB per row of the batch.
 * if (largestTensorBytes(resolveConfig({ mixer: attention() }), spec, 1) !== 4 * 8 * 916 * 916) throw new Error("scores");
 * ```
 */
export function largestTensorBytes(config: TrmConfig, spec: TaskSpec, batch: number): number {
  const D = config.model.hidden, Lp = config.model.puzzleEmbLen + spec.seqLen;
  const dims = { seqLen: Lp, hidden: D, expansion: config.model.expansion };
  const mixer = config.mixer.largestTensor?.(dims, batch) ?? 0;
  return 4 *
    Math.max(
      mixer,
      batch * Lp * swigluWidth(D, config.model.expansion),
      batch * Lp * D,
      batch * spec.seqLen * spec.vocabSize,
    );
}

/** Throws a clear error when a batch would need a tensor larger than the backend can hold. */
export function checkTensorBudget(
  config: TrmConfig,
  spec: TaskSpec,
  batch: number,
  limitBytes: number,
): void {
  const need = largestTensorBytes(config, spec, batch);
  if (need > limitBytes) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    throw new RangeError(
      `a batch of ${batch} needs a ${mib(need)} MiB tensor, but this WebGPU device binds at most ${
        mib(limitBytes)
      } MiB ` +
        "(maxStorageBufferBindingSize): reduce the batch size (or heads / sequence length)",
    );
  }
}
