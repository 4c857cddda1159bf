/**
 * Reading checkpoints (the layout is in `checkpoint.ts`, which writes them): `loadCheckpoint` from a
 * directory or an http(s) URL, `decodeCheckpoint` from bytes, `readCheckpointMeta`, and `restoreSession`
 * to resume training from one. Every error names the file and what was expected, in one line.
 *
 * @module
 */
import { resolveConfig, type TrmConfig, type TrmConfigInput } from "../core/config.ts";
import type { TokenMixer } from "../core/mixer.ts";
import { createTrm, namedVariables, type Trm } from "../core/model.ts";
import { paramName } from "../core/params.ts";
import { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import {
  assignValues,
  expectTensors,
  type OwnerState,
  splitState,
  StateError,
  type StateTensor,
} from "../core/state.ts";
import { mixerFromJson, schemeFromJson, UnknownPluginError } from "../plugins/registry.ts";
import { decodeSafetensors, type StoredTensor } from "./safetensors.ts";
import { firstNonFinite } from "./finite.ts";
import { recoverCheckpoint } from "./checkpoint_recover.ts";
import {
  CheckpointError,
  type CheckpointMeta,
  NonFiniteCheckpointError,
  validateMeta,
} from "./checkpoint_meta.ts";
/** Rebuilds a token mixer from the `kind` and `options` a checkpoint stores. */
export type MixerResolver = (kind: string, options: Readonly<Record<string, unknown>>) => TokenMixer;

/** The inverse of {@linkcode toFileTensors} for the training state: `model/*` back to `ema/*` or `live/*`. */
function sessionPart(file: OwnerState, model: Trm, ema: boolean): OwnerState {
  const trainable = new Set(model.variables.map((v) => paramName(v.name)));
  const tensors: Record<string, StateTensor> = {};
  for (const [name, t] of Object.entries(file.tensors)) {
    if (!name.startsWith("model/")) tensors[name] = t;
    else if (trainable.has(name.slice(6))) tensors[`${ema ? "ema" : "live"}/${name.slice(6)}`] = t;
  }
  return { tensors, json: file.json };
}

/**
 * The stored tensors as an owner state, with format 1 migrated: its puzzle table was `puzzle_emb`, and it
 * kept one step count for all variables and no JSON for the owners.
 */
function fileState(stored: Map<string, StoredTensor>, meta: CheckpointMeta, file: string): OwnerState {
  const tensors: Record<string, StateTensor> = {};
  for (const [name, t] of stored) {
    const d = t.data;
    if (!(d instanceof Float32Array || d instanceof Int32Array || d instanceof Uint8Array)) {
      throw new CheckpointError(`${file}: tensor "${name}": expected F32, I32 or U8 values, got ${t.dtype}`);
    }
    tensors[meta.formatVersion === 1 && name === "puzzle_emb" ? "puzzle_emb/weights" : name] = {
      shape: [...t.shape],
      data: d,
    };
  }
  if (meta.formatVersion !== 1) return { tensors, json: meta.state };
  const steps: Record<string, number> = {};
  for (const name of Object.keys(tensors)) if (name.startsWith("adam/m/")) steps[name.slice(7)] = meta.step;
  const table = tensors["puzzle_emb/weights"];
  return {
    tensors,
    json: {
      ...meta.state,
      live: {},
      adam: { steps },
      puzzle_emb: table ? { rows: table.shape[0], dim: table.shape[1] } : {},
      train: { ...meta.state.train, step: meta.step },
    },
  };
}

/** A loaded checkpoint: a model holding the saved (EMA) weights, the puzzle table and the metadata. */
export interface LoadedCheckpoint extends Disposable {
  /** Metadata (format 1 files migrated to format 2's fields). */
  readonly meta: CheckpointMeta;
  /** The resolved config (mixer rebuilt from the registry or the caller's resolver). */
  readonly config: TrmConfig;
  /** A new model with the `model/*` weights, owned by this checkpoint: `dispose()` releases it. */
  readonly model: Trm;
  /** The puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** The training state in memory (`live/`, `ema/`, `adam/`, `puzzle_emb/`, `train/`), for resuming. */
  readonly state: OwnerState;
  /** Names the checkpoint in errors (its directory or URL). */
  readonly source: string;
  /** Releases the model's tensors (idempotent; disposing `model` directly instead is fine too). */
  dispose(): void;
}

/**
 * Loads a checkpoint directory: a path, or a `file:` or `https:` URL of the folder (the two files are
 * then `fetch`ed: a model shipped in the package, `pretrainedFor`, or one served over HTTP). The mixer
 * is rebuilt by `mixer` when given, else from the plugin registry (`@recursive/trm/plugins`; built-ins
 * and whatever `registerMixer` added). Throws a one-line {@linkcode CheckpointError} when a file is
 * missing, malformed or does not fit the config.
 */
export async function loadCheckpoint(dir: string | URL, mixer?: MixerResolver): Promise<LoadedCheckpoint> {
  if (dir instanceof URL) return await fetchCheckpoint(dir, mixer);
  const meta = await readMetaJson(dir);
  const file = `${dir}/tensors.safetensors`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new CheckpointError(`${file}: not readable (${(e as Error).message})`);
  }
  return decodeCheckpoint(meta, bytes, dir, mixer);
}

