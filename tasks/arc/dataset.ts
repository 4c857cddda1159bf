/**
 * The ARC dataset builder (spec 5.7, 6.4). Every task is a group: its original version plus up to N
 * distinct augmentations (colour permutation fixing black, then a dihedral transform), each version its
 * own puzzle identifier (0 = blank). Test-set tasks give their demonstrations to training and their test
 * pairs to the test split; other tasks go entirely to training. Examples are generated on the fly,
 * deterministically from the seed: nothing the size of 1000 augmentations x 960 tasks is materialised.
 *
 * @module
 */
import {
  createRng,
  deriveSeed,
  type Example,
  type Rng,
  type TaskSpec,
  type TestSource,
  type TrainSource,
} from "@recursive/trm/core";
import {
  type Augmentation,
  colorPermutation,
  type ColorPermutationParams,
  compose,
  dihedral,
  type DihedralParams,
  distinctAugmentations,
  type Grid,
  sampleTranslation,
} from "../../augment/mod.ts";
import type { ArcPair, ArcTask } from "./loader.ts";
import { ARC_CANVAS, encodeArcGrid, encodeArcLabel } from "./tokenizer.ts";

/** Parameters of one augmented version: colour map, then dihedral transform. */
export type ArcAugParams = readonly [ColorPermutationParams, DihedralParams];

/** The reference's ARC augmentation: colour permutation fixing 0, then D4. */
export const arcAugmentation: Augmentation<ArcAugParams> = compose(
  colorPermutation({ fixed: [0] }),
  dihedral(),
);

/** One version of a task: the original (`params` null) or an augmentation. */
export interface ArcVersion {
  /** Index of the task in `dataset.tasks`. */
  readonly task: number;
  /** Augmentation parameters, or null for the original. */
  readonly params: ArcAugParams | null;
  /** Row of the puzzle-embedding table. */
  readonly puzzleId: number;
}

/** Where a test example came from, for the evaluator. */
export interface ArcTestMeta {
  /** Task id. */
  readonly task: string;
  /** Index of the test pair in the task. */
  readonly pair: number;
  /** The version it was shown in. */
  readonly version: ArcVersion;
}

/** Test examples plus their provenance. */
export interface ArcTestSource extends TestSource {
  /** Provenance of example `index`. */
  meta(index: number): ArcTestMeta;
}

/** Options of {@linkcode arcDataset}. */
export interface ArcDatasetOptions {
  /** Ids of the test-set tasks (their test pairs form the test split). */
  readonly testTasks: ReadonlySet<string>;
  /** Distinct augmentations per task (default 1000, the reference). */
  readonly augmentations?: number;
  /** Seed of augmentations, translations and batch order (default 0). */
  readonly seed?: number;
  /** Versions of each test task to evaluate (default all; the original comes first). */
  readonly testVersions?: number;
}

/** A built dataset. */
export interface ArcDataset {
  /** V 12, L 900, and the number of puzzle identifiers. */
  readonly spec: TaskSpec;
  /** The tasks, in input order. */
  readonly tasks: readonly ArcTask[];
  /** Per task: its versions, original first. */
  readonly versions: readonly (readonly ArcVersion[])[];
  /** Training batches. */
  readonly train: TrainSource;
  /** Test pairs of the test-set tasks, in every evaluated version. */
  readonly test: ArcTestSource;
}

const withOutput = (p: ArcPair) => ({ input: p.input, output: p.output ?? p.input });

/** Applies a version's augmentation to a grid. */
export function augmentArcGrid(grid: Grid, params: ArcAugParams | null): Grid {
  return params ? arcAugmentation.apply(grid, params) : grid;
}

/**
 * Builds the dataset.
 *
 * @example
 * ```ts
 * import { arcDataset } from "@recursive/trm/tasks/arc";
 * const g = (v: number) => ({ height: 1, width: 2, data: Uint8Array.from([v, 3]) });
 * const task = { id: "t", train: [{ input: g(1), output: g(2) }], test: [{ input: g(4), output: g(5) }] };
 * const ds = arcDataset([task], { testTasks: new Set(["t"]), augmentations: 10 });
 * if (ds.spec.numPuzzleIds !== 12 || ds.test.size !== 11 || ds.train.batch(0, 4).length !== 4) throw new Error("built");
 * ```
 */
