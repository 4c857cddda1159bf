/**
 * How many data-parallel workers a training run gets when the caller does not say: the default of
 * `train()` and `deno task train`, chosen by measurement on the 2-core machine this project is built on
 * (`deno run -A bench/compare.ts --workers 2` against the same command without it, one run each):
 *
 * - `sudoku-small` (9.7 GFLOP per step): 185 -> 134 ms per step with 2 workers;
 * - Sudoku-MLP paper config, batch 8 / batch 32: 2.64 -> 2.29 s and 11.2 -> 9.7 s;
 * - the one-file sort task of the tests (0.53 GFLOP per step): 5.8 s for 150 steps either way, so
 *   small steps stay in one process (workers only add their messages and a second copy of the model).
 *
 * @module
 */
import type { TrmConfig } from "./config.ts";
import { trainStepFlops } from "./flops.ts";
import type { TaskSpec } from "./task.ts";

/** Step FLOPs from which workers pay for themselves (between the two measured sizes above). */
export const WORKERS_MIN_STEP_FLOPS = 4e9;

/** Fewest batch slots a worker gets from the automatic choice. */
const MIN_SLOTS_PER_WORKER = 4;

/** The outcome of {@linkcode chooseWorkers}: the count and why, in one line. */
export interface WorkersChoice {
  /** Workers to train on (1: one process). */
  readonly workers: number;
  /** Why, in one line. */
  readonly reason: string;
}

/**
 * The automatic worker count: one per core (at most one per 4 batch slots) on the wasm backend when a
 * training step takes at least {@linkcode WORKERS_MIN_STEP_FLOPS}; otherwise 1.
 *
 * @example
 * ```ts
 * import { chooseWorkers, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), optim: { batchSize: 8 } });
 * if (chooseWorkers(config, spec, "wasm", 2).workers !== 2) throw new Error("paper config: 2 workers");
 * if (chooseWorkers(config, spec, "webgpu", 2).workers !== 1) throw new Error("workers are wasm only");
 * ```
 */
export function chooseWorkers(
  config: TrmConfig,
  spec: TaskSpec,
  backend: string,
  cores: number = navigator.hardwareConcurrency,
): WorkersChoice {
  if (backend !== "wasm") return { workers: 1, reason: `one process: workers run on wasm, not ${backend}` };
  const B = config.optim.batchSize;
  const workers = Math.min(cores, Math.floor(B / MIN_SLOTS_PER_WORKER));
  if (workers < 2) return { workers: 1, reason: `one process: ${cores} core(s), batch ${B}` };
  const flops = trainStepFlops(config, spec, B), gflop = flops / 1e9;
  if (flops < WORKERS_MIN_STEP_FLOPS) {
    return { workers: 1, reason: `one process: a step is ${gflop.toFixed(1)} GFLOP, too small to share` };
  }
  return {
    workers,
    reason: `${workers} data-parallel workers, one per core (a step is ${gflop.toFixed(1)} GFLOP; ` +
      "--workers 1 for one process)",
  };
}

/**
 * Whether workers can start from this copy of the package: the worker module (beside this file) and
 * `modules` (e.g. the plugins module) exist. False in a `deno bundle` (as in the GPU pack), whose single
 * file holds no worker module; modules that are not `file:` URLs are assumed to load.
 *
 * @example
 * ```ts
 * import { workerModulesPresent } from "@recursive/trm/core";
 * if (workerModulesPresent(["file:///no/such/plugins.ts"])) throw new Error("a missing module is present");
 * ```
 */
export function workerModulesPresent(modules: readonly (string | URL)[] = []): boolean {
  return [new URL("./data_parallel_worker.ts", import.meta.url), ...modules].every((m) => {
    const url = new URL(m);
    if (url.protocol !== "file:") return true;
    try {
      return Deno.statSync(url).isFile;
    } catch {
      return false;
    }
  });
}
