/**
 * The golden files of the official PyTorch TRM code (`../shared/golden`, see its README.md): loading,
 * building our model from official tensors, running the reference's eval forward with our public API,
 * and the harness's comparison rule (`./_golden_compare.ts`, re-exported here).
 *
 * Use (another test):
 *
 * ```text
 * const g = await loadGolden("mlp");                       // null (one skip line) without ../shared
 * using m = goldenModel(g, tensorsFromOfficialStepPt);     // official names, with or without prefixes
 * const steps = await goldenForward(m.model, m.puzzles, g.batch, 3);
 * const report = new GoldenReport("mlp");
 * compareForward(report, "forward", steps, g.forward, g.forwardF64, "");
 * report.print(); report.assertPass();
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  actLoss,
  createTrm,
  type Example,
  PuzzleEmbedding,
  readTensors,
  type RecursionScheme,
  resetState,
  resolveConfig,
  RMS_NORM_EPS,
  type State,
  supervisionForward,
  type TaskSpec,
  type Trm,
  trm,
  type TrmConfig,
} from "../core/mod.ts";
import { importReferenceState, readSafetensorsFile, referenceName, type StoredTensor } from "../io/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { hrm, singleZ } from "../plugins/schemes/mod.ts";
import { sharedPath } from "./_shared.ts";

export * from "./_golden_compare.ts";

/**
 * The golden variants this harness can rebuild: TRM with the MLP-mixer, TRM with attention + RoPE, HRM
 * (`hrm.py`) and TRM single-z (`trm_singlez.py`), both with attention + RoPE.
 */
export type GoldenVariant = "mlp" | "att" | "hrm" | "singlez";

/** Tensors of one safetensors file, by name. */
export type GoldenTensors = ReadonlyMap<string, StoredTensor>;

/** The golden batch (`batch.safetensors`): row-major [B, L] inputs and labels, [B] puzzle ids. */
export interface GoldenBatch {
  /** Input tokens, [B * L]. */
  readonly inputs: Int32Array;
  /** Labels (-100 where ignored), [B * L]. */
  readonly labels: Int32Array;
  /** Puzzle identifiers, [B]. */
  readonly puzzleIds: Int32Array;
}

/** Everything of one variant: the files, and our spec / config equivalent to the official config. */
export interface Golden {
  /** The variant's folder name. */
  readonly variant: GoldenVariant;
  /** Absolute path of the variant's folder. */
  readonly dir: string;
  /** `config.json`, parsed. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Our task spec for the golden data (vocab 11, length 16, 5 puzzle ids). */
  readonly spec: TaskSpec;
  /** Our configuration equivalent to the official one (see {@linkcode goldenTrmConfig}). */
  readonly trmConfig: TrmConfig;
  /** The schedule's total steps (`train.total_steps`). */
  readonly totalSteps: number;
  /** Optimizer steps the files hold (`train.train_steps`, 3). */
  readonly trainSteps: number;
  /** Supervision steps of the stored eval forwards (`supervision_steps`, 3). */
  readonly supervisionSteps: number;
  /** The batch. */
  readonly batch: GoldenBatch;
  /** `weights.safetensors`: the initial state dict, official names (`inner.*`). */
  readonly weights: GoldenTensors;
  /** `forward.safetensors` (official float32 run). */
  readonly forward: GoldenTensors;
  /** `forward_f64.safetensors` (official float64 run). */
  readonly forwardF64: GoldenTensors;
  /** `train.safetensors` (float32). */
  readonly train: GoldenTensors;
  /** `train_f64.safetensors` (float64). */
  readonly trainF64: GoldenTensors;
}

type Json = Record<string, unknown>;

