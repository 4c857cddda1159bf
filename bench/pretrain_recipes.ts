/**
 * The recipes of the shipped pretrained models (`deno task pretrain`): task, data, config, steps and
 * seed of each, and the fixed held-out set its card's accuracy is measured on. Shared by
 * `bench/pretrain.ts` (which trains) and `tests/pretrained_test.ts` (which checks the shipped files), so
 * both build exactly the same held-out puzzles.
 *
 * Data convention (the CLI's, `cli/data.ts`): `trainSize + testSize` distinct puzzles are generated from
 * the seed and the first `testSize` are held out. Every generator here draws candidate k from
 * `deriveSeed(seed, k)` and skips repeats, so the first `count` held-out puzzles are
 * `generate(seed, count)`: the test rebuilds a prefix of the held-out set without the training set.
 *
 * @module
 */
import {
  listTestSource,
  taskData,
  type TestSource,
  type TrainSource,
  type TrmConfigInput,
} from "../core/mod.ts";
import type { Task } from "../core/task.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { sudokuShuffle } from "../augment/mod.ts";
import { generateSudokuSet, sudokuTask, sudokuTestSource, sudokuTrainSource } from "../tasks/sudoku/mod.ts";
import { generateMazeSet, mazeTask, mazeTestSource, mazeTrainSource } from "../tasks/maze/mod.ts";
import { queensTask } from "../tasks/nqueens/mod.ts";

/** The data of a recipe: its task, training batches and held-out source. */
export interface RecipeData {
  /** The task (its `validate` gives the card's validity rate). */
  readonly task: Task<unknown>;
  /** Training batches. */
  readonly train: TrainSource;
  /** Held-out examples (the first `count`). */
  readonly test: TestSource;
  /** One line for the log and the card. */
  readonly describe: string;
}

/** One shipped model. */
export interface PretrainRecipe {
  /** Folder name under `tasks/<task>/pretrained/`. */
  readonly name: string;
  /** The built-in task name (`tasks/builtin.ts`), also the folder under `tasks/`. */
  readonly task: string;
  /** Optimizer steps of the full run, and of `--quick`. */
  readonly steps: number;
  /** Steps with `--quick`. */
  readonly quickSteps: number;
  /** Seed of data, initialisation and exploration. */
  readonly seed: number;
  /** Held-out evaluations every N steps during an in-process run (part of the recipe; default none). */
  readonly evalEvery?: number;
  /** Generated training puzzles. */
  readonly trainSize: number;
  /** Generated held-out puzzles (the card's accuracy is measured on all of them). */
  readonly testSize: number;
  /**
   * `deno task train` flags that make exactly this run, when the CLI can (else the run is trained in
   * process by `bench/pretrain.ts` with {@linkcode PretrainRecipe.config}; same loop, same files).
   */
  readonly cli?: readonly string[];
  /** The model and optimisation (in-process runs; documents the CLI preset's values otherwise). */
  readonly config: TrmConfigInput;
  /**
   * Training data (skipped when `withTrain` is false) and the first `heldOut` held-out puzzles (all
   * `testSize` when omitted), built exactly as the run built them.
   */
  data(heldOut?: number, withTrain?: boolean): Promise<RecipeData>;
}

/** An empty training source for callers that only evaluate. */
function noTrain(task: Task<unknown>): TrainSource {
  return {
    spec: task.spec,
    epochSize: 0,
    batch: () => {
      throw new Error("no training data built (withTrain false)");
    },
  };
}

/**
 * The small-run config every shipped model trains with, that of `sudoku-small` (D 64, n 2 / T 2, N_sup 8,
 * batch 64, lr 3e-3, warmup 50, wd 0.1, puzzle lr 1e-3), with its own EMA decay and model fields.
 */
function smallConfig(emaDecay: number, model: NonNullable<TrmConfigInput["model"]> = {}): TrmConfigInput {
  return {
    mixer: mlpMixer(),
    model: { hidden: 64, ...model },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps: 8 },
    optim: { batchSize: 64, lr: 3e-3, warmupSteps: 50, weightDecay: 0.1, puzzleEmbLr: 1e-3, emaDecay },
  };
}

