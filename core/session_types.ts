/**
 * The plain values around a {@linkcode TrainSession}: its options, the metrics of a step, the snapshot of
 * its run state, and the error of a non-finite loss.
 *
 * @module
 */
import type { Ema } from "./ema.ts";
import type { Trm } from "./model.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import type { OwnerState } from "./state.ts";
import type { Example } from "./task.ts";

/**
 * What the training loop, `evaluateSession` and `saveCheckpoint` need of a session: a `TrainSession`
 * (one process) or a `DataParallelSession` (workers) both are one.
 */
export interface TrainingSession {
  /** The model being trained (not owned by the session). */
  readonly model: Trm;
  /** Optimizer steps taken. */
  readonly stepCount: number;
  /** The EMA of the weights, or null without one. */
  readonly ema: Ema | null;
  /** The puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** One optimizer step, refilling halted slots from `batch`. */
  step(batch: readonly Example[]): Promise<StepMetrics>;
  /** The whole run state (weights, moments, EMA, table, slots, carry), as checkpoints store it. */
  state(): Promise<OwnerState>;
  /**
   * Brings `model` and `ema` up to date where the session keeps them elsewhere between steps (the
   * workers of a `DataParallelSession`); `evaluateSession`, `state()` and `train` call it. Absent: they
   * are always current.
   */
  sync?(): Promise<void>;
}

/** Metrics of one training step (spec 4.5): losses per batch row, the rest over rows that halted now. */
export interface StepMetrics {
  /** 1-based optimizer step. */
  readonly step: number;
  /** Learning rate used. */
  readonly lr: number;
  /** (lm_loss + 0.5 (q_halt_loss + q_continue_loss)) / B (q_continue_loss is 0 unless the scheme is q-learning). */
  readonly loss: number;
  /** lm_loss / B. */
  readonly lmLoss: number;
  /** q_halt_loss / B. */
  readonly qHaltLoss: number;
  /** q_continue_loss / B (q-learning schemes such as HRM; 0 for TRM). */
  readonly qContinueLoss: number;
  /** Rows that halted at this step (the denominator of the metrics below). */
  readonly count: number;
  /** Mean token accuracy of halted rows. */
  readonly accuracy: number;
  /** Fraction of halted rows exactly right. */
  readonly exactAccuracy: number;
  /** Fraction of halted rows where (q_halt >= 0) equals "exactly right". */
  readonly qHaltAccuracy: number;
  /** Mean supervision steps used by halted rows. */
  readonly steps: number;
}

/** The run state of a {@linkcode TrainSession} beyond its weights (see `snapshot`). */
export interface SessionSnapshot {
  /** Optimizer steps taken. */
  readonly stepCount: number;
  /** State of the exploration RNG. */
  readonly rng: readonly number[];
  /** Supervision steps of each slot's example. */
  readonly slotSteps: Int32Array;
  /** 1 where a slot halted (and is refilled next step). */
  readonly halted: Uint8Array;
  /** Each slot's example: inputs [B * L]. */
  readonly inputs: Int32Array;
  /** Each slot's labels [B * L]. */
  readonly labels: Int32Array;
  /** Each slot's puzzle id [B]. */
  readonly puzzleIds: Int32Array;
  /** The carry by state name (TRM: y and z; [B * L' * D] each), or null before the first step. */
  readonly carry: Readonly<Record<string, Float32Array>> | null;
}

/** Thrown when the loss becomes NaN or infinite; names the step. Weights are left untouched. */
export class NonFiniteLossError extends Error {
  /** Creates the error for `step`. */
  constructor(step: number, loss: number) {
    super(`Training stopped: the loss became ${loss} at step ${step}`);
    this.name = "NonFiniteLossError";
  }
}

/** Options of {@linkcode TrainSession}. */
export interface TrainSessionOptions {
  /** Total optimizer steps, for the schedule. */
  readonly totalSteps: number;
  /** Seed of the exploration draws. Default 0. */
  readonly seed?: number;
  /** The puzzle-embedding table (default: a new zero table of `spec.numPuzzleIds` rows). */
  readonly puzzles?: PuzzleEmbedding;
}