function field<T>(obj: Json, path: string): T {
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
  const a = field<Json>(config, `arch.${variant}`), t = field<Json>(config, "train");
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`golden config.json arch.${variant}: ${what} is not what our model computes`);
  };
  const kind = OFFICIAL_SCHEMES[String(a.name)];
  need(kind !== undefined, `name ${a.name}`);
  const hidden = field<number>(a, "hidden_size"), ndim = field<number>(a, "puzzle_emb_ndim");
  need(ndim === hidden, "puzzle_emb_ndim != hidden_size"); // our table rows are D wide
  let scheme: RecursionScheme, puzzleEmbLen: number;
  if (kind === "hrm") {
    // hrm.py always learns q_continue (no no_ACT_continue flag) and has no puzzle_emb_len flag.
    need(a.no_ACT_continue === undefined, "no_ACT_continue (hrm.py has no such flag)");
    need(a.puzzle_emb_len === undefined, "puzzle_emb_len (hrm.py derives it)");
    scheme = hrm({ hLayers: field(a, "H_layers"), lLayers: field(a, "L_layers") });
    puzzleEmbLen = Math.ceil(ndim / hidden);
  } else {
    // trm.py and trm_singlez.py have no H network; no_ACT_continue: q_halt halting only.
    need(a.H_layers === 0, "H_layers != 0");
    need(a.no_ACT_continue === true, "no_ACT_continue false");
    scheme = kind === "singlez" ? singleZ() : trm();
    puzzleEmbLen = field(a, "puzzle_emb_len");
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
    heads: field<number>(a, "num_heads"),
    positions: a.pos_encodings === "rope" ? "rope" : "none",
    ropeBase: field<number>(a, "rope_theta"),
  });
  need(
    a.mlp_t ? a.pos_encodings === "none" : a.pos_encodings !== "learned",
    `pos_encodings ${a.pos_encodings}`,
  );
  const spec: TaskSpec = {
    name: `golden-${variant}`,
    vocabSize: field(config, "data.vocab_size"),
    seqLen: field(config, "data.seq_len"),
    numPuzzleIds: field(config, "data.num_puzzle_identifiers"),
  };
  const trmConfig = resolveConfig({
    mixer,
    scheme,
    model: { hidden, expansion: field(a, "expansion"), layers: field(a, "L_layers"), puzzleEmbLen },
    recursion: { n: field(a, "L_cycles"), T: field(a, "H_cycles") },
    supervision: { maxSteps: field(a, "halt_max_steps"), explorationProb: field(a, "halt_exploration_prob") },
    optim: {
      batchSize: field(config, "data.batch_size"),
      lr: field(t, "lr"),
      warmupSteps: field(t, "lr_warmup_steps"),
      minLrRatio: field(t, "lr_min_ratio"),
      betas: [field(t, "beta1"), field(t, "beta2")],
      weightDecay: field(t, "weight_decay"),
      puzzleEmbLr: field(t, "puzzle_emb_lr"),
      puzzleEmbWeightDecay: field(t, "puzzle_emb_weight_decay"),
      emaDecay: null,
      loss: "stablemax",
      recompute: false,
    },
  });
  return { spec, trmConfig };
}

/**
 * Loads `../shared/golden/<variant>` (every file but the .pt ones) and `config.json`. Returns null, after
 * one skip line from `sharedPath`, when the folder is absent (throws under `TRM_REQUIRE_SHARED=1`).
 */
export async function loadGolden(variant: GoldenVariant): Promise<Golden | null> {
  const root = sharedPath("golden");
  if (root === null) return null;
  const dir = `${root}/${variant}`;
  const read = async (f: string) => (await readSafetensorsFile(`${dir}/${f}.safetensors`)).tensors;
  const config = JSON.parse(await Deno.readTextFile(`${root}/config.json`)) as Json;
  const b = await read("batch");
  const ints = (name: string) => {
    const t = b.get(name);
    if (!t || !(t.data instanceof Int32Array)) throw new Error(`${dir}/batch.safetensors: no I32 "${name}"`);
    return t.data;
  };
  return {
    variant,
    dir,
    config,
    ...goldenTrmConfig(config, variant),
    totalSteps: field(config, "train.total_steps"),
    trainSteps: field(config, "train.train_steps"),
    supervisionSteps: field(config, "supervision_steps"),
    batch: { inputs: ints("inputs"), labels: ints("labels"), puzzleIds: ints("puzzle_identifiers") },
    weights: await read("weights"),
    forward: await read("forward"),
    forwardF64: await read("forward_f64"),
    train: await read("train"),
    trainF64: await read("train_f64"),
  };
}

/** The batch as examples for `TrainSession.step`. */
export function goldenExamples(spec: TaskSpec, batch: GoldenBatch): Example[] {
  const L = spec.seqLen;
  return Array.from(batch.puzzleIds, (puzzleId, b) => ({
    input: batch.inputs.slice(b * L, (b + 1) * L),
    label: batch.labels.slice(b * L, (b + 1) * L),
    puzzleId,
  }));
}

/** A model and puzzle table loaded from official tensors; disposing it releases the model. */
export interface GoldenModel extends Disposable {
  /** The model, with the official weights. */
  readonly model: Trm;
  /** The puzzle table (`inner.puzzle_emb.weights`). */
  readonly puzzles: PuzzleEmbedding;
}

/**
 * Builds our model for `golden`'s variant and imports `tensors` (official state-dict names, with or
 * without the `_orig_mod.` / `model.` prefixes: e.g. `weights.safetensors`, or the tensors read from
 * `official_step.pt`) through the public `importReferenceState`, puzzle table included.
 */
export function goldenModel(golden: Pick<Golden, "spec" | "trmConfig">, tensors: GoldenTensors): GoldenModel {
  const model = createTrm(golden.spec, golden.trmConfig);
  const puzzles = new PuzzleEmbedding(golden.spec.numPuzzleIds, golden.trmConfig.model.hidden);
  try {
    importReferenceState(tensors, model, puzzles);
    // importReferenceState skips an absent table (a checkpoint may have none); the golden state has one.
    const hasTable = [...tensors.keys()].some((k) => k.endsWith("puzzle_emb.weights"));
    if (!hasTable) throw new Error("golden tensors: no puzzle_emb.weights (the puzzle table)");
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, puzzles, [Symbol.dispose]: () => model.dispose() };
}

