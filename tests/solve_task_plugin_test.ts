/**
 * `solve` and `eval` through the CLI with a task that is not built in (tests/testdata/sort_task.ts, loaded
 * by the file URL its checkpoint records, or by `--task`): the answer is printed with the task's `format`,
 * judged by its `validate`, the trace marks changed and wrong cells, and `eval` reports the task's
 * `validRate` beside exact accuracy, equal to what the library computes for the same weights.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createTrm, evaluate, type RunRecipe, taskData, TrainSession } from "../mod.ts";
import { loadCheckpoint, saveCheckpoint } from "../io/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { runCli, testBackend, tinyConfig } from "./_helpers.ts";
import { screenshotSvg } from "./_screenshot.ts";
import { sortTask } from "./testdata/sort_task.ts";

await testBackend();

const SORT = new URL("./testdata/sort_task.ts", import.meta.url);

/** A checkpoint of a tiny sort model after `steps` training steps, with the recipe `train --task` writes. */
async function sortCheckpoint(dir: string, recipe: RunRecipe | null, steps = 30): Promise<string> {
  const config = tinyConfig(mlpMixer(), 8);
  using model = createTrm(sortTask.spec, config);
  using session = new TrainSession(model, { totalSteps: steps });
  const data = await taskData(sortTask, { seed: 0, trainSize: 200, testSize: 24 });
  for (let s = 0; s < steps; s++) await session.step(data.train.batch(s, 8));
  return await saveCheckpoint(dir, { taskSpec: sortTask.spec, config, session, seed: 0, recipe });
}

const recipe = (): RunRecipe => ({
  task: SORT.href,
  preset: null,
  data: { kind: "generated", trainSize: 200, testSize: 24 },
  steps: 30,
  eval: { every: 0, limit: null },
  seed: 0,
});