export function arcDataset(tasks: readonly ArcTask[], options: ArcDatasetOptions): ArcDataset {
  const seed = options.seed ?? 0, count = options.augmentations ?? 1000;
  let nextId = 1;
  const versions = tasks.map((task, t) => {
    const pairs = [...task.train, ...task.test].map(withOutput);
    const params = count > 0
      ? distinctAugmentations(pairs, arcAugmentation, { count, rng: createRng(deriveSeed(seed, t)) })
      : [];
    return [null, ...params].map((p): ArcVersion => ({ task: t, params: p, puzzleId: nextId++ }));
  });
  const spec: TaskSpec = {
    name: "arc",
    vocabSize: 12,
    seqLen: ARC_CANVAS * ARC_CANVAS,
    numPuzzleIds: nextId,
  };
  // Training pairs per group: demonstrations, plus test pairs of tasks outside the test set.
  const trainPairs = tasks.map((
    task,
  ) => (options.testTasks.has(task.id) ? task.train : [...task.train, ...task.test.filter((p) => p.output)]));

  const trainExample = (v: ArcVersion, pairIndex: number): Example => {
    const pair = trainPairs[v.task]![pairIndex]!;
    const input = augmentArcGrid(pair.input, v.params), output = augmentArcGrid(pair.output!, v.params);
    // Translation is fixed per (version, pair) by the seed; one pair per version stays at the origin.
    const keep = createRng(deriveSeed(seed, v.puzzleId, -1)).int(0, trainPairs[v.task]!.length - 1);
    const at = pairIndex === keep
      ? { row: 0, col: 0 }
      : sampleTranslation(createRng(deriveSeed(seed, v.puzzleId, pairIndex)), { input, output });
    return { input: encodeArcGrid(input, at), label: encodeArcLabel(output, at), puzzleId: v.puzzleId };
  };

  return {
    spec,
    tasks,
    versions,
    train: arcTrainSource(spec, versions, trainPairs.map((p) => p.length), seed, trainExample),
    test: arcTestSource(spec, tasks, versions, options),
  };
}

/** An epoch's batches as (version, pair) lists, by the reference's filling rule. */
type Plan = { version: ArcVersion; pair: number }[][];

function epochPlan(
  rng: Rng,
  versions: readonly (readonly ArcVersion[])[],
  pairCounts: readonly number[],
  batchSize: number,
  epochs: number,
): Plan {
  // The reference concatenates the group permutations of several epochs, then fills batches.
  const order: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const perm = versions.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    order.push(...perm);
  }
  const plan: Plan = [];
  let current: Plan[number] = [];
  for (const g of order) {
    const n = pairCounts[g]!;
    if (n === 0) continue;
    const version = versions[g]![rng.int(0, versions[g]!.length - 1)]!; // a random version of the group
    let pairs = Array.from({ length: n }, (_, i) => i);
    if (current.length + n > batchSize) {
      // The batch edge: a random subset of this puzzle's examples that fits, then a new batch.
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
      }
      pairs = pairs.slice(0, batchSize - current.length);
    }
    for (const pair of pairs) current.push({ version, pair });
    if (current.length === batchSize) {
      plan.push(current);
      current = [];
    }
  }
  return plan; // the final partial batch is dropped, as the reference
}

function arcTrainSource(
  spec: TaskSpec,
  versions: readonly (readonly ArcVersion[])[],
  pairCounts: readonly number[],
  seed: number,
  example: (v: ArcVersion, pair: number) => Example,
): TrainSource {
  const epochSize = pairCounts.reduce((a, b) => a + b, 0);
  if (epochSize === 0) throw new RangeError("arc: no training examples");
  // A "round" is enough epochs for at least two batches; batches never straddle rounds.
  const plans = new Map<string, Plan>();
  const batchesPerRound = new Map<number, number[]>();
  const plan = (round: number, B: number): Plan => {
    const key = `${round}/${B}`;
    let p = plans.get(key);
    if (!p) {
      if (plans.size > 3) plans.clear();
      const epochs = Math.max(1, Math.ceil((2 * B) / epochSize));
      plans.set(key, p = epochPlan(createRng(deriveSeed(seed, round)), versions, pairCounts, B, epochs));
    }
    return p;
  };
  return {
    spec,
    epochSize,
    batch: (step, B) => {
      // Rounds differ slightly in batch count (the edge rule): walk them, caching the counts.
      const counts = batchesPerRound.get(B) ?? [];
      batchesPerRound.set(B, counts);
      let round = 0, s = step;
      for (;; round++) {
        counts[round] ??= plan(round, B).length;
        if (s < counts[round]!) break;
        s -= counts[round]!;
      }
      return plan(round, B)[s]!.map(({ version, pair }) => example(version, pair));
    },
  };
}

function arcTestSource(
  spec: TaskSpec,
  tasks: readonly ArcTask[],
  versions: readonly (readonly ArcVersion[])[],
  options: ArcDatasetOptions,
): ArcTestSource {
  const index: ArcTestMeta[] = [];
  tasks.forEach((task, t) => {
    if (!options.testTasks.has(task.id)) return;
    for (const version of versions[t]!.slice(0, options.testVersions ?? Infinity)) {
      task.test.forEach((_, pair) => index.push({ task: task.id, pair, version }));
    }
  });
  return {
    spec,
    size: index.length,
    meta: (i) => index[i]!,
    example: (i) => {
      const { pair, version } = index[i]!, p = tasks[version.task]!.test[pair]!;
      const input = augmentArcGrid(p.input, version.params);
      // Unknown test outputs (hidden answers) give an all-ignored label.
      const label = p.output
        ? encodeArcLabel(augmentArcGrid(p.output, version.params))
        : new Int32Array(ARC_CANVAS * ARC_CANVAS).fill(-100);
      return { input: encodeArcGrid(input), label, puzzleId: version.puzzleId };
    },
  };
}
