/**
 * The model config implied by the shapes of a reference (official-name, torch-layout) state dict, and
 * what must be asked because no tensor carries it.
 *
 * Implied: the recursion scheme (by names: `H_level.*` -> HRM, `hrm.py`; `H_init` and `L_init` with
 * `L_level` only -> TRM, `trm.py`; `L_init` alone -> TRM single-z, `trm_singlez.py`), hidden size D
 * (`embed_tokens` [V, D]), vocabulary V, layers (`L_level.layers.i`, and HRM's `H_level.layers.i`), the
 * mixer (`mlp_t.*` -> MLP-mixer, `self_attn.*` -> attention), the SwiGLU expansion (from
 * `mlp.gate_up_proj` [2W, D]: any expansion giving width W gives the same network; the paper's 4 is
 * preferred), puzzle ids (`puzzle_emb.weights` [N, D]) and, for the MLP-mixer only, L' = puzzle_emb_len +
 * seq_len (`mlp_t` is sized by it). Not implied (no parameter depends on them): attention heads and
 * positions (RoPE has no weights), the split of L' into prefix and task length, T (H_cycles), n
 * (L_cycles), N_sup (halt_max_steps); {@linkcode referenceConfig} takes them, with the official defaults
 * of the inferred scheme.
 *
 * @module
 */
import { resolveConfig, type TrmConfig } from "../core/config.ts";
import { swigluWidth } from "../core/layers.ts";
import type { TaskSpec } from "../core/task.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { hrm, singleZ } from "../plugins/schemes/mod.ts";
import type { StoredTensor } from "./safetensors.ts";

/**
 * The official model a state dict's names identify: `"trm"` (`trm.py`), `"hrm"` (`hrm.py`) or
 * `"singlez"` (`trm_singlez.py`); each is the `kind` of our scheme plugin of the same model.
 */
export type ReferenceScheme = "trm" | "hrm" | "singlez";

