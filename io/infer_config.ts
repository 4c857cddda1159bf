/**
 * The model config implied by the shapes of a reference (official-name, torch-layout) state dict, and
 * what must be asked because no tensor carries it.
 *
 * Implied: hidden size D (`embed_tokens` [V, D]), vocabulary V, layers (`L_level.layers.i`), the mixer
 * (`mlp_t.*` -> MLP-mixer, `self_attn.*` -> attention), the SwiGLU expansion (from `mlp.gate_up_proj`
 * [2W, D]: any expansion giving width W gives the same network; the paper's 4 is preferred), puzzle ids
 * (`puzzle_emb.weights` [N, D]) and, for the MLP-mixer only, L' = puzzle_emb_len + seq_len (`mlp_t` is
 * sized by it). Not implied (no parameter depends on them): attention heads and positions (RoPE has no
 * weights), the split of L' into prefix and task length, T (H_cycles), n (L_cycles), N_sup
 * (halt_max_steps); {@linkcode referenceConfig} takes them, with the paper's defaults.
 *
 * @module
 */
import { resolveConfig, type TrmConfig } from "../core/config.ts";
import { swigluWidth } from "../core/layers.ts";
import type { TaskSpec } from "../core/task.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import type { StoredTensor } from "./safetensors.ts";

/** What the shapes of a reference state dict imply. */
export interface InferredReference {
  /** `"mlp-mixer"` (official `mlp_t: True`) or `"attention"`. */
  readonly mixer: "mlp-mixer" | "attention";
  /** hidden_size D. */
  readonly hidden: number;
  /** An expansion giving the channel SwiGLU's width (4 when 4 does). */
  readonly expansion: number;
  /** L_layers. */
  readonly layers: number;
  /** vocab_size V. */
  readonly vocabSize: number;
  /** num_puzzle_identifiers. */
  readonly numPuzzleIds: number;
  /** MLP-mixer only: L' = puzzle_emb_len + seq_len; null for attention (nothing is sized by it). */
  readonly fullSeqLen: number | null;
  /** MLP-mixer only: an expansion giving the token SwiGLU's width; null for attention. */
  readonly mixerExpansion: number | null;
}

const PREFIX = /^(_orig_mod\.)?(model\.)?/;
const LAYER =
  /^inner\.L_level\.layers\.(\d+)\.(self_attn\.(qkv|o)_proj|mlp_t\.(gate_up|down)_proj|mlp\.(gate_up|down)_proj)\.weight$/;
const FIXED = [
  "inner.H_init",
  "inner.L_init",
  "inner.embed_tokens.embedding_weight",
  "inner.lm_head.weight",
  "inner.q_head.weight",
  "inner.q_head.bias",
  "inner.puzzle_emb.weights",
];

/** An expansion e with swigluWidth(dim, e) === width, preferring the paper's 4, or null. */
function expansionFor(dim: number, width: number): number | null {
  for (const e of [4, 2, 3, 8, 1, 6, 1.5, 2.5, 3.5]) if (swigluWidth(dim, e) === width) return e;
  const exact = (3 * width) / (2 * dim); // round(e * dim * 2/3) = width exactly
  return swigluWidth(dim, exact) === width ? exact : null;
}