/** A checkpoint folder's parsed (not yet validated) `meta.json`, after recovering an interrupted swap. */
async function readMetaJson(dir: string): Promise<unknown> {
  // A swap killed between its two renames left the checkpoint beside its path: put it back first.
  // (A trainer mid-swap has both halves complete, so taking its new one early loses nothing.)
  if (!await Deno.stat(`${dir}/meta.json`).then(() => true, () => false)) {
    await recoverCheckpoint(dir, { ownerGone: true });
  }
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
  } catch (e) {
    throw new CheckpointError(`${dir}/meta.json: not a readable checkpoint (${(e as Error).message})`);
  }
}

/**
 * A checkpoint folder's `meta.json`, checked field by field (format 1 migrated), without reading its
 * tensors: what a caller needs before it makes any (the recipe of a run to resume, the task to load).
 * Throws a one-line {@linkcode CheckpointError} as {@linkcode loadCheckpoint} does.
 *
 * @example
 * ```ts
 * import { readCheckpointMeta } from "@recursive/trm/io";
 * try {
 *   await readCheckpointMeta(await Deno.makeTempDir());
 *   throw new Error("an empty folder is no checkpoint");
 * } catch (e) {
 *   if (!(e as Error).message.includes("meta.json: not a readable checkpoint")) throw e;
 * }
 * ```
 */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const path = dir.replace(/\/+$/, "");
  return validateMeta(await readMetaJson(path), `${path}/meta.json`);
}

/** {@linkcode loadCheckpoint} of a URL: no recovery of an interrupted swap (nothing writes there). */
async function fetchCheckpoint(url: URL, mixer?: MixerResolver): Promise<LoadedCheckpoint> {
  const base = url.href.endsWith("/") ? url : new URL(`${url.href}/`);
  const label = base.href.slice(0, -1);
  const get = async (name: string): Promise<Uint8Array> => {
    try {
      const response = await fetch(new URL(name, base));
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      throw new CheckpointError(`${label}/${name}: not readable (${(e as Error).message})`);
    }
  };
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder().decode(await get("meta.json")));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${label}/meta.json: not a readable checkpoint (${(e as Error).message})`);
  }
  return decodeCheckpoint(meta, await get("tensors.safetensors"), label, mixer);
}

/**
 * Builds a model from a checkpoint's two halves already in memory: the parsed `meta.json` and the bytes of
 * `tensors.safetensors`. This is what {@linkcode loadCheckpoint} does after reading the files, and what a
 * browser does after `fetch`ing them (no file system needed). `label` names the source in errors; `mixer`
 * overrides the plugin registry.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, initBackend } from "@recursive/trm";
 * await initBackend("cpu");
 * try {
 *   decodeCheckpoint({ format: "something-else" }, new Uint8Array(), "demo");
 *   throw new Error("accepted a bad checkpoint");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("demo/meta.json: format: expected")) throw e;
 * }
 * ```
 */
