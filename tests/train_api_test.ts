/**
 * `train()` from the library and `deno task train --task <file>` run the same training: the one-file sort
 * task (testdata/sort_task.ts) trains, evaluates with its own validate, saves checkpoints that record its
 * specifier, resumes exactly, and leaves no tensor behind.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { loadCheckpoint, predict, RunFolderError, train } from "../mod.ts";
import { sortTask } from "./testdata/sort_task.ts";
import { jsonSummary, runCli, testBackend } from "./_helpers.ts";

await testBackend();

const TASK_FILE = new URL("./testdata/sort_task.ts", import.meta.url).pathname;

/** The records of a metrics file. */
async function records(file: string): Promise<Record<string, unknown>[]> {
  return (await Deno.readTextFile(file)).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("train(): a task plugin trains with its own data and validate; the result holds the evaluated weights", async () => {
  const before = tf.memory().numTensors;
  const out = await Deno.makeTempDir();
  const seen: number[] = [];
  {
    using run = await train(sortTask, {
      steps: 20,
      evalEvery: 10,
      out,
      onStep: (m) => void seen.push(m.step),
    });
    assertEquals(seen, Array.from({ length: 20 }, (_, i) => i + 1));
    const r = run.evaluation!;
    assertEquals(r.count, 40);
    assert(r.validRate !== undefined, "validRate from the task's validate");
    // The returned model holds the weights that were evaluated (EMA): predicting again gives the same answers.
    const test = sortTask.generate!(2040, 0).slice(2000).map((p) => sortTask.encode(p));
    const again = await predict(run.model, run.puzzles, test.slice(0, 8), { haltThreshold: null });
    assertEquals(again.map((p) => Array.from(p.answer)), r.predictions.slice(0, 8).map((p) => Array.from(p)));
    // The run folder: start, 20 steps, an intermediate and a final eval, end; a checkpoint recording the task.
    const log = await records(`${out}/metrics.jsonl`);
    assertEquals(log.map((x) => x.event).filter((e) => e !== "step"), ["start", "eval", "eval", "end"]);
    assertEquals(log.filter((x) => x.event === "step").length, 20);
    assert(log.every((x) => x.run === run.runId), "every record carries the run id");
    using saved = await loadCheckpoint(run.checkpoint!);
    assertEquals(saved.meta.recipe?.task, "sort");
    assertEquals(saved.meta.step, 20);
  }
  assertEquals(tf.memory().numTensors, before, "train() then dispose returns to the starting tensor count");
});

Deno.test("train(): resuming a periodic checkpoint gives the uninterrupted run's weights", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  using full = await train(sortTask, { steps: 12, out: a, checkpointEvery: 6 });
  using first = await train(sortTask, {
    steps: 12,
    out: b,
    checkpointEvery: 6,
    signal: AbortSignal.abort(),
  });
  assert(first.aborted && first.steps === 0, "an aborted signal stops before the first step");
  using resumed = await train(sortTask, { resume: `${a}/checkpoints/step-0000006`, out: b, overwrite: true });
  assertEquals(resumed.steps, 12);
  const w = (m: typeof full.model) => m.variables.map((v) => Array.from(v.dataSync()));
  assertEquals(w(resumed.model), w(full.model));
  await assertRejects(() => train(sortTask, { steps: 4, out: a }), RunFolderError, "holds another run");
});

