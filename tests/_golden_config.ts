/**
 * The official golden `config.json` as our spec and config (`./_golden.ts` re-exports it): which scheme,
 * mixer, sizes, recursion, halting and optimizer settings the official run used.
 */
import {
  type RecursionScheme,
  resolveConfig,
  RMS_NORM_EPS,
  type TaskSpec,
  trm,
  type TrmConfig,
} from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { hrm, singleZ } from "../plugins/schemes/mod.ts";

/**
 * The golden variants this harness can rebuild: TRM with the MLP-mixer, TRM with attention + RoPE, HRM
 * (`hrm.py`) and TRM single-z (`trm_singlez.py`), both with attention + RoPE.
 */
export type GoldenVariant = "mlp" | "att" | "hrm" | "singlez";

/** Parsed JSON object. */
export type Json = Record<string, unknown>;

/** `obj`'s value at the dotted `path`; throws naming the field when it is absent. */
export function configField<T>(obj: Json, path: string): T {
  let v: unknown = obj;
  for (const k of path.split(".")) v = (v as Json | undefined)?.[k];
  if (v === undefined) throw new Error(`golden config.json: missing field "${path}"`);
  return v as T;
}

/** The official model class behind an `arch.name` ("module@Class"), as a scheme of ours. */
const OFFICIAL_SCHEMES: Readonly<Record<string, string>> = {
  "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1": "trm",
  "recursive_reasoning.hrm@HierarchicalReasoningModel_ACTV1": "hrm",
  "recursive_reasoning.trm_singlez@TinyRecursiveReasoningModel_ACTV1": "singlez",
};

/**
 * Our spec and config for `variant` from the official `config.json`: arch (name -> the scheme: trm.py ->
 * `trm()`, hrm.py -> `hrm({ hLayers: H_layers, lLayers: L_layers })`, trm_singlez.py -> `singleZ()`;
 * hidden_size, num_heads, expansion, H_cycles = T, L_cycles = n, L_layers, puzzle_emb_len (hrm.py has no
 * such flag: it derives ceil(puzzle_emb_ndim / hidden_size)), halt_max_steps, exploration, mlp_t /
 * pos_encodings / rope_theta -> the mixer, loss_type) and train (lr, warmup, lr_min_ratio, weight decays,
 * betas, puzzle-table lr, no EMA) and data (vocab, length, ids, batch size). Throws naming the field
 * when the official config uses something this model cannot express.
 */
export function goldenTrmConfig(
  config: Json,
  variant: GoldenVariant,
): { spec: TaskSpec; trmConfig: TrmConfig } {
  const a = configField<Json>(config, `arch.${variant}`), t = configField<Json>(config, "train");
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`golden config.json arch.${variant}: ${what} is not what our model computes`);
  };
  const kind = OFFICIAL_SCHEMES[String(a.name)];
  need(kind !== undefined, `name ${a.name}`);
  const hidden = configField<number>(a, "hidden_size"), ndim = configField<number>(a, "puzzle_emb_ndim");
  need(ndim === hidden, "puzzle_emb_ndim != hidden_size"); // our table rows are D wide
  let scheme: RecursionScheme, puzzleEmbLen: number;
  if (kind === "hrm") {
    // hrm.py always learns q_continue (no no_ACT_continue flag) and has no puzzle_emb_len flag.
    need(a.no_ACT_continue === undefined, "no_ACT_continue (hrm.py has no such flag)");
    need(a.puzzle_emb_len === undefined, "puzzle_emb_len (hrm.py derives it)");
    scheme = hrm({ hLayers: configField(a, "H_layers"), lLayers: configField(a, "L_layers") });
    puzzleEmbLen = Math.ceil(ndim / hidden);
  } else {
    // trm.py and trm_singlez.py have no H network; no_ACT_continue: q_halt halting only.
    need(a.H_layers === 0, "H_layers != 0");
    need(a.no_ACT_continue === true, "no_ACT_continue false");
    scheme = kind === "singlez" ? singleZ() : trm();
    puzzleEmbLen = configField(a, "puzzle_emb_len");
  }
  const derived = (config.variants as Json | undefined)?.[variant] as Json | undefined;
  if (derived?.puzzle_emb_len !== undefined) {
    need(
      derived.puzzle_emb_len === puzzleEmbLen,
      `puzzle_emb_len ${puzzleEmbLen} (variants: ${derived.puzzle_emb_len})`,
    );
  }
  need(a.rms_norm_eps === RMS_NORM_EPS, `rms_norm_eps ${a.rms_norm_eps}`);
  need(a.loss_type === "stablemax_cross_entropy", `loss_type ${a.loss_type}`);
  need(a.forward_dtype === "float32", `forward_dtype ${a.forward_dtype}`);
  need(t.ema === false, "EMA on");
  const mixer = a.mlp_t ? mlpMixer() : attention({
    heads: configField<number>(a, "num_heads"),
    positions: a.pos_encodings === "rope" ? "rope" : "none",
    ropeBase: configField<number>(a, "rope_theta"),
  });
  need(
    a.mlp_t ? a.pos_encodings === "none" : a.pos_encodings !== "learned",
    `pos_encodings ${a.pos_encodings}`,
  );
  const spec: TaskSpec = {
    name: `golden-${variant}`,
    vocabSize: configField(config, "data.vocab_size"),
    seqLen: configField(config, "data.seq_len"),
    numPuzzleIds: configField(config, "data.num_puzzle_identifiers"),
  };
  const trmConfig = resolveConfig({
    mixer,
    scheme,
    model: {
      hidden,
      expansion: configField(a, "expansion"),
      layers: configField(a, "L_layers"),
      puzzleEmbLen,
    },
    recursion: { n: configField(a, "L_cycles"), T: configField(a, "H_cycles") },
    supervision: {
      maxSteps: configField(a, "halt_max_steps"),
      explorationProb: configField(a, "halt_exploration_prob"),
    },
    optim: {
      batchSize: configField(config, "data.batch_size"),
      lr: configField(t, "lr"),
      warmupSteps: configField(t, "lr_warmup_steps"),
      minLrRatio: configField(t, "lr_min_ratio"),
      betas: [configField(t, "beta1"), configField(t, "beta2")],
      weightDecay: configField(t, "weight_decay"),
      puzzleEmbLr: configField(t, "puzzle_emb_lr"),
      puzzleEmbWeightDecay: configField(t, "puzzle_emb_weight_decay"),
      emaDecay: null,
      loss: "stablemax",
      recompute: false,
    },
  });
  return { spec, trmConfig };
}
