/**
 * Checkpoints: a directory with `tensors.safetensors` and `meta.json`, both written atomically;
 * `meta.json` goes last, so a directory with a readable `meta.json` is complete.
 *
 * Tensor layout (the same names in formats 1 and 2, but for the puzzle table): `model/<name>` the weights
 * to evaluate (the EMA's when EMA is on) and the buffers `model/y_init`, `model/z_init`; `live/<name>` the
 * live weights (only with EMA; else they are `model/*`); `adam/m/<name>`, `adam/v/<name>`;
 * `puzzle_emb/weights` (format 1: `puzzle_emb`); `train/*` the carry and the slots. Each part is the
 * `state()` of its owner under the owner's prefix; this file maps those states to the files (saving), and
 * `checkpoint_load.ts` maps them back (loading, resuming).
 *
 * @module
 */
import { configToJson, type TrmConfig } from "../core/config.ts";
import { namedVariables, type Trm } from "../core/model.ts";
import { type OwnerState, readVariable, type StateTensor } from "../core/state.ts";
import type { TaskSpec } from "../core/task.ts";
import type { TrainingSession } from "../core/session_types.ts";
import { encodeSafetensors } from "./safetensors.ts";
import { writeFileAtomic, writeJsonAtomic } from "./atomic_write.ts";
import { firstNonFinite } from "./finite.ts";
import { recoverCheckpoint } from "./checkpoint_recover.ts";
import {
  type CheckpointMeta,
  FORMAT_TAG,
  FORMAT_VERSION,
  NonFiniteCheckpointError,
  type RunRecipe,
} from "./checkpoint_meta.ts";

export * from "./checkpoint_meta.ts";
export * from "./checkpoint_recover.ts";
export * from "./checkpoint_load.ts";
export * from "./finite.ts";

/** Library version written into checkpoints. */
export const VERSION = "0.1.0";

/** What to save. */
export interface SaveCheckpointOptions {
  /** The task spec. */
  readonly taskSpec: TaskSpec;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** The training session (model, EMA, optimizer, puzzle table). */
  readonly session: TrainingSession;
  /** Seed of the run. */
  readonly seed: number;
  /** How the run was set up (default null). */
  readonly recipe?: RunRecipe | null;
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
 * using loaded = await loadCheckpoint(dir); // the registry rebuilds the built-in mixer
 * if (loaded.meta.step !== 0 || loaded.meta.formatVersion !== 2) throw new Error("meta");
 * ```
 */
export async function saveCheckpoint(dir: string, options: SaveCheckpointOptions): Promise<string> {
  const { session } = options;
  const path = dir.replace(/\/+$/, "");
  await recoverCheckpoint(path);
  const state = await session.state();
  const tensors = await toFileTensors(session.model, state, session.ema !== null);
  // Never write a diverged model: the checkpoint already at `path` (if any) stays as it is.
  const bad = firstNonFinite(tensors);
  if (bad) {
    throw new NonFiniteCheckpointError(
      `${path}: not saved: tensor "${bad.name}" holds ${bad.value} (value ${bad.index}); ` +
        "training diverged (try a lower --lr); the last good checkpoint is kept",
    );
  }
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(tmp, { recursive: true });
  try {
    await writeFileAtomic(
      `${tmp}/tensors.safetensors`,
      encodeSafetensors(tensors, { format: "recursive-trm" }),
    );
    const meta: CheckpointMeta = {
      format: FORMAT_TAG,
      formatVersion: FORMAT_VERSION,
      version: VERSION,
      taskSpec: options.taskSpec,
      config: configToJson(options.config),
      seed: options.seed,
      step: session.stepCount,
      ema: session.ema !== null,
      recipe: options.recipe ?? null,
      state: state.json as CheckpointMeta["state"],
    };
    await writeJsonAtomic(`${tmp}/meta.json`, meta);
    // Swap the finished directory in: a crash leaves the old checkpoint or the new one, never half of one.
    const old = `${path}.old-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    crashPoint("before-first-rename");
    const existed = await Deno.rename(path, old).then(() => true, () => false);
    crashPoint("after-first-rename");
    await Deno.rename(tmp, path);
    crashPoint("after-second-rename");
    if (existed) await Deno.remove(old, { recursive: true });
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  return path;
}

/**
 * Test hook: `TRM_TEST_CRASH_AT=<point>` ends the process at that point of the swap, as a kill -9 would
 * (no cleanup runs), so tests can check that the next start recovers. Inert unless the variable is set.
 */
function crashPoint(point: string): void {
  let at: string | undefined;
  try {
    at = Deno.env.get("TRM_TEST_CRASH_AT");
  } catch {
    return; // no env permission: never set
  }
  if (at === point) Deno.exit(137);
}

/**
 * The file's tensors from the session's state: the evaluation weights (`ema/*`, else `live/*`) become
 * `model/*` beside the model's buffers, so a reader that only evaluates needs nothing else.
 */
async function toFileTensors(
  model: Trm,
  state: OwnerState,
  ema: boolean,
): Promise<Record<string, StateTensor>> {
  const out: Record<string, StateTensor> = {}, evalPrefix = ema ? "ema/" : "live/";
  for (const [name, t] of Object.entries(state.tensors)) {
    if (name.startsWith(evalPrefix)) out[`model/${name.slice(evalPrefix.length)}`] = t;
    else if (!name.startsWith("ema/")) out[name] = t;
  }
  for (const [name, v] of namedVariables(model)) {
    if (!v.trainable) out[`model/${name}`] = await readVariable(v);
  }
  return out;
}