/** What the shapes of a reference state dict imply. */
export interface InferredReference {
  /** The recursion scheme the names imply (HRM: `H_level`; single-z: `L_init` without `H_init`). */
  readonly scheme: ReferenceScheme;
  /** `"mlp-mixer"` (official `mlp_t: True`) or `"attention"`. */
  readonly mixer: "mlp-mixer" | "attention";
  /** hidden_size D. */
  readonly hidden: number;
  /** An expansion giving the channel SwiGLU's width (4 when 4 does). */
  readonly expansion: number;
  /** L_layers: blocks of `L_level` (TRM's and single-z's one network, HRM's L network). */
  readonly layers: number;
  /** HRM only: H_layers, the blocks of `H_level`; null for TRM and single-z (they have no H network). */
  readonly hLayers: number | null;
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
  /^inner\.(H|L)_level\.layers\.(\d+)\.(self_attn\.(qkv|o)_proj|mlp_t\.(gate_up|down)_proj|mlp\.(gate_up|down)_proj)\.weight$/;
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
 * Infers the config implied by `tensors` (names with or without `_orig_mod.` / `model.`): TRM, HRM
 * (`H_level` + `L_level`, `H_init` / `L_init`, `q_head` [2, D] for q_halt and q_continue) or single-z
 * (`L_init` only). Throws a `RangeError` with one line naming the tensor or the unsupported variant
 * (`trm_hier6.py`'s `L1_init`..., `mlp_t` in HRM, whose blocks are attention only, learned positions,
 * `puzzle_emb_ndim` other than D, an unknown name, a missing one, a wrong shape).
 *
 * @example
 * ```ts
 * import { inferConfig } from "@recursive/trm/io";
 * const t = (...shape: number[]) => ({ dtype: "F32" as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
 * const layer = (level: string, i: number): [string, ReturnType<typeof t>][] => [
 *   [`inner.${level}_level.layers.${i}.self_attn.qkv_proj.weight`, t(24, 8)], [`inner.${level}_level.layers.${i}.self_attn.o_proj.weight`, t(8, 8)],
 *   [`inner.${level}_level.layers.${i}.mlp.gate_up_proj.weight`, t(512, 8)], [`inner.${level}_level.layers.${i}.mlp.down_proj.weight`, t(8, 256)],
 * ];
 * const common: [string, ReturnType<typeof t>][] = [
 *   ["inner.L_init", t(8)], ["inner.embed_tokens.embedding_weight", t(5, 8)], ["inner.lm_head.weight", t(5, 8)],
 *   ["inner.q_head.weight", t(2, 8)], ["inner.q_head.bias", t(2)], ["inner.puzzle_emb.weights", t(3, 8)], ...layer("L", 0),
 * ];
 * const trm = inferConfig(new Map([["inner.H_init", t(8)], ...common]));
 * if (trm.scheme !== "trm" || trm.mixer !== "attention" || trm.hidden !== 8 || trm.layers !== 1 || trm.numPuzzleIds !== 3) throw new Error("trm");
 * const hrm = inferConfig(new Map([["inner.H_init", t(8)], ...common, ...layer("H", 0), ...layer("H", 1)]));
 * if (hrm.scheme !== "hrm" || hrm.hLayers !== 2 || hrm.layers !== 1) throw new Error("hrm");
 * if (inferConfig(new Map(common)).scheme !== "singlez") throw new Error("single-z: L_init alone");
 * ```
 */
export function inferConfig(tensors: ReadonlyMap<string, StoredTensor>): InferredReference {
  const byName = new Map<string, readonly number[]>();
  for (const [k, v] of tensors) byName.set(k.replace(PREFIX, ""), v.shape);
  const fail = (msg: string): never => {
    throw new RangeError(`reference state: ${msg}`);
  };
  const levels = { H: new Set<number>(), L: new Set<number>() };
  let attn = false, mlpT = false;
  for (const name of byName.keys()) {
    if (name === "inner.embed_pos.embedding_weight") {
      fail(`"${name}": learned position embeddings (pos_encodings=learned) are not supported`);
    }
    if (/^inner\.L\d+_init$/.test(name)) {
      fail(`"${name}" is one of trm_hier6.py's separate latents; that variant is not supported`);
    }
    const m = LAYER.exec(name);
    if (m) {
      levels[m[1] as "H" | "L"].add(Number(m[2]));
      attn ||= m[3]!.startsWith("self_attn"), mlpT ||= m[3]!.startsWith("mlp_t");
    } else if (!FIXED.includes(name)) fail(`unknown tensor "${name}"`);
  }
  // The names tell the scheme: only hrm.py has H_level; only trm_singlez.py lacks the H_init buffer.
  const scheme: ReferenceScheme = levels.H.size > 0 ? "hrm" : byName.has("inner.H_init") ? "trm" : "singlez";
  if (attn && mlpT) fail("both self_attn and mlp_t layers: not a model this library builds");
  if (scheme === "hrm" && mlpT) fail("mlp_t layers beside H_level: hrm.py's blocks are attention only");
  const shape = (name: string): readonly number[] => byName.get(name) ?? fail(`missing tensor "${name}"`);
  const expect = (name: string, want: readonly number[]) => {
    const got = shape(name);
    if (got.join() !== want.join()) fail(`"${name}" has shape [${got}], expected [${want}]`);
  };
  const [V, D] = shape("inner.embed_tokens.embedding_weight") as [number, number];
  expect("inner.lm_head.weight", [V, D]);
  expect("inner.q_head.weight", [2, D]); // q_halt and q_continue, in every scheme
  expect("inner.q_head.bias", [2]);
  if (scheme !== "singlez") expect("inner.H_init", [D]);
  expect("inner.L_init", [D]);
  const table = shape("inner.puzzle_emb.weights");
  if (table.length !== 2 || table[1] !== D) {
    fail(
      `"inner.puzzle_emb.weights" has shape [${table}]; only puzzle_emb_ndim = hidden_size (${D}) is supported`,
    );
  }
  const count = (level: "H" | "L"): number => {
    const found = levels[level], n = found.size;
    if (n === 0 || Math.max(...found) !== n - 1) {
      fail(`${level}_level layer indices [${[...found].sort((a, b) => a - b)}] are not 0..${n - 1}`);
    }
    return n;
  };
  const L = count("L"), H = scheme === "hrm" ? count("H") : null;
  const layer = (level: string, i: number, part: string) => `inner.${level}_level.layers.${i}.${part}.weight`;
  const [w2] = shape(layer("L", 0, "mlp.gate_up_proj")) as [number];
  const expansion = expansionFor(D, w2 / 2) ?? fail(`mlp width ${w2 / 2} is no SwiGLU width of hidden ${D}`);
  let fullSeqLen: number | null = null, mixerExpansion: number | null = null, t2 = 0;
  if (mlpT) {
    [t2, fullSeqLen] = shape(layer("L", 0, "mlp_t.gate_up_proj")) as [number, number];
    mixerExpansion = expansionFor(fullSeqLen, t2 / 2) ??
      fail(`mlp_t width ${t2 / 2} is no SwiGLU width of ${fullSeqLen}`);
  }
  // hrm.py builds H_level and L_level from one block config, so both levels must have the same shapes.
  for (const [level, n] of [["L", L], ["H", H ?? 0]] as const) {
    for (let i = 0; i < n; i++) {
      expect(layer(level, i, "mlp.gate_up_proj"), [w2, D]);
      expect(layer(level, i, "mlp.down_proj"), [D, w2 / 2]);
      if (mlpT) {
        expect(layer(level, i, "mlp_t.gate_up_proj"), [t2, fullSeqLen!]);
        expect(layer(level, i, "mlp_t.down_proj"), [fullSeqLen!, t2 / 2]);
      } else {
        expect(layer(level, i, "self_attn.qkv_proj"), [3 * D, D]);
        expect(layer(level, i, "self_attn.o_proj"), [D, D]);
      }
    }
  }
  return {
    scheme,
    mixer: mlpT ? "mlp-mixer" : "attention",
    hidden: D,
    expansion,
    layers: L,
    hLayers: H,
    vocabSize: V,
    numPuzzleIds: table[0]!,
    fullSeqLen,
    mixerExpansion,
  };
}

/**
 * What no tensor implies: the official config fields to give, each defaulting to the official config of
 * the inferred scheme (`config/arch/trm.yaml`; HRM: `hrm.yaml`).
 */
export interface ReferenceAnswers {
  /** Task length L (seq_len). Required for attention; MLP-mixer: L' - puzzleEmbLen. */
  readonly seqLen?: number;
  /**
   * puzzle_emb_len P. Default 16 (HRM: 1, as hrm.py has no such flag and derives ceil(puzzle_emb_ndim /
   * hidden_size)); MLP-mixer: L' - seqLen when seqLen is given.
   */
  readonly puzzleEmbLen?: number;
  /** num_heads (attention). Default 8. */
  readonly heads?: number;
  /** pos_encodings (attention): "rope" (default) or "none". */
  readonly positions?: "rope" | "none";
  /** L_cycles. Default 6 (HRM: 2). */
  readonly n?: number;
  /** H_cycles. Default 3 (HRM: 2). */
  readonly T?: number;
  /** halt_max_steps. Default 16. */
  readonly maxSteps?: number;
  /** Task name stored in our checkpoint. Default "reference". */
  readonly taskName?: string;
}

/** The official defaults of what no shape tells, per scheme (trm.yaml, hrm.yaml, trm_singlez.yaml). */
const SCHEME_DEFAULTS: Readonly<Record<ReferenceScheme, { P: number; n: number; T: number }>> = {
  trm: { P: 16, n: 6, T: 3 },
  singlez: { P: 16, n: 6, T: 3 },
  hrm: { P: 1, n: 2, T: 2 },
};

/**
 * Our task spec and resolved config for an inferred reference model (its scheme plugin included: `trm()`,
 * `hrm({ hLayers, lLayers })` or `singleZ()`), with `answers` for what shapes do not tell. Throws a
 * `RangeError` naming the field when an answer contradicts the shapes.
 *
 * @example
 * ```ts
 * import { type InferredReference, referenceConfig } from "@recursive/trm/io";
 * const inferred: InferredReference = {
 *   scheme: "hrm", mixer: "attention", hidden: 64, expansion: 4, layers: 4, hLayers: 4, vocabSize: 11,
 *   numPuzzleIds: 1, fullSeqLen: null, mixerExpansion: null,
 * };
 * const { spec, config } = referenceConfig(inferred, { seqLen: 81 });
 * // hrm.yaml's defaults: H_cycles 2, L_cycles 2, a one-position puzzle prefix.
 * if (config.scheme.kind !== "hrm" || config.recursion.T !== 2 || config.model.puzzleEmbLen !== 1) throw new Error("hrm");
 * if (spec.seqLen !== 81) throw new Error("seq_len");
 * ```
 */
export function referenceConfig(
  inferred: InferredReference,
  answers: ReferenceAnswers = {},
): { spec: TaskSpec; config: TrmConfig } {
  const defaults = SCHEME_DEFAULTS[inferred.scheme];
  let P = answers.puzzleEmbLen ?? defaults.P, L = answers.seqLen;
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
  const scheme = inferred.scheme === "hrm"
    ? hrm({ hLayers: inferred.hLayers!, lLayers: inferred.layers })
    : inferred.scheme === "singlez"
    ? singleZ()
    : undefined; // trm(), the default
  const config = resolveConfig({
    mixer,
    ...(scheme ? { scheme } : {}),
    model: {
      hidden: inferred.hidden,
      expansion: inferred.expansion,
      layers: inferred.layers,
      puzzleEmbLen: P,
    },
    recursion: { n: answers.n ?? defaults.n, T: answers.T ?? defaults.T },
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
