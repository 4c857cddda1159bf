/**
 * The task-plugin contract. Tasks work on typed arrays only; tensors begin at the batch boundary
 * (`core/batch.ts`). Sudoku, Maze and ARC are written against exactly this interface.
 *
 * @module
 */
import type { TrmConfigInput } from "./config.ts";

/** Label value that the loss and metrics ignore (the reference's `IGNORE_LABEL_ID` after collation). */
export const IGNORE_LABEL: number = -100;

/** What the model needs to know about a task: it reads these, never user flags. */
export interface TaskSpec {
  /** Short name used in logs and checkpoints, e.g. `"sudoku"`. */
  readonly name: string;
  /** Token vocabulary size V (PAD = 0 included). */
  readonly vocabSize: number;
  /** Sequence length L of inputs and labels (without the puzzle-embedding prefix). */
  readonly seqLen: number;
  /** Rows in the puzzle-embedding table (1 = only the shared blank identifier 0). */
  readonly numPuzzleIds: number;
}

/** One (input, label) row of `seqLen` tokens. Ignored label positions hold {@linkcode IGNORE_LABEL}. */
export interface Example {
  /** Input tokens, length `seqLen`. */
  readonly input: Int32Array;
  /** Target tokens, length `seqLen`. */
  readonly label: Int32Array;
  /** Row of the puzzle-embedding table (0 = blank identifier). */
  readonly puzzleId: number;
}

/**
 * A deterministic, random-access stream of training batches: `batch(step)` depends only on the
 * source's seed and `step`, so a resumed run sees exactly the batches an uninterrupted one would.
 */
export interface TrainSource {
  /** The task this data belongs to. */
  readonly spec: TaskSpec;
  /** Examples in one epoch (before augmentation), for progress and step budgets. */
  readonly epochSize: number;
  /** The `batchSize` examples of training step `step` (0-based). */
  batch(step: number, batchSize: number): readonly Example[];
}

/** A fixed, ordered evaluation set. */
export interface TestSource {
  /** The task this data belongs to. */
  readonly spec: TaskSpec;
  /** Number of examples. */
  readonly size: number;
  /** Example `index` (0-based, `< size`). */
  example(index: number): Example;
}

/** Per-example score of a prediction (a task may add fields such as path validity). */
export interface Score {
  /** Every supervised position is right. */
  readonly exact: boolean;
  /** Fraction of supervised positions that are right. */
  readonly cellAccuracy: number;
}

/**
 * A task plugin: how puzzles of type `P` become tokens and back, and how predictions are scored.
 *
 * @example
 * ```ts
 * import { IGNORE_LABEL, type Task } from "@recursive/trm/core";
 * // A toy task: copy a bit string of length 4 (tokens 1 and 2 encode 0 and 1).
 * const copy: Task<number[]> = {
 *   spec: { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 },
 *   encode: (bits) => {
 *     const t = Int32Array.from(bits, (b) => b + 1);
 *     return { input: t, label: t.slice(), puzzleId: 0 };
 *   },
 *   decode: (tokens) => Array.from(tokens, (t) => t - 1),
 * };
 * if (copy.encode([0, 1, 1, 0]).label[1] !== 2 || IGNORE_LABEL !== -100) throw new Error("copy task");
 * ```
 */
export interface Task<P> {
  /** Vocabulary and shape. */
  readonly spec: TaskSpec;
  /** Puzzle (with its solution, where known) to tokens; pure and deterministic. */
  encode(puzzle: P): Example;
  /** Tokens (an input or a predicted answer) back to a puzzle, for display and task scoring. */
  decode(tokens: Int32Array): P;
  /** Task-specific scoring; the default is exact match over supervised positions. */
  score?(predicted: Int32Array, example: Example): Score;
  /**
   * Whether `answer` (decoded from predicted tokens) is a legal solution of `puzzle` (decoded from the
   * input tokens): it keeps the givens and obeys the rules, whether or not it equals the label. Used by
   * `evaluate` (reported as `validRate`), `solve` and the page.
   */
  validate?(puzzle: P, answer: P): boolean;
  /** A puzzle typed by a user (the CLI's `solve`, the page); throws a `DataError` naming the problem. */
  parse?(text: string): P;
  /** A puzzle (or an answer) as text that {@linkcode Task.parse} reads back. */
  format?(puzzle: P): string;
  /**
   * An SVG document (`<svg ...>` with `width` and `height`) of `tokens` (a puzzle's input or an
   * answer); `input`, when given, is the puzzle the answer belongs to (to mark givens). Without this
   * hook the viewer draws a generic token grid.
   */
  render?(tokens: Int32Array, input?: Int32Array): string;
  /** `count` puzzles with solutions, a pure function of `seed` (training and held-out data). */
  generate?(count: number, seed: number): P[];
  /** Puzzles with solutions from a file or folder; bad data throws a `DataError` naming the place. */
  load?(path: string): Promise<P[]>;
  /** The task's default small (CPU-sized) run: overrides over the library's small config. */
  readonly preset?: TaskPreset;
}

/** A task's default small run: overrides over the library's small config (`smallConfig`). */
export interface TaskPreset {
  /** Config overrides (sections merged field by field over the small config). */
  readonly config?: Partial<TrmConfigInput>;
  /** Optimizer steps of the run. */
  readonly steps?: number;
  /** Generated training puzzles. */
  readonly trainSize?: number;
  /** Generated held-out puzzles. */
  readonly testSize?: number;
}

/**
 * Exact match and cell accuracy over the supervised positions of `example.label`.
 *
 * @example
 * ```ts
 * import { IGNORE_LABEL, exactScore } from "@recursive/trm/core";
 * const label = Int32Array.from([2, 3, IGNORE_LABEL]);
 * const s = exactScore(Int32Array.from([2, 4, 0]), { input: label, label, puzzleId: 0 });
 * if (s.exact || s.cellAccuracy !== 0.5) throw new Error("half right");
 * ```
 */
export function exactScore(predicted: Int32Array, example: Example): Score {
  let count = 0, correct = 0;
  const label = example.label;
  for (let i = 0; i < label.length; i++) {
    if (label[i] === IGNORE_LABEL) continue;
    count++;
    if (predicted[i] === label[i]) correct++;
  }
  return { exact: correct === count, cellAccuracy: count === 0 ? 0 : correct / count };
}

/**
 * Bad input data (a malformed file, line or field). The message names the file, the place and what
 * was expected; command-line tools print it alone, without a stack trace.
 *
 * @example
 * ```ts
 * import { DataError } from "@recursive/trm/core";
 * const e = new DataError("puzzles.csv:3: answer has 80 characters, expected 81");
 * if (e.name !== "DataError") throw e;
 * ```
 */
export class DataError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}