/** Exactly one line on stderr and exit 2. */
function oneLine(r: { code: number; stderr: string }, what: string): string {
  assertEquals(r.code, 2, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assertEquals(lines.length, 1, `${what}: ${r.stderr}`);
  return lines[0]!;
}

const digits = (s: string) => Array.from(s, Number);
const differ = (a: number[], b: number[]) => a.filter((v, i) => v !== b[i]).length;

Deno.test("solve: a non-built-in task from the checkpoint's specifier: format, validate, trace marks", async () => {
  const dir = await Deno.makeTempDir();
  const ckpt = await sortCheckpoint(`${dir}/ck`, recipe());
  const puzzle = "930417", sorted = digits("013479");
  const r = await runCli(
    "solve",
    "--checkpoint",
    ckpt,
    "--backend",
    "cpu",
    "--trace",
    "--svg",
    `${dir}/t.svg`,
    puzzle,
  );
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").filter((l) => l !== "");
  // --trace: a header per step, then the answer in the task's format (six digits).
  const steps: { answer: number[]; changed: number; wrong: number; valid: boolean }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^step (\d+) {2}halt p=[\d.]+ {2}(\d+) cells? changed, (\d+) wrong, (valid|invalid)$/.exec(
      lines[i]!,
    );
    if (!m) continue;
    assertEquals(Number(m[1]), steps.length + 1);
    assert(/^\d{6}$/.test(lines[i + 1]!), `step answer: ${lines[i + 1]}`);
    steps.push({ answer: digits(lines[i + 1]!), changed: +m[2]!, wrong: +m[3]!, valid: m[4] === "valid" });
  }
  const config = tinyConfig(mlpMixer(), 8);
  const summary =
    /^supervision steps: (\d+) of (\d+) \(early halting at p > 0\.5\); halting probability [\d.]+$/m
      .exec(r.stdout);
  assert(summary, r.stdout);
  assertEquals(Number(summary[2]), config.supervision.maxSteps);
  assertEquals(steps.length, Number(summary[1]), r.stdout);
  // The counts follow from the answers: changed vs the previous step (step 1: vs the puzzle), wrong vs
  // the sorted digits (the task's label, known here), valid by the task's own rule.
  let previous = digits(puzzle);
  for (const s of steps) {
    assertEquals(s.changed, differ(s.answer, previous));
    assertEquals(s.wrong, differ(s.answer, sorted));
    assertEquals(s.valid, sortTask.validate!(sortTask.parse!(puzzle), { digits: s.answer }));
    previous = s.answer;
  }
  const final = steps.at(-1)!;
  const answerLine = lines[lines.findIndex((l) => l.startsWith("valid:")) - 1]!;
  assertEquals(digits(answerLine), final.answer);
  assertStringIncludes(r.stdout, `valid: ${final.valid ? "yes" : "no"} (the sort task's validate`);
  assertStringIncludes(
    r.stdout,
    final.wrong
      ? `known answer: ${final.wrong} cell${final.wrong === 1 ? "" : "s"} differ`
      : "known answer: matched",
  );
  // The SVG: per step panel, as many changed / wrong marks as the counts say.
  const svg = await Deno.readTextFile(`${dir}/t.svg`);
  // Each step's drawing comes just before its caption: cut the document at the captions.
  const panels = svg.split(/>step \d+, p=/);
  assertEquals(panels.length, steps.length + 1);
  steps.forEach((s, k) => {
    assertEquals(panels[k]!.split('class="changed"').length - 1, s.changed, `step ${k + 1} changed`);
    assertEquals(panels[k]!.split('class="wrong"').length - 1, s.wrong, `step ${k + 1} wrong`);
    assert(
      panels[k + 1]!.split("<")[0]!.endsWith(s.valid ? ", valid" : ", invalid"),
      `step ${k + 1} caption`,
    );
  });
  await screenshotSvg(`${dir}/t.svg`, "trace-sort-plugin");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("solve/eval --task: overrides the checkpoint's task; a wrong or missing task is one line", async () => {
  const dir = await Deno.makeTempDir();
  // No recipe: the checkpoint only says "sort", which is not built in.
  const bare = await sortCheckpoint(`${dir}/bare`, null, 2);
  const missing = oneLine(
    await runCli("solve", "--checkpoint", bare, "--backend", "cpu", "930417"),
    "no task",
  );
  assertStringIncludes(missing, `task "sort": cannot load it`);
  assertStringIncludes(missing, "(pass --task)");
  const given = await runCli(
    "solve",
    "--checkpoint",
    bare,
    "--backend",
    "cpu",
    "--task",
    SORT.pathname,
    "930417",
  );
  assertEquals(given.code, 0, given.stderr);
  assertStringIncludes(given.stdout, "valid: ");
  const shape = oneLine(
    await runCli("solve", "--checkpoint", bare, "--backend", "cpu", "--task", "sudoku", "930417"),
    "sudoku",
  );
  assertStringIncludes(
    shape,
    "--task sudoku: the task has vocabulary 11 and length 81, the checkpoint's model 11 and 6",
  );
  const nope = oneLine(
    await runCli("eval", "--checkpoint", bare, "--backend", "cpu", "--task", `${dir}/nope.ts`),
    "nope",
  );
  assertStringIncludes(nope, `--task ${dir}/nope.ts: cannot load it`);
  const typo = oneLine(await runCli("solve", "--checkpoint", bare, "--tsak", "sudoku", "930417"), "typo");
  assertStringIncludes(typo, "did you mean --task?");
  const bad = oneLine(
    await runCli("solve", "--checkpoint", bare, "--task", SORT.pathname, "--halt-threshold", "1.5", "930417"),
    "threshold",
  );
  assertStringIncludes(bad, "--halt-threshold: expected a finite number >= 0 and <= 1");
  const text = oneLine(
    await runCli("solve", "--checkpoint", bare, "--backend", "cpu", "--task", SORT.pathname, "93041x"),
    "parse",
  );
  assertStringIncludes(text, "puzzle: expected 6 digits");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("eval: a non-built-in task's held-out set, exact accuracy and valid_rate as the library computes", async () => {
  const dir = await Deno.makeTempDir();
  const ckpt = await sortCheckpoint(`${dir}/ck`, recipe());
  const r = await runCli("eval", "--checkpoint", ckpt, "--backend", "cpu", "--quiet");
  assertEquals(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
  // The same weights, the same held-out set (the task's generate hook and the recorded seed and sizes).
  using loaded = await loadCheckpoint(ckpt);
  const { test } = await taskData(sortTask, { seed: 0, trainSize: 200, testSize: 24 });
  const want = await evaluate(loaded.model, test, loaded.puzzles, { task: sortTask as never });
  assertEquals(summary.task, "sort");
  assertEquals(summary.preset, null);
  assertEquals(summary.examples, test.size);
  assertEquals(summary.exact_accuracy, want.exactAccuracy);
  assertEquals(summary.valid_rate, want.validRate);
  assert(want.validRate !== undefined);
  await Deno.remove(dir, { recursive: true });
});
