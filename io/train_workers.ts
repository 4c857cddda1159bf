/**
 * How `train()` starts its session: on data-parallel workers or in one process. With no worker count
 * given it picks one (`chooseWorkers`) only where workers can run this config: the worker module exists
 * (not in a `deno bundle`) and the plugins module rebuilds the mixer and scheme from their names. A
 * plugin that only the caller's code registered passes that check here but is unknown in a fresh worker,
 * so a failed start of automatically chosen workers falls back to one process too.
 *
 * @module
 */
import {
  chooseWorkers,
  configToJson,
  DataParallelSession,
  rebuildConfig,
  type TaskSpec,
  TrainSession,
  type TrainSessionOptions,
  type Trm,
  type TrmConfig,
  workerModulesPresent,
} from "../core/mod.ts";
import { type LoadedCheckpoint, restoreSession } from "./checkpoint.ts";

/** The worker count `train()` uses when the caller gave none (1: one process). */
export async function automaticWorkers(
  config: TrmConfig,
  spec: TaskSpec,
  backend: string,
  plugins: string,
): Promise<number> {
  const choice = chooseWorkers(config, spec, backend);
  if (choice.workers < 2 || !workerModulesPresent([plugins])) return 1;
  const rebuilds = await rebuildConfig(configToJson(config), plugins).then(() => true, () => false);
  return rebuilds ? choice.workers : 1;
}

/** Options of {@linkcode startSession}. */
export interface StartOptions {
  /** The session's options. */
  readonly session: TrainSessionOptions;
  /** Workers (1: one process). */
  readonly workers: number;
  /** Whether `workers` was chosen automatically (then a failed start falls back to one process). */
  readonly automatic: boolean;
  /** The plugins module the workers rebuild the config from. */
  readonly plugins: string;
  /** The checkpoint to restore, or null. */
  readonly resumed: LoadedCheckpoint | null;
  /**
   * Called before falling back to one process with why; throws where one process cannot take the run
   * as configured (say, a plain step sized for a worker's share of the batch).
   */
  readonly onFallback: (reason: string) => void;
}

/** The started (and, when resuming, restored) session and the workers it runs on. */
export async function startSession(
  model: Trm,
  options: StartOptions,
): Promise<{ session: TrainSession | DataParallelSession; workers: number }> {
  const { workers, resumed } = options;
  if (workers > 1) {
    const B = model.config.optim.batchSize;
    if (workers > B) {
      throw new RangeError(`train: workers (${workers}) must not exceed the batch size (${B})`);
    }
    let dp: DataParallelSession | null = null;
    try {
      dp = await DataParallelSession.create(model, { ...options.session, workers, plugins: options.plugins });
    } catch (e) {
      if (!options.automatic) throw e;
      options.onFallback(`one process: the workers did not start (${e instanceof Error ? e.message : e})`);
    }
    if (dp) {
      try {
        if (resumed) await restoreSession(resumed, dp);
      } catch (e) {
        dp.dispose();
        throw e;
      }
      return { session: dp, workers };
    }
  }
  const one = new TrainSession(model, options.session);
  try {
    if (resumed) restoreSession(resumed, one);
  } catch (e) {
    one.dispose();
    throw e;
  }
  return { session: one, workers: 1 };
}
