/**
 * Checkpoints: a directory with `tensors.safetensors` (the EMA weights as `model/*`, and for resuming the
 * live weights, AdamATan2 moments and the puzzle-embedding table) and `meta.json` (resolved config with
 * the mixer's kind and options, task spec, step, RNG state, library version). Both files are written
 * atomically; `meta.json` goes last, so a directory with a readable `meta.json` is complete.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { configToJson, resolveConfig, type TrmConfig } from "../core/config.ts";
import type { TokenMixer } from "../core/mixer.ts";
import { createTrm, namedVariables, type Trm } from "../core/model.ts";
import { paramName } from "../core/params.ts";
import { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from "./safetensors.ts";
import type { TaskSpec } from "../core/task.ts";
import type { SessionSnapshot, TrainSession } from "../core/train_session.ts";
import { writeFileAtomic, writeJsonAtomic } from "./atomic_write.ts";

/** A checkpoint that is missing, malformed or does not fit the requested model. */
export class CheckpointError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** Library version written into checkpoints. */
export const VERSION = "0.1.0";

/** The JSON half of a checkpoint. */
export interface CheckpointMeta {
  /** Format tag. */
  readonly format: "recursive-trm-checkpoint/1";
  /** Library version that wrote it. */
  readonly version: string;
  /** Preset name, if any. */
  readonly preset: string | null;
  /** The task spec the model was built for. */
  readonly taskSpec: TaskSpec;
  /** Resolved config (the mixer as `{ kind, options }`). */
  readonly config: Record<string, unknown>;
  /** Seed of the run. */
  readonly seed: number;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Session RNG state. */
  readonly rng: readonly number[];
  /** Whether `model/*` holds EMA weights. */
  readonly ema: boolean;
  /** Free-form JSON the caller attached (e.g. how the CLI built its data). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** What to save. */
export interface SaveCheckpointOptions {
  /** Preset name, if any. */
  readonly preset?: string | null;
  /** The task spec. */
  readonly taskSpec: TaskSpec;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** The training session (model, EMA, optimizer, puzzle table). */
  readonly session: TrainSession;
  /** Seed of the run. */
  readonly seed: number;
  /** Free-form JSON stored in `meta.json` (default `{}`). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

async function values(
  vars: readonly tf.Variable[],
  names: readonly string[],
  prefix: string,
  out: Record<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>,
): Promise<void> {
  for (let i = 0; i < vars.length; i++) {
    out[`${prefix}${names[i]}`] = { shape: vars[i]!.shape, data: (await vars[i]!.data()) as Float32Array };
  }
}

/**
 * Writes a checkpoint directory and returns its path.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, loadCheckpoint, resolveConfig, saveCheckpoint, TrainSession } from "@recursive/trm";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 }, optim: { batchSize: 2 } });
 * using model = createTrm(spec, config);
 * using session = new TrainSession(model, { totalSteps: 1 });
 * const dir = await saveCheckpoint(`${await Deno.makeTempDir()}/ckpt`, { taskSpec: spec, config, session, seed: 0 });
 * const loaded = await loadCheckpoint(dir, () => mlpMixer());
 * if (loaded.meta.step !== 0) throw new Error("step");
 * loaded.model.dispose();
 * ```
 */
export async function saveCheckpoint(dir: string, options: SaveCheckpointOptions): Promise<string> {
  const { session, config } = options, model = session.model;
  const path = dir.replace(/\/+$/, "");
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(tmp, { recursive: true });
  try {
    const names = model.variables.map((v) => paramName(v.name));
    const tensors: Record<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }> = {};
    const ema = session.ema;
    await values(ema ? ema.shadows : model.variables, names, "model/", tensors);
    await values(
      [model.init.y as tf.Variable, model.init.z as tf.Variable],
      ["y_init", "z_init"],
      "model/",
      tensors,
    );
    if (ema) await values(model.variables, names, "live/", tensors);
    await values(session.optimizer.moments.m, names, "adam/m/", tensors);
    await values(session.optimizer.moments.v, names, "adam/v/", tensors);
    tensors["puzzle_emb"] = {
      shape: [session.puzzles.rows, session.puzzles.dim],
      data: session.puzzles.weights,
    };
    const snap = await session.snapshot();
    const B = snap.slotSteps.length;
    tensors["train/slot_steps"] = { shape: [B], data: snap.slotSteps };
    tensors["train/halted"] = { shape: [B], data: snap.halted };
    tensors["train/inputs"] = { shape: [B, snap.inputs.length / B], data: snap.inputs };
    tensors["train/labels"] = { shape: [B, snap.labels.length / B], data: snap.labels };
    tensors["train/puzzle_ids"] = { shape: [B], data: snap.puzzleIds };
    if (snap.carry) {
      tensors["train/carry_y"] = { shape: [snap.carry.y.length], data: snap.carry.y };
      tensors["train/carry_z"] = { shape: [snap.carry.z.length], data: snap.carry.z };
    }
    await writeFileAtomic(
      `${tmp}/tensors.safetensors`,
      encodeSafetensors(tensors, { format: "recursive-trm" }),
    );
    const meta: CheckpointMeta = {
      format: "recursive-trm-checkpoint/1",
      version: VERSION,
      preset: options.preset ?? null,
      taskSpec: options.taskSpec,
      config: configToJson(config),
      seed: options.seed,
      step: session.stepCount,
      rng: snap.rng,
      ema: ema !== null,
      extra: options.extra ?? {},
    };
    await writeJsonAtomic(`${tmp}/meta.json`, meta);
    // Swap the finished directory in: a crash leaves the old checkpoint or the new one, never half of one.
    const old = `${path}.old-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const existed = await Deno.rename(path, old).then(() => true, () => false);
    await Deno.rename(tmp, path);
    if (existed) await Deno.remove(old, { recursive: true });
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  return path;
}

/** A loaded checkpoint: a model holding the saved (EMA) weights, the puzzle table and the metadata. */
export interface LoadedCheckpoint {
  /** Metadata. */
  readonly meta: CheckpointMeta;
  /** The resolved config (mixer rebuilt by the caller's factory). */
  readonly config: TrmConfig;
  /** A new model with the `model/*` weights (caller disposes). */
  readonly model: Trm;
  /** The puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** Every stored tensor, for resuming (`live/*`, `adam/*`). */
  readonly tensors: Map<string, StoredTensor>;
}

/**
 * Loads a checkpoint directory. `mixer(kind, options)` rebuilds the token-mixer plugin (the core never
 * imports plugins). Throws a clear error when a file is missing, malformed or does not fit the config.
 */
export async function loadCheckpoint(
  dir: string,
  mixer: (kind: string, options: Readonly<Record<string, unknown>>) => TokenMixer,
): Promise<LoadedCheckpoint> {
  let meta: unknown;
  try {
    meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
  } catch (e) {
    throw new CheckpointError(`${dir}/meta.json: not a readable checkpoint (${(e as Error).message})`);
  }
  const file = `${dir}/tensors.safetensors`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new CheckpointError(`${file}: not readable (${(e as Error).message})`);
  }
  return decodeCheckpoint(meta, bytes, mixer, dir);
}

/**
 * Builds a model from a checkpoint's two halves already in memory: the parsed `meta.json` and the bytes of
 * `tensors.safetensors`. This is what {@linkcode loadCheckpoint} does after reading the files, and what a
 * browser does after `fetch`ing them (no file system needed). `label` names the source in errors.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, initBackend } from "@recursive/trm";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * try {
 *   decodeCheckpoint({ format: "something-else" }, new Uint8Array(), () => mlpMixer(), "demo");
 *   throw new Error("accepted a bad checkpoint");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("demo/meta.json: unknown format")) throw e;
 * }
 * ```
 */
export function decodeCheckpoint(
  metaJson: unknown,
  bytes: Uint8Array,
  mixer: (kind: string, options: Readonly<Record<string, unknown>>) => TokenMixer,
  label = "checkpoint",
): LoadedCheckpoint {
  const meta = metaJson as CheckpointMeta;
  if (meta === null || typeof meta !== "object" || meta.format !== "recursive-trm-checkpoint/1") {
    throw new CheckpointError(`${label}/meta.json: unknown format ${JSON.stringify(meta?.format)}`);
  }
  const raw = meta.config as unknown as TrmConfig & {
    mixer: { kind: string; options: Record<string, unknown> };
  };
  const config = resolveConfig({ ...raw, mixer: mixer(raw.mixer.kind, raw.mixer.options) });
  const file = `${label}/tensors.safetensors`;
  const { tensors } = decodeSafetensors(bytes, file);
  const model = createTrm(meta.taskSpec, config);
  try {
    for (const [name, v] of namedVariables(model)) {
      const t = tensors.get(`model/${name}`);
      if (!t) throw new CheckpointError(`${file}: missing tensor "model/${name}" required by the config`);
      if (t.shape.join() !== v.shape.join()) {
        throw new CheckpointError(
          `${file}: tensor "model/${name}" has shape [${t.shape}], the config needs [${v.shape}]`,
        );
      }
      v.assign(tf.tensor(t.data as Float32Array, v.shape));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  const table = tensors.get("puzzle_emb");
  const puzzles = new PuzzleEmbedding(meta.taskSpec.numPuzzleIds, config.model.hidden);
  if (table) {
    if (table.data.length !== puzzles.weights.length) {
      model.dispose();
      throw new CheckpointError(
        `${file}: puzzle_emb has ${table.data.length} values, expected ${puzzles.weights.length}`,
      );
    }
    puzzles.weights.set(table.data as Float32Array);
  }
  return { meta, config, model, puzzles, tensors };
}

/**
 * Puts a training run back exactly where a checkpoint left it: live weights, EMA shadows, AdamATan2
 * moments and step, the puzzle table (already in `loaded.puzzles`), every slot's example, step count and
 * carry, and the RNG. `session` must have been created on `loaded.model` with `loaded.puzzles`.
 */
export function restoreSession(loaded: LoadedCheckpoint, session: TrainSession): void {
  const t = loaded.tensors, file = "tensors.safetensors";
  const get = (name: string): StoredTensor => {
    const v = t.get(name);
    if (!v) throw new CheckpointError(`${file}: missing "${name}", needed to resume`);
    return v;
  };
  const model = session.model;
  const names = model.variables.map((v) => paramName(v.name));
  const assign = (vars: readonly tf.Variable[], prefix: string) =>
    vars.forEach((v, i) => {
      const stored = get(`${prefix}${names[i]}`);
      if (stored.data.length !== v.size) {
        throw new CheckpointError(
          `${file}: "${prefix}${names[i]}" has ${stored.data.length} values, expected ${v.size}`,
        );
      }
      v.assign(tf.tensor(stored.data as Float32Array, v.shape));
    });
  if (loaded.meta.ema) {
    assign(model.variables, "live/");
    if (session.ema) assign(session.ema.shadows, "model/");
  }
  assign(session.optimizer.moments.m, "adam/m/");
  assign(session.optimizer.moments.v, "adam/v/");
  const carryY = t.get("train/carry_y"), carryZ = t.get("train/carry_z");
  const snap: SessionSnapshot = {
    stepCount: loaded.meta.step,
    rng: loaded.meta.rng,
    slotSteps: get("train/slot_steps").data as Int32Array,
    halted: get("train/halted").data as Uint8Array,
    inputs: get("train/inputs").data as Int32Array,
    labels: get("train/labels").data as Int32Array,
    puzzleIds: get("train/puzzle_ids").data as Int32Array,
    carry: carryY && carryZ ? { y: carryY.data as Float32Array, z: carryZ.data as Float32Array } : null,
  };
  session.restore(snap);
}
