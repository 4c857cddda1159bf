/**
 * Builds the data of a preset: generated puzzles by default, a user's files with `--data`.
 *
 * @module
 */
import type { TaskSpec, TestSource, TrainSource } from "../core/mod.ts";
import type { Preset } from "../presets.ts";
import {
  generateSudokuSet,
  loadSudokuCsv,
  sudokuTask,
  sudokuTestSource,
  sudokuTrainSource,
} from "../tasks/sudoku/mod.ts";
import { sudokuShuffle } from "../augment/mod.ts";
import {
  generateMazeSet,
  loadMazeCsv,
  mazeTask,
  mazeTestSource,
  mazeTrainSource,
} from "../tasks/maze/mod.ts";
import { UsageError } from "./flags.ts";

/** Training and held-out data of a run. */
export interface PreparedData {
  /** The task spec the model is built for. */
  readonly spec: TaskSpec;
  /** Training batches. */
  readonly train: TrainSource;
  /** Held-out examples. */
  readonly test: TestSource;
  /** One line for the log. */
  readonly describe: string;
}

/** Where the data comes from. */
export interface DataOptions {
  /** `--data` path, if given. */
  readonly data: string | undefined;
  /** Seed of generation and order. */
  readonly seed: number;
  /** Generated training puzzles. */
  readonly trainSize: number;
  /** Generated held-out puzzles. */
  readonly testSize: number;
}

/** Prepares the data of `preset`. */
export async function prepareData(preset: Preset, o: DataOptions): Promise<PreparedData> {
  const t = preset.task;
  if (t.kind === "sudoku") {
    const shape = { boxRows: t.boxRows, boxCols: t.boxCols };
    const task = sudokuTask(shape);
    let train, test, origin;
    if (o.data) {
      // A CSV file is the training set; a held-out file may sit beside it as test.csv.
      train = await loadSudokuCsv(o.data, shape);
      const testPath = o.data.replace(/[^/]*$/, "test.csv");
      test = testPath !== o.data && await exists(testPath)
        ? await loadSudokuCsv(testPath, {
          ...shape,
          seed: o.seed,
          ...(o.testSize ? { limit: o.testSize } : {}),
        })
        : train.splice(0, Math.min(o.testSize, Math.floor(train.length / 10)));
      origin = o.data;
    } else {
      // Generated puzzles are distinct by givens, so the held-out set shares no puzzle with training.
      const all = generateSudokuSet(o.seed, o.trainSize + o.testSize, {
        ...shape,
        blanks: t.minBlanks,
        minBlanks: t.minBlanks,
      });
      test = all.slice(0, o.testSize);
      train = all.slice(o.testSize);
      origin = "generated";
    }
    const n = t.boxRows * t.boxCols;
    return {
      spec: task.spec,
      // Training augmentation on the fly (the reference precomputed 1000 shuffles per puzzle).
      train: sudokuTrainSource(task, train, { seed: o.seed, augment: sudokuShuffle(shape) }),
      test: sudokuTestSource(task, test),
      describe: `${n}x${n} Sudoku (${origin}): ${train.length} train / ${test.length} held-out puzzles`,
    };
  }
  if (t.kind === "maze") {
    let train, test, origin;
    if (o.data) {
      train = await loadMazeCsv(o.data);
      const testPath = o.data.replace(/[^/]*$/, "test.csv");
      test = testPath !== o.data && await exists(testPath)
        ? await loadMazeCsv(testPath)
        : train.splice(0, Math.min(o.testSize, Math.floor(train.length / 10)));
      origin = o.data;
    } else {
      const all = generateMazeSet(o.seed, o.trainSize + o.testSize, {
        size: t.size,
        minPathLength: t.minPathLength,
      });
      test = all.slice(0, o.testSize);
      train = all.slice(o.testSize);
      origin = `generated, shortest path >= ${t.minPathLength}`;
    }
    const task = mazeTask({ size: train[0]?.size ?? t.size });
    return {
      spec: task.spec,
      train: mazeTrainSource(task, train, { seed: o.seed }),
      test: mazeTestSource(task, test),
      describe: `${
        task.spec.seqLen === 900 ? "30x30" : "small"
      } mazes (${origin}): ${train.length} train / ${test.length} held-out`,
    };
  }
  throw new UsageError(`the ${t.kind} task is not available in this build yet`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