function sudokuRecipe(
  name: string,
  boxRows: number,
  boxCols: number,
  minBlanks: number,
  rest: Omit<PretrainRecipe, "name" | "task" | "data">,
): PretrainRecipe {
  const shape = { boxRows, boxCols }, N = boxRows * boxCols;
  return {
    name,
    task: "sudoku",
    ...rest,
    data(heldOut = rest.testSize, withTrain = true) {
      const task = sudokuTask(shape);
      const gen = { ...shape, blanks: minBlanks, minBlanks };
      const all = generateSudokuSet(rest.seed, withTrain ? rest.trainSize + rest.testSize : heldOut, gen);
      const test = all.slice(0, heldOut);
      return Promise.resolve({
        task: task as Task<unknown>,
        train: withTrain
          ? sudokuTrainSource(task, all.slice(rest.testSize), {
            seed: rest.seed,
            augment: sudokuShuffle(shape),
          })
          : noTrain(task as Task<unknown>),
        test: sudokuTestSource(task, test),
        describe: `${N}x${N} Sudoku, >= ${minBlanks} of ${N * N} cells blank, unique solution (generated): ` +
          `${rest.trainSize} train / ${rest.testSize} held-out puzzles, digit/row/column shuffles on the fly`,
      });
    },
  };
}

function mazeRecipe(name: string, size: number, minPathLength: number, puzzleEmbLen: number): PretrainRecipe {
  const trainSize = 5000, testSize = 500, seed = 0;
  return {
    name,
    task: "maze",
    steps: 1500,
    evalEvery: 250,
    quickSteps: 150,
    seed,
    trainSize,
    testSize,
    config: smallConfig(0.995, { puzzleEmbLen }),
    data(heldOut = testSize, withTrain = true) {
      const task = mazeTask({ size });
      const all = generateMazeSet(seed, withTrain ? trainSize + testSize : heldOut, { size, minPathLength });
      return Promise.resolve({
        task: task as Task<unknown>,
        train: withTrain
          ? mazeTrainSource(task, all.slice(testSize), { seed })
          : noTrain(task as Task<unknown>),
        test: mazeTestSource(task, all.slice(0, heldOut)),
        describe: `${size}x${size} perfect mazes, shortest path >= ${minPathLength} moves (generated): ` +
          `${trainSize} train / ${testSize} held-out, 8 dihedral transforms on the fly`,
      });
    },
  };
}

/** The shipped models, in training order. */
export const RECIPES: readonly PretrainRecipe[] = [
  sudokuRecipe("sudoku-4x4", 2, 2, 8, {
    steps: 400,
    quickSteps: 100,
    seed: 0,
    trainSize: 2500,
    testSize: 500,
    cli: ["--preset", "sudoku-small"],
    config: smallConfig(0.99),
  }),
  sudokuRecipe("sudoku-6x6", 2, 3, 18, {
    steps: 1500,
    evalEvery: 500,
    quickSteps: 150,
    seed: 0,
    trainSize: 10000,
    testSize: 500,
    config: smallConfig(0.995),
  }),
  // P 8 keeps the sequence SwiGLU at width 256 (9x9 with P 16, L + P = 97, would make it 512). 9x9 mazes
  // (path >= 10) with this recipe reached only 18.5% held-out exact in 1500 steps (2.5% at 1000), so the
  // shipped maze is 7x7 (lattice 4x4, path >= 6): 99.6%.
  mazeRecipe("maze-7x7", 7, 6, 8),
  {
    name: "nqueens-8x8",
    task: "nqueens",
    steps: 1500,
    quickSteps: 150,
    seed: 0,
    trainSize: 5000,
    testSize: 500,
    // `--task nqueens`: the task's generate hook through taskData (no augmentation) and the CLI's
    // small(task, 1500) config, written out below (warmup 50, EMA 0.997 = a horizon of steps / 4).
    cli: ["--task", "nqueens", "--eval-every", "500", "--eval-limit", "200"],
    config: smallConfig(0.997),
    async data(heldOut = 500) {
      // What the CLI builds (core/task_data.ts): the held-out puzzles come after the training ones and
      // are those whose input no training example has, so they need the training set generated too.
      const task = queensTask(8);
      const d = await taskData(task, { seed: 0, trainSize: 5000, testSize: 500 });
      const test = listTestSource(
        task.spec,
        Array.from({ length: Math.min(heldOut, d.test.size) }, (_, i) => d.test.example(i)),
      );
      return {
        task: task as Task<unknown>,
        train: d.train,
        test,
        describe: `8x8 N-Queens completion (${d.describe})`,
      };
    },
  },
];

/** The recipe named `name`, or a one-line error listing the names. */
export function recipeByName(name: string): PretrainRecipe {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) {
    throw new RangeError(`--only: unknown model "${name}" (one of ${RECIPES.map((x) => x.name).join(", ")})`);
  }
  return r;
}