/**
 * Infers the config implied by `tensors` (names with or without `_orig_mod.` / `model.`). Throws a
 * `RangeError` with one line naming the tensor or the unsupported variant (HRM's `H_level`, single-z TRM
 * without `H_init`, learned positions, `puzzle_emb_ndim` other than D, an unknown name, a wrong shape).
 *
 * @example
 * ```ts
 * import { inferConfig } from "@recursive/trm/io";
 * const t = (...shape: number[]) => ({ dtype: "F32" as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
 * const got = inferConfig(new Map([
 *   ["inner.H_init", t(8)], ["inner.L_init", t(8)], ["inner.embed_tokens.embedding_weight", t(5, 8)],
 *   ["inner.lm_head.weight", t(5, 8)], ["inner.q_head.weight", t(2, 8)], ["inner.q_head.bias", t(2)],
 *   ["inner.puzzle_emb.weights", t(3, 8)],
 *   ["inner.L_level.layers.0.self_attn.qkv_proj.weight", t(24, 8)], ["inner.L_level.layers.0.self_attn.o_proj.weight", t(8, 8)],
 *   ["inner.L_level.layers.0.mlp.gate_up_proj.weight", t(512, 8)], ["inner.L_level.layers.0.mlp.down_proj.weight", t(8, 256)],
 * ]));
 * if (got.mixer !== "attention" || got.hidden !== 8 || got.layers !== 1 || got.numPuzzleIds !== 3) throw new Error("infer");
 * ```
 */
export function inferConfig(tensors: ReadonlyMap<string, StoredTensor>): InferredReference {
  const byName = new Map<string, readonly number[]>();
  for (const [k, v] of tensors) byName.set(k.replace(PREFIX, ""), v.shape);
  const fail = (msg: string): never => {
    throw new RangeError(`reference state: ${msg}`);
  };
  const layers = new Set<number>();
  let attn = false, mlpT = false;
  for (const name of byName.keys()) {
    if (name.startsWith("inner.H_level.")) {
      fail(`"${name}" is an HRM layer; only TRM configs are inferred (HRM is not converted)`);
    }
    if (name === "inner.embed_pos.embedding_weight") {
      fail(`"${name}": learned position embeddings (pos_encodings=learned) are not supported`);
    }
    const m = LAYER.exec(name);
    if (m) {
      layers.add(Number(m[1]));
      attn ||= m[2]!.startsWith("self_attn"), mlpT ||= m[2]!.startsWith("mlp_t");
    } else if (!FIXED.includes(name)) fail(`unknown tensor "${name}"`);
  }
  if (!byName.has("inner.H_init") && byName.has("inner.L_init")) {
    fail(`no "inner.H_init": the single-z TRM variant (trm_singlez.py) is not converted`);
  }
  if (attn && mlpT) fail("both self_attn and mlp_t layers: not a TRM this library builds");
  const shape = (name: string): readonly number[] => byName.get(name) ?? fail(`missing tensor "${name}"`);
  const expect = (name: string, want: readonly number[]) => {
    const got = shape(name);
    if (got.join() !== want.join()) fail(`"${name}" has shape [${got}], expected [${want}]`);
  };
  const [V, D] = shape("inner.embed_tokens.embedding_weight") as [number, number];
  expect("inner.lm_head.weight", [V, D]);
  expect("inner.q_head.weight", [2, D]);
  expect("inner.q_head.bias", [2]);
  expect("inner.H_init", [D]);
  expect("inner.L_init", [D]);
  const table = shape("inner.puzzle_emb.weights");
  if (table.length !== 2 || table[1] !== D) {
    fail(
      `"inner.puzzle_emb.weights" has shape [${table}]; only puzzle_emb_ndim = hidden_size (${D}) is supported`,
    );
  }
  const L = layers.size;
  if (L === 0 || Math.max(...layers) !== L - 1) fail(`layer indices [${[...layers]}] are not 0..${L - 1}`);
  const layer = (i: number, part: string) => `inner.L_level.layers.${i}.${part}.weight`;
  const [w2] = shape(layer(0, "mlp.gate_up_proj")) as [number];
  const expansion = expansionFor(D, w2 / 2) ?? fail(`mlp width ${w2 / 2} is no SwiGLU width of hidden ${D}`);
  let fullSeqLen: number | null = null, mixerExpansion: number | null = null;
  if (mlpT) {
    const [t2, Lp] = shape(layer(0, "mlp_t.gate_up_proj")) as [number, number];
    fullSeqLen = Lp;
    mixerExpansion = expansionFor(Lp, t2 / 2) ?? fail(`mlp_t width ${t2 / 2} is no SwiGLU width of ${Lp}`);
  }
  for (let i = 0; i < L; i++) {
    expect(layer(i, "mlp.gate_up_proj"), [w2, D]);
    expect(layer(i, "mlp.down_proj"), [D, w2 / 2]);
    if (mlpT) {
      const [t2] = shape(layer(0, "mlp_t.gate_up_proj")) as [number];
      expect(layer(i, "mlp_t.gate_up_proj"), [t2, fullSeqLen!]);
      expect(layer(i, "mlp_t.down_proj"), [fullSeqLen!, t2 / 2]);
    } else {
      expect(layer(i, "self_attn.qkv_proj"), [3 * D, D]);
      expect(layer(i, "self_attn.o_proj"), [D, D]);
    }
  }
  return {
    mixer: mlpT ? "mlp-mixer" : "attention",
    hidden: D,
    expansion,
    layers: L,
    vocabSize: V,
    numPuzzleIds: table[0]!,
    fullSeqLen,
    mixerExpansion,
  };
}

