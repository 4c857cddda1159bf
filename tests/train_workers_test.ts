/**
 * `train({ workers })` and `deno task train --workers N`: data-parallel workers (`DataParallelSession`)
 * give the one-process run's steps up to float summation order, resume across the two kinds of session,
 * leave no tensor behind, and refuse a backend other than wasm in one line.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  initBackend,
  listTestSource,
  mlpMixer,
  periodicCheckpointDir,
  type RecursionScheme,
  shuffledTrainSource,
  train,
} from "../mod.ts";
import { nativeMatMulLibrary } from "../core/kernels/wasm_native_matmul.ts";
import { registerScheme } from "../plugins/registry.ts";
import { sortTask } from "./testdata/sort_task.ts";
import { jsonSummary, runCli } from "./_helpers.ts";

await initBackend("wasm");

const TASK_FILE = new URL("./testdata/sort_task.ts", import.meta.url).pathname;
const weights = (m: { variables: readonly tf.Variable[] }) =>
  m.variables.map((v) => v.dataSync() as Float32Array);

/** Largest |a - b| over all weights, relative to the largest |a|. */
function relativeGap(a: Float32Array[], b: Float32Array[]): number {
  let gap = 0, scale = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => (gap = Math.max(gap, Math.abs(v - b[i]![j]!)), scale = Math.max(scale, Math.abs(v))))
  );
  return gap / scale;
}

Deno.test("train({ workers: 2 }) takes the one-process run's steps, resumes either way, and leaks nothing", async () => {
  const before = tf.memory().numTensors;
  const threads = nativeMatMulLibrary()?.threads;
  const losses = { one: [] as number[], two: [] as number[] };
  const a = await Deno.makeTempDir();
  {
    using one = await train(sortTask, { steps: 8, onStep: (m) => void losses.one.push(m.loss) });
    using two = await train(sortTask, {
      steps: 8,
      workers: 2,
      out: a,
      checkpointEvery: 4,
      onStep: (m) => void losses.two.push(m.loss),
    });
    assertEquals(losses.two.length, 8);
    assertEquals([one.workers, two.workers], [1, 2], "the sort task's small steps stay in one process");
    losses.one.forEach((l, i) =>
      assert(Math.abs(l - losses.two[i]!) <= 1e-4 * Math.abs(l), `step ${i + 1}: ${l} vs ${losses.two[i]}`)
    );
    const gap = relativeGap(weights(one.model), weights(two.model));
    assert(gap < 1e-4, `weights differ by ${gap} of their scale`);
    assertEquals(two.evaluation!.count, one.evaluation!.count);
    assertEquals(nativeMatMulLibrary()?.threads, threads, "the BLAS thread count is put back");
    // A 2-worker checkpoint resumed in one process, and a 1-process one resumed on 3 workers.
    using resumed = await train(sortTask, { resume: periodicCheckpointDir(a, 4) });
    assert(relativeGap(weights(two.model), weights(resumed.model)) < 1e-4, "2 workers -> 1 process");
    const b = await Deno.makeTempDir();
    using first = await train(sortTask, { steps: 8, out: b, checkpointEvery: 4 });
    using onThree = await train(sortTask, { resume: periodicCheckpointDir(b, 4), workers: 3 });
    assertEquals(onThree.steps, 8);
    assert(relativeGap(weights(first.model), weights(onThree.model)) < 1e-4, "1 process -> 3 workers");
  }
  assertEquals(
    tf.memory().numTensors,
    before,
    "runs on workers, disposed, return to the starting tensor count",
  );
});

Deno.test("train({ workers }) refuses a bad count and a backend other than wasm in one line", async () => {
  await assertRejects(() => train(sortTask, { steps: 1, workers: 0 }), RangeError, "integer >= 1");
  await assertRejects(() => train(sortTask, { steps: 1, workers: 64 }), RangeError, "batch size (32)");
  // The workers really run: they import the plugins module (a missing one fails the run).
  const missing = new URL("./testdata/no_such_plugins.ts", import.meta.url).href;
  await assertRejects(
    () => train(sortTask, { steps: 1, workers: 2, plugins: missing }),
    Error,
    "no_such_plugins",
  );
  await initBackend("cpu");
  try {
    await assertRejects(() => train(sortTask, { steps: 1, workers: 2 }), RangeError, "wasm backend");
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("deno task train --workers 2 trains a task plugin and says so in its summary", async () => {
  const out = `${await Deno.makeTempDir()}/run`;
  const r = await runCli(
    "train",
    "--task",
    TASK_FILE,
    "--steps",
    "4",
    "--workers",
    "2",
    "--quiet",
    "--out",
    out,
  );
  assertEquals(r.code, 0, r.stderr);
  const summary = jsonSummary(r.stdout);
  assertEquals([summary.workers, summary.steps, summary.backend], [2, 4, "wasm"]);
});

/** `y <- f(y + x)` twice, all on the tape: a scheme no built-in module knows. */
function refine(kind: string): RecursionScheme {
  const step = { state: "y", net: "f", inject: ["x"] };
  return {
    kind,
    options: {},
    states: ["y"],
    output: "y",
    nets: { f: {} },
    plan: () => ({ offTape: [], onTape: [step, step] }),
    halting: "none",
  };
}

Deno.test({
  name: "train() without a worker count keeps a plugin the workers cannot rebuild in one process",
  // One core: the automatic choice is one process whatever the plugin.
  ignore: navigator.hardwareConcurrency < 2,
  fn: async () => {
    const spec = { name: "wide", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
    const ex = { input: new Int32Array(81).fill(1), label: new Int32Array(81).fill(2), puzzleId: 0 };
    const task = { spec, encode: () => ex, decode: (t: Int32Array) => t };
    const data = { train: shuffledTrainSource(spec, 4, 0, () => ex), test: listTestSource(spec, [ex]) };
    // Big enough for automatic workers with a built-in scheme (checked first, so the test can fail).
    const config = (scheme?: RecursionScheme) => ({
      mixer: mlpMixer(),
      ...(scheme ? { scheme } : {}),
      model: { hidden: 256 },
      optim: { batchSize: 16 },
    });
    const start = async (scheme?: RecursionScheme) => {
      const warnings: string[] = [];
      using run = await train(task, {
        config: config(scheme),
        data,
        steps: 1,
        signal: AbortSignal.abort(),
        onStart: (s) => void warnings.push(...s.warnings),
      });
      return { workers: run.workers, warnings };
    };
    assertEquals(
      (await start()).workers,
      Math.min(navigator.hardwareConcurrency, 4),
      "one per core, 4 slots each",
    );
    // Not registered anywhere: the coordinator's own rebuild fails, so no worker is started.
    assertEquals((await start(refine("refine-unregistered"))).workers, 1);
    // Registered only in this isolate: a fresh worker does not know it; the run falls back, saying why.
    registerScheme("refine-here-only", () => refine("refine-here-only"));
    const here = await start(refine("refine-here-only"));
    assertEquals(here.workers, 1);
    assert(here.warnings.some((w) => w.includes("the workers did not start")), here.warnings.join("; "));
  },
});
