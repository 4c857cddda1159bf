/**
 * The data of an ARC preset: an ARC-AGI folder (data/training + data/evaluation), Kaggle challenge and
 * solution files, or a plain folder of task files; ConceptARC joins training where it sits beside the data.
 * Evaluations report pass@1/2/5/10 and write a Kaggle `submission.json`.
 *
 * @module
 */
import { DataError, pathExists, type PreparedData, type PresetDataOptions } from "../../core/mod.ts";
// The leaf module, not io/mod.ts: io/train.ts imports the presets, which import this file.
import { writeJsonAtomic } from "../../io/atomic_write.ts";
import { arcDataset } from "./dataset.ts";
import { ArcEvaluator } from "./evaluator.ts";
import { type ArcTask, loadArcFolder, loadKaggleArc } from "./loader.ts";

/** Prepares ARC-AGI-`version` data from `o.data` (required: the datasets are not generated). */
export async function arcPresetData(version: 1 | 2, o: PresetDataOptions): Promise<PreparedData> {
  if (!o.data) {
    const repo = version === 1 ? "fchollet/ARC-AGI" : "arcprize/ARC-AGI-2";
    throw new DataError(
      `--data DIR is required for ARC-AGI-${version}: clone https://github.com/${repo} and pass ` +
        "--data <that folder> (Kaggle challenge/solution files or a folder of task files work too)",
    );
  }
  const skipped: string[] = [];
  const load = { skipInvalid: o.skipInvalid ?? false, onSkip: (e: Error) => skipped.push(e.message) };
  let train: ArcTask[] = [], test: ArcTask[];
  const has = (p: string) => pathExists(`${o.data}/${p}`);
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
  if (train.length > 0 && await pathExists(concept)) train.push(...await loadArcFolder(concept, load));
  const ds = arcDataset([...train, ...test], {
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