Deno.test("deno task train --task FILE: the CLI trains a task plugin and records its specifier", async () => {
  const out = `${await Deno.makeTempDir()}/run`;
  const config = `${out}-config.json`;
  await Deno.writeTextFile(config, JSON.stringify({ steps: 30, quiet: true, "test-size": 20 }));
  const r = await runCli("train", "--task", TASK_FILE, "--config", config, "--steps", "20", "--out", out);
  assertEquals(r.code, 0, r.stderr);
  const summary = jsonSummary(r.stdout);
  assertEquals(
    [summary.task, summary.steps, summary.test_examples],
    ["sort", 20, 20],
    "flags override --config",
  );
  assert(typeof summary.valid_rate === "number", "the task's validate is reported");
  assertStringIncludes(
    await Deno.readTextFile(`${out}/curves.svg`),
    "<svg",
    "train draws curves.svg at the end",
  );
  const meta = JSON.parse(await Deno.readTextFile(`${out}/checkpoint/meta.json`));
  assertEquals(meta.recipe.task, new URL(`file://${TASK_FILE}`).href);
  // A resumed run reloads the task from the recorded specifier.
  const more = await runCli("train", "--resume", `${out}/checkpoint`, "--steps", "24", "--quiet");
  assertEquals(more.code, 0, more.stderr);
  assertEquals(jsonSummary(more.stdout).steps, 24);
  const bad = await runCli(
    "train",
    "--task",
    TASK_FILE,
    "--config",
    config,
    "--out",
    `${out}2`,
    "--lrr",
    "1",
  );
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "did you mean --lr?");
  await Deno.writeTextFile(config, JSON.stringify({ stepz: 3 }));
  const badFile = await runCli("train", "--task", TASK_FILE, "--config", config, "--out", `${out}3`);
  assertEquals(badFile.code, 2);
  assertEquals(badFile.stderr.trim(), `error: ${config}: unknown field "stepz"; did you mean "steps"?`);
});

Deno.test("the CLI is a package export: deno run jsr:@recursive/trm/cli train (resolved to this package)", async () => {
  const out = `${await Deno.makeTempDir()}/run`;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "-A",
      "jsr:@recursive/trm/cli",
      "train",
      "--task",
      TASK_FILE,
      "--steps",
      "3",
      "--quiet",
      "--out",
      out,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 0, stderr);
  assertEquals(stderr, "", "nothing but what was asked for (no download lines, no banners)");
  assertEquals(jsonSummary(new TextDecoder().decode(r.stdout)).steps, 3);
});

Deno.test("train({ overwrite }): the replaced run's files are set aside until the new run has saved its own", async () => {
  const out = await Deno.makeTempDir();
  const opts = { steps: 2, trainSize: 64, testSize: 8 } as const;
  using a = await train(sortTask, { ...opts, out });
  const metricsA = await Deno.readTextFile(`${out}/metrics.jsonl`);
  using stopped = await train(sortTask, { ...opts, out, overwrite: true, signal: AbortSignal.abort() });
  const aside = [...Deno.readDirSync(out)].map((e) => e.name).filter((n) => n.startsWith("replaced-"));
  assertEquals(aside.length, 1, "a stopped overwrite keeps the old run's metrics aside");
  assertEquals(await Deno.readTextFile(`${out}/${aside[0]}/metrics.jsonl`), metricsA);
  using loaded = await loadCheckpoint(`${out}/checkpoint`);
  assertEquals(loaded.meta.recipe?.steps, 2, "the old final checkpoint is untouched");
  using b = await train(sortTask, { ...opts, out, overwrite: true, seed: 1 });
  const left = [...Deno.readDirSync(out)].map((e) => e.name).filter((n) => n.startsWith("replaced-"));
  assertEquals(left, [aside[0]!], "only the finished run's own set-aside folder is removed");
  assert(
    (await records(`${out}/metrics.jsonl`)).every((r) => r.run === b.runId),
    "metrics hold the new run only",
  );
  assert(a.runId !== b.runId && stopped.aborted);
});

Deno.test("deno task train --task nqueens: a built-in task without a preset trains through the CLI alone", async () => {
  const out = `${await Deno.makeTempDir()}/nq`;
  const r = await runCli(
    "train",
    "--task",
    "nqueens",
    "--steps",
    "2",
    "--train-size",
    "64",
    "--test-size",
    "8",
    "--quiet",
    "--out",
    out,
  );
  assertEquals(r.code, 0, r.stderr);
  const s = jsonSummary(r.stdout);
  assertEquals([s.task, s.steps, s.test_examples], ["nqueens", 2, 8]);
  assert(typeof s.valid_rate === "number", "N-Queens' validate is reported");
  assertEquals(JSON.parse(await Deno.readTextFile(`${out}/checkpoint/meta.json`)).recipe.task, "nqueens");
});
