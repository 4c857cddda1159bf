/**
 * The options and results of `train()` (io/train.ts).
 *
 * @module
 */
import type {
  EvaluateResult,
  PuzzleEmbedding,
  StepMetrics,
  TestSource,
  TrainEval,
  TrainSource,
  Trm,
  TrmConfig,
  TrmConfigInput,
} from "../core/mod.ts";
import type { RunRecipe } from "./checkpoint_meta.ts";

/** Data given to `train` instead of the task's hooks. */
export interface TrainData {
  /** Training batches. */
  readonly train: TrainSource;
  /** Held-out examples. */
  readonly test: TestSource;
  /** One line for the log. */
  readonly describe?: string;
  /** How to rebuild this data on resume (recorded in checkpoints); default `{ kind: "custom" }`. */
  readonly recipe?: RunRecipe["data"];
}

/** What `train` reports before the first step. */
export interface TrainStart {
  /** The run id written into every metrics record. */
  readonly runId: string;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** Trainable parameters (without the puzzle table). */
  readonly params: number;
  /** The step the run starts at (0, or the resumed checkpoint's). */
  readonly step: number;
  /** Optimizer steps of the whole run. */
  readonly steps: number;
  /** The data, in one line. */
  readonly describe: string;
  /** Bytes of the puzzle-embedding table. */
  readonly puzzleTableBytes: number;
  /** Data-parallel workers the run trains on (1: one process). */
  readonly workers: number;
  /** Run-length problems (warmup or EMA horizon longer than the run), one line each. */
  readonly warnings: readonly string[];
  /** The run folder, or null. */
  readonly out: string | null;
}

/** Options of `train`; every field is optional. */
export interface TrainOptions {
  /** Model and optimisation. Default: `presets.small(task, steps)` (CPU-sized, the task's preset merged in). */
  readonly config?: TrmConfigInput;
  /** Optimizer steps. Default: the resumed recipe's, else the task preset's, else 400. */
  readonly steps?: number;
  /** Seed of data, initialisation and exploration. Default 0 (a resumed run keeps its own). */
  readonly seed?: number;
  /** Data; default: `taskData(task, { seed, trainSize, testSize, path: dataPath })`. */
  readonly data?: TrainData;
  /** Generated training puzzles (default: the task preset's, else 1000). */
  readonly trainSize?: number;
  /** Held-out puzzles (default: the task preset's, else 200). */
  readonly testSize?: number;
  /** A file or folder the task's `load` hook reads (instead of generated puzzles). */
  readonly dataPath?: string;
  /** The run folder (created): metrics.jsonl, checkpoint/, checkpoints/. Default: nothing is written. */
  readonly out?: string;
  /** Evaluate every N steps (default: only at the end). */
  readonly evalEvery?: number;
  /** Evaluate at most N held-out examples. */
  readonly evalLimit?: number;
  /** Save a checkpoint every N steps under `out/checkpoints` (needs `out`). */
  readonly checkpointEvery?: number;
  /** Periodic checkpoints kept (default 3). */
  readonly keep?: number;
  /** A checkpoint folder to continue exactly (config, seed and data recipe come from it). */
  readonly resume?: string;
  /**
   * Train into an `out` that holds another run. Its metrics and periodic checkpoints are set aside in
   * `out/replaced-<run>/` and removed only once this run's final checkpoint is saved (which then replaces
   * the old one), so a run that fails or is stopped loses nothing.
   */
  readonly overwrite?: boolean;
  /** How the task is named in checkpoints (a built-in name or a module specifier). Default: its spec name. */
  readonly taskSpecifier?: string;
  /** Preset name recorded in checkpoints (default null). */
  readonly preset?: string;
  /** Before the first step. */
  readonly onStart?: (start: TrainStart) => void;
  /** After every optimizer step. */
  readonly onStep?: (metrics: StepMetrics) => void | Promise<void>;
  /** After every held-out evaluation. */
  readonly onEval?: (evaluation: TrainEval) => void | Promise<void>;
  /** Stops after the step in progress (nothing more is saved; periodic checkpoints stay). */
  readonly signal?: AbortSignal;
  /**
   * Data-parallel workers (wasm backend only). Each takes a contiguous share of the batch slots, with the
   * native BLAS on `cores / workers` threads where one is found (`DataParallelSession`); the same steps up
   * to float summation order, and checkpoints resume either way. Default: `chooseWorkers` (one per core
   * on wasm when a step is large enough to share, else 1); 1 for one process.
   */
  readonly workers?: number;
  /**
   * With `workers`: the module each worker rebuilds the mixer and scheme from (exporting `mixerFromJson`
   * and `schemeFromJson`). Default: this package's `plugins/mod.ts`; pass your own for a mixer of yours.
   */
  readonly plugins?: string | URL;
}

/** A finished run: it owns the model (EMA weights, as evaluated); dispose it when done. */
export interface TrainResult extends Disposable {
  /** The run id. */
  readonly runId: string;
  /** The trained model, holding the EMA weights when the run has an EMA. */
  readonly model: Trm;
  /** The trained puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** The resolved config. */
  readonly config: TrmConfig;
  /** The final held-out evaluation (null when stopped by the signal). */
  readonly evaluation: EvaluateResult | null;
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Data-parallel workers it trained on (1: one process). */
  readonly workers: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** The final checkpoint's folder (with `out`), else null. */
  readonly checkpoint: string | null;
  /** True when the signal stopped the run. */
  readonly aborted: boolean;
  /** Releases the model. */
  dispose(): void;
}
