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
  DataError,
  deriveSeed,
  type Example,
  IGNORE_LABEL,
  type TaskSpec,
  type TestSource,
  type TrainSource,
} from "@recursive/trm/core";
import { type Grid, type Pair, sampleTranslation } from "../../augment/mod.ts";
import { ArcBatchPlan } from "./batch_plan.ts";
import type { ArcPair, ArcTask } from "./loader.ts";
import { ARC_CANVAS, encodeArcGrid, encodeArcLabel } from "./tokenizer.ts";
import { arcAugmentation, type ArcAugParams, type ArcVersion, ArcVersions } from "./versions.ts";

/** Where a test example came from, for the evaluator. */
export interface ArcTestMeta {
  /** Task id. */
  readonly task: string;
  /** Index of the test pair in the task. */
  readonly pair: number;
  /** The version it was shown in (its puzzle id and typed augmentation parameters). */
  readonly version: ArcVersion;
}

/** Test examples plus their provenance. */
export interface ArcTestSource extends TestSource {
  /** Provenance of example `index`. */
  meta(index: number): ArcTestMeta;
}

/** Options of {@linkcode arcDataset}. */
export interface ArcDatasetOptions {
  /** Ids of the test-set tasks (their test pairs form the test split); see `arcSubsets`. */
  readonly testTasks: ReadonlySet<string>;
  /** Distinct augmentations per task (default 1000, the reference). */
  readonly augmentations?: number;
  /** Seed of augmentations, translations and batch order (default 0). */
  readonly seed?: number;
  /** Versions of each test task to evaluate (default all, as the reference; the original comes first). */
  readonly testVersions?: number;
}

/** A built dataset. */
export interface ArcDataset {
  /** Name "arc", V 12, L 900, and the number of puzzle identifiers (1 + all versions). */
  readonly spec: TaskSpec;
  /** The tasks, in input order (group `g` is `tasks[g]`). */
  readonly tasks: readonly ArcTask[];
  /** Every task's versions and their puzzle ids. */
  readonly versions: ArcVersions;
  /** Training batches, deterministic in (seed, step). */
  readonly train: TrainSource;
  /** Test pairs of the test-set tasks, in every evaluated version, with provenance. */
  readonly test: ArcTestSource;
}

const SALT_KEEP = 0x4b454550, SALT_SHIFT = 0x53484654;

/** Applies a version's augmentation to a grid (the original when `params` is null). */
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
  const ids = new Set<string>();
  for (const t of tasks) {
    if (ids.has(t.id)) throw new DataError(`arc: task id "${t.id}" appears twice (ids must be unique)`);
    ids.add(t.id);
  }
  // Dedup looks at the whole task; unknown test outputs count as their inputs.
  const all = tasks.map((t) =>
    [...t.train, ...t.test].map((p): Pair => ({ input: p.input, output: p.output ?? p.input }))
  );
  const versions = ArcVersions.build(all, count, seed);
  const spec: TaskSpec = {
    name: "arc",
    vocabSize: 12,
    seqLen: ARC_CANVAS * ARC_CANVAS,
    numPuzzleIds: versions.size + 1,
  };
  // Training pairs per group: demonstrations, plus the solved test pairs of tasks outside the test set.
  const trainPairs = tasks.map((t): readonly ArcPair[] =>
    options.testTasks.has(t.id) ? t.train : [...t.train, ...t.test.filter((p) => p.output)]
  );
  const trainExample = (group: number, k: number, pairIndex: number, buf: Int32Array): Example => {
    const puzzleId = versions.puzzleId(group, k), params = versions.version(puzzleId).params;
    const pair = trainPairs[group]![pairIndex]!;
    const input = augmentArcGrid(pair.input, params), output = augmentArcGrid(pair.output!, params);
    // Offsets are fixed per (version, pair) by the seed; one pair per version stays at the origin.
    const keep = createRng(deriveSeed(seed, SALT_KEEP, puzzleId)).int(0, trainPairs[group]!.length - 1);
    const at = pairIndex === keep
      ? { row: 0, col: 0 }
      : sampleTranslation(createRng(deriveSeed(seed, SALT_SHIFT, puzzleId, pairIndex)), { input, output });
    const L = spec.seqLen;
    return {
      input: encodeArcGrid(input, at, buf.subarray(0, L)),
      label: encodeArcLabel(output, at, buf.subarray(L, 2 * L)),
      puzzleId,
    };
  };
  const sizes = Int32Array.from(trainPairs, (p) => p.length);
  const counts = Int32Array.from(tasks, (_, t) => versions.count(t));
  const plans = new Map<number, ArcBatchPlan>();
  const train: TrainSource = {
    spec,
    epochSize: sizes.reduce((a, b) => a + b, 0),
    batch: (step, batchSize) => {
      let plan = plans.get(batchSize);
      if (!plan) plans.set(batchSize, plan = new ArcBatchPlan(sizes, counts, seed, batchSize));
      // One allocation per batch: the examples' inputs and labels are views of it.
      const buf = new Int32Array(2 * batchSize * spec.seqLen), L2 = 2 * spec.seqLen;
      return plan.batch(step).map((it, b) =>
        trainExample(it.group, it.version, it.pair, buf.subarray(b * L2, (b + 1) * L2))
      );
    },
  };
  return { spec, tasks, versions, train, test: arcTestSource(spec, tasks, versions, options) };
}

function arcTestSource(
  spec: TaskSpec,
  tasks: readonly ArcTask[],
  versions: ArcVersions,
  options: ArcDatasetOptions,
): ArcTestSource {
  // Per test task: its index and where its examples start; examples run version-major, pair-minor.
  const groups: number[] = [], offsets = [0];
  tasks.forEach((task, t) => {
    if (!options.testTasks.has(task.id) || task.test.length === 0) return;
    groups.push(t);
    const shown = Math.min(versions.count(t), options.testVersions ?? Infinity);
    offsets.push(offsets[offsets.length - 1]! + shown * task.test.length);
  });
  const size = offsets[offsets.length - 1]!;
  const meta = (i: number): ArcTestMeta => {
    if (!(Number.isInteger(i) && i >= 0 && i < size)) {
      throw new RangeError(`test example ${i} outside 0..${size - 1}`);
    }
    let lo = 0, hi = groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    const t = groups[lo]!, task = tasks[t]!, local = i - offsets[lo]!;
    const k = Math.floor(local / task.test.length), pair = local % task.test.length;
    return { task: task.id, pair, version: versions.version(versions.puzzleId(t, k)) };
  };
  return {
    spec,
    size,
    meta,
    example: (i) => {
      const { pair, version } = meta(i), p = tasks[version.task]!.test[pair]!;
      // Unknown test outputs (hidden answers) give an all-ignored label.
      const label = p.output
        ? encodeArcLabel(augmentArcGrid(p.output, version.params))
        : new Int32Array(ARC_CANVAS * ARC_CANVAS).fill(IGNORE_LABEL);
      return {
        input: encodeArcGrid(augmentArcGrid(p.input, version.params)),
        label,
        puzzleId: version.puzzleId,
      };
    },
  };
}
