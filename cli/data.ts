/**
 * Builds the data of a preset: generated puzzles by default, a user's files with `--data`.
 *
 * @module
 */
import type { EvaluateResult, TaskSpec, TestSource, TrainSource } from "../core/mod.ts";
import { writeJsonAtomic } from "../io/mod.ts";
import { arcDataset, ArcEvaluator, type ArcTask, loadArcFolder, loadKaggleArc } from "../tasks/arc/mod.ts";
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
  /**
   * Task-specific metrics of an evaluation (maze path validity, ARC pass@k), for the JSON summary; may
   * write files (ARC's submission.json) into `outDir`.
   */
  readonly report?: (result: EvaluateResult, outDir: string) => Promise<Record<string, unknown>>;
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
  /** ARC: distinct augmentations per task (default 1000). */
  readonly augmentations?: number;
  /** ARC: versions of each test task to evaluate (default all). */
  readonly testVersions?: number;
  /** ARC: skip invalid task files instead of stopping. */
  readonly skipInvalid?: boolean;
  /** ARC: keep votes across evaluations (the reference's checkpoint ensemble). */
  readonly aggregateVotes?: boolean;
}

/** Prepares the data of `preset`. */
export async function prepareData(preset: Preset, o: DataOptions): Promise<PreparedData> {
  const t = preset.task;
  if (t.kind === "sudoku") {
    const shape = { boxRows: t.boxRows, boxCols: t.boxCols };
    const task = sudokuTask(shape);
    // Generated puzzles are distinct by givens, so the held-out set shares no puzzle with training.
    const { train, test, origin } = await trainAndTest(
      o,
      (path, heldOut) =>
        loadSudokuCsv(path, {
          ...shape,
          ...(heldOut && o.testSize ? { limit: o.testSize, seed: o.seed } : {}),
        }),
      (count) => generateSudokuSet(o.seed, count, { ...shape, blanks: t.minBlanks, minBlanks: t.minBlanks }),
      "generated",
    );
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
    const { train, test, origin } = await trainAndTest(
      o,
      (path) => loadMazeCsv(path),
      (count) => generateMazeSet(o.seed, count, { size: t.size, minPathLength: t.minPathLength }),
      `generated, shortest path >= ${t.minPathLength}`,
    );
    const task = mazeTask({ size: train[0]?.size ?? t.size });
    const testSource = mazeTestSource(task, test);
    return {
      spec: task.spec,
      train: mazeTrainSource(task, train, { seed: o.seed }),
      test: testSource,
      report: (r) =>
        Promise.resolve({
          path_validity: r.predictions.filter((p, i) =>
            task.score(p, testSource.example(i)).pathValid
          ).length / r.count,
        }),
      describe: `${
        task.spec.seqLen === 900 ? "30x30" : "small"
      } mazes (${origin}): ${train.length} train / ${test.length} held-out`,
    };
  }
  return await prepareArc(t.version, o);
}

/** Reads ARC data: an ARC-AGI folder (data/training + data/evaluation), Kaggle files, or a task folder. */
async function prepareArc(version: 1 | 2, o: DataOptions): Promise<PreparedData> {
  if (!o.data) {
    const repo = version === 1 ? "fchollet/ARC-AGI" : "arcprize/ARC-AGI-2";
    throw new UsageError(
      `--data DIR is required for ARC-AGI-${version}: clone https://github.com/${repo} and pass ` +
        "--data <that folder> (Kaggle challenge/solution files or a folder of task files work too)",
    );
  }
  const skipped: string[] = [];
  const load = { skipInvalid: o.skipInvalid ?? false, onSkip: (e: Error) => skipped.push(e.message) };
  let train: ArcTask[] = [], test: ArcTask[];
  const has = (p: string) => exists(`${o.data}/${p}`);
  if (await has("data/evaluation")) {
    train = await loadArcFolder(`${o.data}/data/training`, load);
    test = await loadArcFolder(`${o.data}/data/evaluation`, load);
  } else if (await has("arc-agi_evaluation_challenges.json")) {
    train = await loadKaggleArc(
      `${o.data}/arc-agi_training_challenges.json`,
      `${o.data}/arc-agi_training_solutions.json`,
      load,
    );
    test = await loadKaggleArc(
      `${o.data}/arc-agi_evaluation_challenges.json`,
      `${o.data}/arc-agi_evaluation_solutions.json`,
      load,
    );
  } else {
    test = await loadArcFolder(o.data, load); // a plain folder: every task is a test task
  }
  // ConceptARC joins the training subsets where it sits beside the data (the reference's "concept").
  const concept = o.data.replace(/\/?$/, "").replace(/[^/]*$/, "conceptarc/corpus");
  if (train.length > 0 && await exists(concept)) train.push(...await loadArcFolder(concept, load));
  const tasks = [...train, ...test];
  const ds = arcDataset(tasks, {
    testTasks: new Set(test.map((t) => t.id)),
    augmentations: o.augmentations ?? 1000,
    seed: o.seed,
    ...(o.testVersions ? { testVersions: o.testVersions } : {}),
  });
  const evaluator = new ArcEvaluator(test, { aggregate: o.aggregateVotes ?? false });
  return {
    spec: ds.spec,
    train: ds.train,
    test: ds.test,
    describe: `ARC-AGI-${version} (${o.data}): ${train.length} training + ${test.length} test tasks, ` +
      `${ds.spec.numPuzzleIds - 1} puzzle versions, ${ds.test.size} test examples` +
      (skipped.length ? `; skipped ${skipped.length} invalid files` : ""),
    report: async (r, outDir) => {
      evaluator.reset();
      r.predictions.forEach((p, i) => evaluator.add(p, ds.test.meta(i), r.qHalt[i]!));
      const result = evaluator.result([1, 2, 5, 10]);
      await writeJsonAtomic(`${outDir}/submission.json`, result.submission);
      return {
        ...Object.fromEntries(Object.entries(result.passAt).map(([k, v]) => [`pass@${k}`, v])),
        tasks: result.tasks,
        submission: `${outDir}/submission.json`,
      };
    },
  };
}

/**
 * Training and held-out puzzles: with `--data`, the CSV file is the training set and a `test.csv` beside it
 * the held-out set (else its first tenth, at most `testSize`, is held out); without, `generate` makes
 * `trainSize + testSize` distinct puzzles and the first `testSize` are held out.
 */
async function trainAndTest<T>(
  o: DataOptions,
  load: (path: string, heldOut: boolean) => Promise<T[]>,
  generate: (count: number) => T[],
  generatedOrigin: string,
): Promise<{ train: T[]; test: T[]; origin: string }> {
  if (!o.data) {
    const all = generate(o.trainSize + o.testSize);
    return { train: all.slice(o.testSize), test: all.slice(0, o.testSize), origin: generatedOrigin };
  }
  const train = await load(o.data, false);
  const testPath = o.data.replace(/[^/]*$/, "test.csv");
  const test = testPath !== o.data && await exists(testPath)
    ? await load(testPath, true)
    : train.splice(0, Math.min(o.testSize, Math.floor(train.length / 10)));
  return { train, test, origin: o.data };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
