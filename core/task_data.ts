/**
 * Training and held-out data of any task plugin from its data hooks: `generate(count, seed)` by
 * default, `load(path)` for a user's file. This is what `train(task)` and `deno task train --task X`
 * use for tasks that bring no data of their own.
 *
 * @module
 */
import { createRng, deriveSeed, permutation } from "./rng.ts";
import { listTestSource, shuffledTrainSource } from "./sources.ts";
import { DataError, type Example, type Task, type TestSource, type TrainSource } from "./task.ts";

/** Options of {@linkcode taskData}. */
export interface TaskDataOptions {
  /** Seed of generation and order. Default 0. */
  readonly seed?: number;
  /** Training puzzles to generate (generated data only). Default: the task preset's, else 1000. */
  readonly trainSize?: number;
  /** Held-out puzzles. Default: the task preset's, else 200. */
  readonly testSize?: number;
  /** Read puzzles with `task.load(path)` instead of generating them; `testSize` of them are held out. */
  readonly path?: string;
}

/** A task's data for a run. */
export interface TaskData {
  /** Training batches (a fresh order every epoch, from the seed). */
  readonly train: TrainSource;
  /** Held-out examples (none of them has the input of a training example). */
  readonly test: TestSource;
  /** One line for the log. */
  readonly describe: string;
  /** The sizes asked for (defaults filled in), which rebuild the same data from the same seed. */
  readonly sizes: { readonly trainSize: number; readonly testSize: number };
}

/** The input tokens of an example as a map key. */
const key = (e: Example): string => e.input.join(",");

/**
 * Builds training and held-out data for `task` from its `generate` hook (or `load` with `path`). Held-out
 * examples whose input equals a training example's are dropped, so the held-out score measures
 * generalisation even where the puzzle space is small. Throws a {@linkcode DataError} when the task has
 * no such hook or too few distinct puzzles.
 *
 * @example
 * ```ts
 * import { type Task, taskData } from "@recursive/trm/core";
 * // Puzzles: a digit d in 1..9 at position 0; the answer repeats it.
 * const task: Task<number> = {
 *   spec: { name: "repeat", vocabSize: 10, seqLen: 2, numPuzzleIds: 1 },
 *   encode: (d) => ({ input: Int32Array.of(d, 0), label: Int32Array.of(d, d), puzzleId: 0 }),
 *   decode: (t) => t[0]!,
 *   generate: (count, seed) => Array.from({ length: count }, (_, i) => 1 + ((i + seed) % 9)),
 * };
 * const d = await taskData(task, { trainSize: 5, testSize: 4 });
 * if (d.test.size !== 4) throw new Error(d.describe); // digits 6..9: none seen in training
 * ```
 */
export async function taskData<P>(task: Task<P>, options: TaskDataOptions = {}): Promise<TaskData> {
  const seed = options.seed ?? 0, name = task.spec.name;
  const trainSize = options.trainSize ?? task.preset?.trainSize ?? 1000;
  const testSize = options.testSize ?? task.preset?.testSize ?? 200;
  let train: Example[], test: Example[], origin: string;
  if (options.path !== undefined) {
    if (!task.load) throw new DataError(`--data: the ${name} task has no load hook to read ${options.path}`);
    const all = (await task.load(options.path)).map((p) => task.encode(p));
    const order = permutation(createRng(deriveSeed(seed, 0x10ad)), all.length);
    const held = Math.min(testSize, Math.floor(all.length / 5));
    test = Array.from(order.subarray(0, held), (i) => all[i]!);
    train = Array.from(order.subarray(held), (i) => all[i]!);
    origin = `${options.path} (${all.length} puzzles)`;
  } else {
    if (!task.generate) {
      throw new DataError(`the ${name} task has no generate hook: pass data (a path its load hook reads)`);
    }
    const all = task.generate(trainSize + testSize, seed).map((p) => task.encode(p));
    train = all.slice(0, trainSize);
    test = all.slice(trainSize);
    origin = "generated";
  }
  const seen = new Set(train.map(key));
  const distinct = test.filter((e) => !seen.has(key(e)));
  if (train.length === 0) throw new DataError(`${name}: no training puzzles (${origin})`);
  if (distinct.length === 0 && test.length > 0) {
    throw new DataError(
      `${name}: every held-out puzzle also occurs in training (${origin}); the task has too few puzzles`,
    );
  }
  return {
    train: shuffledTrainSource(task.spec, train.length, seed, (i) => train[i]!),
    test: listTestSource(task.spec, distinct),
    sizes: { trainSize, testSize },
    describe: `${name}: ${train.length} training and ${distinct.length} held-out puzzles, ${origin}` +
      (distinct.length < test.length
        ? ` (${test.length - distinct.length} held-out duplicates of training dropped)`
        : ""),
  };
}