export function decodeCheckpoint(
  metaJson: unknown,
  bytes: Uint8Array,
  label = "checkpoint",
  mixer: MixerResolver = mixerFromJson,
): LoadedCheckpoint {
  const meta = validateMeta(metaJson, `${label}/meta.json`);
  const raw = meta.config as {
    mixer: { kind: string; options: Record<string, unknown> };
    scheme?: { kind: string; options: Record<string, unknown> };
  };
  let config: TrmConfig;
  try {
    config = resolveConfig({
      ...(meta.config as object),
      mixer: mixer(raw.mixer.kind, raw.mixer.options),
      // Format 1 predates schemes: its models are TRM, the default.
      ...(raw.scheme ? { scheme: schemeFromJson(raw.scheme.kind, raw.scheme.options) } : {}),
    } as TrmConfigInput);
  } catch (e) {
    const field = e instanceof UnknownPluginError ? `config.${e.slot}.kind: ` : "";
    throw new CheckpointError(`${label}/meta.json: ${field}${(e as Error).message}`);
  }
  const file = `${label}/tensors.safetensors`;
  const stored = fileState(decodeSafetensors(bytes, file).tensors, meta, file);
  const bad = firstNonFinite(stored.tensors);
  if (bad) {
    throw new NonFiniteCheckpointError(
      `${file}: tensor "${bad.name}" holds ${bad.value} (value ${bad.index}); refusing a non-finite checkpoint`,
    );
  }
  const model = createTrm(meta.taskSpec, config);
  try {
    const named = namedVariables(model);
    const found = inFile(
      file,
      () =>
        expectTensors(
          "model",
          splitState(stored, "model"),
          new Map([...named].map(([n, v]) => [n, v.shape])),
        ),
    );
    for (const [name, v] of named) assignValues(v, found.get(name)!.data);
    const puzzles = new PuzzleEmbedding(meta.taskSpec.numPuzzleIds, config.model.hidden);
    const table = splitState(stored, "puzzle_emb");
    if (Object.keys(table.tensors).length > 0) inFile(file, () => puzzles.load(table));
    let disposed = false;
    return {
      meta,
      config,
      model,
      puzzles,
      state: sessionPart(stored, model, meta.ema),
      source: label,
      dispose() {
        if (disposed) return;
        disposed = true;
        if (!model.variables[0]?.isDisposed) model.dispose();
      },
      [Symbol.dispose]() {
        this.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Runs `fn`, turning an owner's `StateError` into a {@linkcode CheckpointError} naming `where`. */
function inFile<T>(where: string, fn: () => T): T {
  const name = (e: unknown) =>
    e instanceof StateError || e instanceof RangeError ? new CheckpointError(`${where}: ${e.message}`) : e;
  try {
    const r = fn();
    return (r instanceof Promise ? r.catch((e) => Promise.reject(name(e))) : r) as T;
  } catch (e) {
    throw name(e);
  }
}

/**
 * Puts a training run back exactly where a checkpoint left it: live weights, EMA shadows, AdamATan2
 * moments and per-variable steps, the puzzle table, every slot's example, step count and carry, and the
 * RNG. `session` must have been created on `loaded.model` (its puzzle table is overwritten with the
 * saved one). On error (one line naming the checkpoint) the session is partly restored: discard it.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, loadCheckpoint, resolveConfig, restoreSession, saveCheckpoint, TrainSession } from "@recursive/trm";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 8 }, optim: { batchSize: 2 } });
 * using model = createTrm(spec, config);
 * using session = new TrainSession(model, { totalSteps: 2 });
 * const dir = await saveCheckpoint(`${await Deno.makeTempDir()}/ckpt`, { taskSpec: spec, config, session, seed: 0 });
 * using loaded = await loadCheckpoint(dir);
 * using again = new TrainSession(loaded.model, { totalSteps: 2, puzzles: loaded.puzzles });
 * restoreSession(loaded, again);
 * if (again.stepCount !== 0) throw new Error("restored");
 * ```
 */
export function restoreSession(loaded: LoadedCheckpoint, session: { load(state: OwnerState): void }): void;
/**
 * {@linkcode restoreSession} into a `DataParallelSession`, which loads into every worker: the promise
 * settles when all have loaded, or rejects with the one-line error.
 */
export function restoreSession(
  loaded: LoadedCheckpoint,
  session: { load(state: OwnerState): Promise<void> },
): Promise<void>;
export function restoreSession(
  loaded: LoadedCheckpoint,
  session: { load(state: OwnerState): void | Promise<void> },
): void | Promise<void> {
  return inFile(`${loaded.source}: cannot resume`, () => session.load(loaded.state));
}