/** What no tensor implies: the official config fields to give, each with the paper's default. */
export interface ReferenceAnswers {
  /** Task length L (seq_len). Required for attention; MLP-mixer: L' - puzzleEmbLen. */
  readonly seqLen?: number;
  /** puzzle_emb_len P. Default 16; MLP-mixer: L' - seqLen when seqLen is given. */
  readonly puzzleEmbLen?: number;
  /** num_heads (attention). Default 8. */
  readonly heads?: number;
  /** pos_encodings (attention): "rope" (default) or "none". */
  readonly positions?: "rope" | "none";
  /** L_cycles. Default 6. */
  readonly n?: number;
  /** H_cycles. Default 3. */
  readonly T?: number;
  /** halt_max_steps. Default 16. */
  readonly maxSteps?: number;
  /** Task name stored in our checkpoint. Default "reference". */
  readonly taskName?: string;
}

/**
 * Our task spec and resolved config for an inferred reference model, with `answers` for what shapes do
 * not tell. Throws a `RangeError` naming the field when an answer contradicts the shapes.
 */
export function referenceConfig(
  inferred: InferredReference,
  answers: ReferenceAnswers = {},
): { spec: TaskSpec; config: TrmConfig } {
  let P = answers.puzzleEmbLen ?? 16, L = answers.seqLen;
  if (inferred.fullSeqLen !== null) {
    if (L !== undefined && answers.puzzleEmbLen === undefined) P = inferred.fullSeqLen - L;
    L ??= inferred.fullSeqLen - P;
    if (P < 1 || L < 1 || P + L !== inferred.fullSeqLen) {
      throw new RangeError(
        `reference state: mlp_t is sized for L' = ${inferred.fullSeqLen}, which puzzle_emb_len ${P} + seq_len ${L} does not make`,
      );
    }
  }
  if (L === undefined) {
    throw new RangeError("reference state: attention weights do not tell seq_len; give it (--seq-len)");
  }
  const mixer = inferred.mixer === "mlp-mixer"
    ? mlpMixer({ expansion: inferred.mixerExpansion! })
    : attention({ heads: answers.heads ?? 8, positions: answers.positions ?? "rope" });
  const config = resolveConfig({
    mixer,
    model: {
      hidden: inferred.hidden,
      expansion: inferred.expansion,
      layers: inferred.layers,
      puzzleEmbLen: P,
    },
    recursion: { n: answers.n ?? 6, T: answers.T ?? 3 },
    supervision: { maxSteps: answers.maxSteps ?? 16 },
  });
  const spec: TaskSpec = {
    name: answers.taskName ?? "reference",
    vocabSize: inferred.vocabSize,
    seqLen: L,
    numPuzzleIds: inferred.numPuzzleIds,
  };
  return { spec, config };
}
