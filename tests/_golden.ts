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
  resetState,
  type State,
  supervisionForward,
  type TaskSpec,
  type Trm,
  type TrmConfig,
} from "../core/mod.ts";
import { importReferenceState, readSafetensorsFile, referenceName, type StoredTensor } from "../io/mod.ts";
import { configField, goldenTrmConfig, type GoldenVariant, type Json } from "./_golden_config.ts";
import { sharedPath } from "./_shared.ts";

export * from "./_golden_compare.ts";
export * from "./_golden_config.ts";

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
    totalSteps: configField(config, "train.total_steps"),
    trainSteps: configField(config, "train.train_steps"),
    supervisionSteps: configField(config, "supervision_steps"),
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
