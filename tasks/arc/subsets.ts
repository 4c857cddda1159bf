/**
 * The reference's subset handling (spec 6.4): several named subsets (e.g. `training`, `evaluation`,
 * `concept`) are combined, tasks shuffled within each subset (this only changes the order, hence the
 * puzzle ids), and one subset named as the test set.
 *
 * @module
 */
import { createRng, DataError, deriveSeed, shuffleInPlace } from "@recursive/trm/core";
import type { ArcTask } from "./loader.ts";

/** A named list of tasks. */
export interface ArcSubset {
  /** Subset name, e.g. `"evaluation"`. */
  readonly name: string;
  /** Its tasks. */
  readonly tasks: readonly ArcTask[];
}

/** Tasks in dataset order, and which of them form the test set. */
export interface ArcSubsetSelection {
  /** All tasks: subsets in the given order, each shuffled. */
  readonly tasks: readonly ArcTask[];
  /** Ids of the test-set tasks (for `arcDataset`'s `testTasks`). */
  readonly testTasks: ReadonlySet<string>;
  /** The test-set tasks, in dataset order (for the evaluator). */
  readonly testSet: readonly ArcTask[];
}

const SALT_SUBSET = 0x53554253;

/**
 * Combines subsets as the reference's `--subsets ... --test-set-name ...`.
 *
 * @example
 * ```ts
 * import { arcSubsets } from "@recursive/trm/tasks/arc";
 * const t = (id: string) => ({ id, train: [], test: [] });
 * const s = arcSubsets([{ name: "training", tasks: [t("a"), t("b")] }, { name: "evaluation", tasks: [t("c")] }], "evaluation");
 * if (s.tasks.length !== 3 || !s.testTasks.has("c") || s.testTasks.has("a")) throw new Error("split");
 * ```
 */
export function arcSubsets(subsets: readonly ArcSubset[], testSetName: string, seed = 0): ArcSubsetSelection {
  const names = subsets.map((s) => s.name);
  if (!names.includes(testSetName)) {
    throw new DataError(`arc: test set "${testSetName}" is not one of the subsets (${names.join(", ")})`);
  }
  const seen = new Map<string, string>();
  const tasks = subsets.flatMap((s, i) => {
    for (const t of s.tasks) {
      const other = seen.get(t.id);
      if (other !== undefined) {
        throw new DataError(`arc: task "${t.id}" is in both subset "${other}" and subset "${s.name}"`);
      }
      seen.set(t.id, s.name);
    }
    return shuffleInPlace(createRng(deriveSeed(seed, SALT_SUBSET, i)), s.tasks.slice());
  });
  const testSet = tasks.filter((t) => seen.get(t.id) === testSetName);
  return { tasks, testTasks: new Set(testSet.map((t) => t.id)), testSet };
}
