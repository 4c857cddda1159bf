/**
 * ARC data pipeline throughput on the real ARC-AGI-1 build (training + evaluation + ConceptARC, test
 * set "evaluation", as the reference): build time and memory of the augmented dataset, training
 * examples/s at the reference batch size, the cost of seeking a far step (a resumed run), test
 * examples/s, and evaluator predictions/s (crop, invert, hash, vote) plus the time of one `result()`.
 *
 * Run: `deno run -A bench/arc_bench.ts [--augmentations 1000] [--batch 768] [--steps 100]
 *   [--predictions 100000] [--data DIR (default ../shared/datasets)] [--json]`
 */
import { parseArgs } from "@std/cli";
import { arcDataset, ArcEvaluator, arcSubsets, loadArcFolder } from "../tasks/arc/mod.ts";

const flags = parseArgs(Deno.args, {
  string: ["augmentations", "batch", "steps", "predictions", "data"],
  boolean: ["json"],
});
// The bench measures the full datasets (the fixtures in tasks/arc/testdata are too few): by default the
// `../shared/datasets` folder beside the repository, resolved from this file, not the working directory.
const root = flags.data ?? new URL("../../shared/datasets", import.meta.url).pathname;
if (!(await Deno.stat(`${root}/arc-agi-1`).then(() => true, () => false))) {
  // deno-lint-ignore no-console
  console.error(
    `error: ${root}/arc-agi-1 not found: pass --data DIR, a folder holding arc-agi-1/ (a clone of ` +
      "github.com/fchollet/ARC-AGI) and conceptarc/ (github.com/victorvikram/ConceptARC)",
  );
  Deno.exit(2);
}
const augmentations = Number(flags.augmentations ?? 1000), B = Number(flags.batch ?? 768);
const steps = Number(flags.steps ?? 100), predictions = Number(flags.predictions ?? 100_000);
const emit = (record: Record<string, unknown>, text: string) =>
  // deno-lint-ignore no-console
  console.log(flags.json ? JSON.stringify(record) : text);
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  const m = Deno.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
};

const selection = arcSubsets([
  { name: "training", tasks: await loadArcFolder(`${root}/arc-agi-1/data/training`) },
  { name: "evaluation", tasks: await loadArcFolder(`${root}/arc-agi-1/data/evaluation`) },
  { name: "concept", tasks: await loadArcFolder(`${root}/conceptarc/corpus`) },
], "evaluation");

const heap0 = heapMb();
let t = performance.now();
const ds = arcDataset(selection.tasks, { testTasks: selection.testTasks, augmentations });
const buildS = (performance.now() - t) / 1000, heap = heapMb() - heap0;
emit(
  {
    measurement: "arc-build",
    augmentations,
    seconds: buildS,
    heapMb: heap,
    ...ds.spec,
    testSize: ds.test.size,
  },
  `build (${selection.tasks.length} tasks x ${augmentations} augmentations): ${buildS.toFixed(1)} s, ` +
    `+${heap.toFixed(0)} MB heap and buffers${
      gc ? "" : " (run with --v8-flags=--expose-gc for a settled figure)"
    }; ` +
    `${ds.spec.numPuzzleIds} puzzle ids, ${ds.test.size} test examples`,
);

ds.train.batch(0, B); // warm-up
t = performance.now();
for (let s = 1; s <= steps; s++) ds.train.batch(s, B);
const trainRate = (steps * B) / ((performance.now() - t) / 1000);
emit(
  { measurement: "arc-train-examples-per-s", batch: B, value: trainRate },
  `train: ${trainRate.toFixed(0)} examples/s (batch ${B}, ${steps} batches)`,
);

const far = 100_000;
t = performance.now();
ds.train.batch(far, B);
const seekS = (performance.now() - t) / 1000;
emit({ measurement: "arc-seek-s", step: far, value: seekS }, `seek to step ${far}: ${seekS.toFixed(2)} s`);

const n = Math.min(predictions, ds.test.size), stride = Math.max(1, Math.floor(ds.test.size / n));
const labels: Int32Array[] = [];
t = performance.now();
for (let k = 0; k < n; k++) labels.push(ds.test.example(k * stride).label);
const testRate = n / ((performance.now() - t) / 1000);
// Perfect predictions: the labels with PAD for ignored cells.
const rows = labels.map((label, k) => ({ tokens: label.map((v) => (v < 0 ? 0 : v)), i: k * stride }));
emit({ measurement: "arc-test-examples-per-s", value: testRate }, `test: ${testRate.toFixed(0)} examples/s`);

const evaluator = new ArcEvaluator(selection.testSet);
t = performance.now();
for (const r of rows) evaluator.add(r.tokens, ds.test.meta(r.i), 1);
const addRate = n / ((performance.now() - t) / 1000);
t = performance.now();
const result = evaluator.result();
const resultS = (performance.now() - t) / 1000;
emit(
  { measurement: "arc-evaluator", addPerS: addRate, resultS, predictions: n, passAt1: result.passAt[1] },
  `evaluator: ${addRate.toFixed(0)} predictions/s, result() ${(resultS * 1000).toFixed(0)} ms ` +
    `(${n} perfect predictions: pass@1 ${result.passAt[1]?.toFixed(3)}, below 1 only for pairs not sampled)`,
);
