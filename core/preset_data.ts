/**
 * The data of a named preset: each built-in preset brings its own pipeline (Sudoku's on-the-fly shuffles,
 * Maze's dihedral transforms, ARC's augmented versions and voting), as a function on the preset, so the CLI
 * calls `preset.data(options)` and never switches on a task's name.
 *
 * @module
 */
import type { EvaluateResult } from "./evaluate.ts";
import { DataError, type TaskSpec, type TestSource, type TrainSource } from "./task.ts";

/** Where a preset's data comes from (the CLI's `--data`, `--seed`, sizes and the ARC options). */
export interface PresetDataOptions {
  /** A file or folder of real data; undefined = generated. */
  readonly data: string | undefined;
  /** Seed of generation and order. */
  readonly seed: number;
  /** Generated training puzzles. */
  readonly trainSize: number;
  /** Generated held-out puzzles. */
  readonly testSize: number;
  /** ARC: distinct augmentations per task (default 1000). */
  readonly augmentations?: number;
  /** ARC: versions of each test task to evaluate (default all). */
  readonly testVersions?: number;
  /** ARC: skip invalid task files instead of stopping. */
  readonly skipInvalid?: boolean;
  /** ARC: keep votes across evaluations (the reference's checkpoint ensemble). */
  readonly aggregateVotes?: boolean;
}

/** Training and held-out data of a preset run. */
export interface PreparedData {
  /** The task spec the model is built for. */
  readonly spec: TaskSpec;
  /** Training batches. */
  readonly train: TrainSource;
  /** Held-out examples. */
  readonly test: TestSource;
  /** One line for the log. */
  readonly describe: string;
  /**
   * Task-specific metrics of an evaluation (maze path validity, ARC pass@k), for the JSON summary; may
   * write files (ARC's submission.json) into `outDir`.
   */
  readonly report?: (result: EvaluateResult, outDir: string) => Promise<Record<string, unknown>>;
}

/** True when `path` exists. */
export async function pathExists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/**
 * Training and held-out puzzles of a CSV-backed task: with `data`, the file is the training set and a
 * `test.csv` beside it the held-out set (else its first tenth, at most `testSize`, is held out); without,
 * `generate` makes `trainSize + testSize` distinct puzzles and the first `testSize` are held out.
 *
 * @example
 * ```ts
 * import { trainAndTest } from "@recursive/trm/core";
 * const o = { data: undefined, seed: 0, trainSize: 3, testSize: 1 };
 * const r = await trainAndTest(o, "toy", () => Promise.resolve([]), (n) => Array.from({ length: n }, (_, i) => i), "generated");
 * if (r.test[0] !== 0 || r.train.length !== 3) throw new Error(JSON.stringify(r));
 * ```
 */
export async function trainAndTest<T>(
  o: PresetDataOptions,
  name: string,
  load: (path: string, heldOut: boolean) => Promise<T[]>,
  generate: (count: number) => T[],
  generatedOrigin: string,
): Promise<{ train: T[]; test: T[]; origin: string }> {
  if (!o.data) {
    const all = generate(o.trainSize + o.testSize);
    return { train: all.slice(o.testSize), test: all.slice(0, o.testSize), origin: generatedOrigin };
  }
  if (await Deno.stat(o.data).then((s) => s.isDirectory, () => false)) {
    throw new DataError(`--data: ${o.data} is a folder; ${name} reads a CSV file`);
  }
  const train = await load(o.data, false);
  const testPath = o.data.replace(/[^/]*$/, "test.csv");
  const test = testPath !== o.data && await pathExists(testPath)
    ? await load(testPath, true)
    : train.splice(0, Math.min(o.testSize, Math.floor(train.length / 10)));
  return { train, test, origin: o.data };
}