/**
 * The official carry name (`z_H` / `z_L`) of one of our scheme states: the one whose init buffer the
 * interop maps it to (TRM's y and HRM's zH start from `H_init`, TRM's z, HRM's zL and single-z's z from
 * `L_init`), so the carry comparison follows the same mapping as the weights.
 */
export function officialCarryName(state: string): string {
  const init = referenceName(`${state}_init`).name;
  const m = /^inner\.([HL])_init$/.exec(init);
  if (!m) throw new RangeError(`golden: state "${state}" maps to "${init}", not to H_init / L_init`);
  return `z_${m[1]}`;
}

/** Our outputs of one eval supervision step, in the golden files' terms. */
export interface GoldenStep {
  /** [B, L, V] answer logits. */
  readonly logits: Float32Array;
  /** [B] q_halt logits. */
  readonly qHalt: Float32Array;
  /** [B] q_continue logits. */
  readonly qContinue: Float32Array;
  /**
   * The carry after the step, [B, L', D] per state, by official name ({@linkcode officialCarryName}):
   * TRM and HRM `z_H` and `z_L`, single-z `z_L`.
   */
  readonly carry: Readonly<Record<string, Float32Array>>;
  /** [B] 1 where the row is exactly right (ACTLossHead's seq_is_correct). */
  readonly exact: Float32Array;
  /** lm_loss, q_halt_loss and total (lm + 0.5 q_halt), summed over the batch as ACTLossHead. */
  readonly lmLoss: number;
  /** See `lmLoss`. */
  readonly qHaltLoss: number;
  /** See `lmLoss`. */
  readonly totalLoss: number;
}

/**
 * The reference's eval forward, with our public core, for any scheme: a fresh state (`resetState` from
 * the init vectors; or `from`, with the rows where `halted[b]` is 1 restarted), then per supervision
 * step the scheme's whole plan without gradient (`supervisionForward`) on the state passed on, the heads
 * on the scheme's output state and the ACT loss. Returns one {@linkcode GoldenStep} per step. Leaves no
 * tensors behind and does not dispose `from`.
 */
export async function goldenForward(
  model: Trm,
  puzzles: PuzzleEmbedding,
  batch: GoldenBatch,
  steps: number,
  from: State | null = null,
  halted?: Uint8Array,
): Promise<GoldenStep[]> {
  const B = batch.puzzleIds.length, L = model.spec.seqLen, c = model.config, scheme = c.scheme;
  const inputs = tf.tensor2d(batch.inputs, [B, L], "int32");
  const labels = tf.tensor2d(batch.labels, [B, L], "int32");
  const rows = tf.tensor2d(puzzles.gather(batch.puzzleIds), [B, c.model.hidden]);
  const all = halted ? tf.tensor1d(halted, "bool") : tf.ones([B], "bool") as tf.Tensor1D;
  const x = model.embed(inputs, rows);
  let state = resetState(model, from, all); // new tensors (where / broadcast), never `from`'s
  const out: GoldenStep[] = [];
  try {
    for (let s = 1; s <= steps; s++) {
      const next = supervisionForward(model, x, state);
      const kept = new Set(Object.values(next));
      for (const t of Object.values(state)) if (!kept.has(t)) t.dispose();
      state = next;
      const head = state[scheme.output];
      if (!head) {
        throw new RangeError(`golden: the scheme's output state "${scheme.output}" is not in the state`);
      }
      const heads = tf.tidy(() => {
        const h = model.heads(head);
        const l = actLoss(h.logits, h.qHalt, labels, c.optim.loss);
        return [h.logits, h.qHalt, h.qContinue, l.stats.exact, l.lmLoss, l.qHaltLoss, l.total];
      });
      try {
        const names = scheme.states;
        const read = await readTensors([...heads, ...names.map((k) => state[k]!)]);
        const [logits, qHalt, qContinue, exact, lm, qh, total] = read;
        out.push({
          logits: logits!.slice(),
          qHalt: qHalt!.slice(),
          qContinue: qContinue!.slice(),
          exact: exact!.slice(),
          lmLoss: lm![0]!,
          qHaltLoss: qh![0]!,
          totalLoss: total![0]!,
          carry: Object.fromEntries(
            names.map((k, i) => [officialCarryName(k), read[heads.length + i]!.slice()]),
          ),
        });
      } finally {
        tf.dispose(heads);
      }
    }
  } finally {
    tf.dispose([inputs, labels, rows, all, x, ...Object.values(state)]);
  }
  return out;
}
