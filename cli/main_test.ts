import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "../tests/_helpers.ts";

const run = runCli;

Deno.test("cli train --help lists presets and flags", async () => {
  const r = await run("train", "--help");
  assertEquals(r.code, 0);
  assertStringIncludes(r.stdout, "sudoku-small");
  assertStringIncludes(r.stdout, "--batch-size");
});

Deno.test("cli rejects bad arguments with one line and exit code 2", async () => {
  for (
    const args of [["train", "--preset", "nope"], ["train", "--lr", "fast"], ["train", "--frobnicate"], [
      "train",
      "--backend",
      "tpu",
    ], ["fly"]]
  ) {
    const r = await run(...args);
    assertEquals(r.code, 2, args.join(" "));
    assertEquals(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
});

Deno.test("cli train runs a short Sudoku training and ends with a JSON summary", async () => {
  const out = await Deno.makeTempDir();
  const r = await run(
    "train",
    "--steps",
    "3",
    "--train-size",
    "40",
    "--test-size",
    "8",
    "--batch-size",
    "4",
    "--hidden",
    "16",
    "--backend",
    "cpu",
    "--out",
    out,
    "--quiet",
  );
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const summary = JSON.parse(lines[lines.length - 1]!);
  for (const key of ["task", "preset", "backend", "steps", "seconds", "params", "exact_accuracy"]) {
    assert(key in summary, key);
  }
  assertEquals(summary.steps, 3);
  assert(summary.exact_accuracy >= 0 && summary.exact_accuracy <= 1);
  const metrics = (await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(metrics.filter((m) => m.event === "step").length, 3);
  await Deno.stat(`${out}/checkpoint/meta.json`);
  await Deno.remove(out, { recursive: true });
});

Deno.test("cli eval and solve use a trained checkpoint", async () => {
  const out = await Deno.makeTempDir();
  const trained = await run(
    "train",
    "--steps",
    "2",
    "--train-size",
    "20",
    "--test-size",
    "6",
    "--batch-size",
    "4",
    "--hidden",
    "16",
    "--backend",
    "cpu",
    "--out",
    out,
    "--quiet",
  );
  assertEquals(trained.code, 0, trained.stderr);
  const ev = await run("eval", "--checkpoint", `${out}/checkpoint`, "--backend", "cpu", "--quiet");
  assertEquals(ev.code, 0, ev.stderr);
  const summary = JSON.parse(ev.stdout.trim().split("\n").pop()!);
  assertEquals(summary.examples, 6);
  const solved = await run(
    "solve",
    "--checkpoint",
    `${out}/checkpoint`,
    "--backend",
    "cpu",
    "--trace",
    "1.3.3..2.1..4..1",
  );
  assertEquals(solved.code, 0, solved.stderr);
  assertStringIncludes(solved.stdout, "step 1");
  assertStringIncludes(solved.stdout, "supervision steps:");
  const drawn = await run(
    "solve",
    "--checkpoint",
    `${out}/checkpoint`,
    "--backend",
    "cpu",
    "--full",
    "--svg",
    `${out}/trace.svg`,
    "1.3.3..2.1..4..1",
  );
  assertEquals(drawn.code, 0, drawn.stderr);
  const svg = await Deno.readTextFile(`${out}/trace.svg`);
  assert(svg.startsWith("<svg") && svg.includes("step 2, p="), "one panel per supervision step");
  const bad = await run("solve", "--checkpoint", `${out}/checkpoint`, "--backend", "cpu", "1.3");
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "expected 16 cells");
  const missing = await run("eval", "--checkpoint", `${out}/nope`, "--backend", "cpu");
  assertEquals(missing.code, 2, missing.stderr);
  assertEquals(missing.stderr.trim().split("\n").length, 1);
  await Deno.remove(out, { recursive: true });
});

Deno.test("cli train --data reads a Sudoku CSV and the test.csv beside it", async () => {
  const { generateSudokuSet } = await import("../tasks/sudoku/mod.ts");
  const dir = await Deno.makeTempDir();
  const csv = (n: number, seed: number) =>
    "source,question,answer,rating\n" +
    generateSudokuSet(seed, n, { boxRows: 2, boxCols: 2 })
      .map((p, i) => `s${i},${p.puzzle.join("").replaceAll("0", ".")},${p.solution!.join("")},0`).join("\n") +
    "\n";
  await Deno.writeTextFile(`${dir}/train.csv`, csv(30, 1));
  await Deno.writeTextFile(`${dir}/test.csv`, csv(6, 2));
  const r = await run(
    "train",
    "--data",
    `${dir}/train.csv`,
    "--steps",
    "1",
    "--batch-size",
    "4",
    "--hidden",
    "16",
    "--backend",
    "cpu",
    "--out",
    `${dir}/run`,
    "--quiet",
  );
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout.trim().split("\n").pop()!).test_examples, 6);
  await Deno.writeTextFile(`${dir}/train.csv`, "source,question,answer,rating\nx,1...,1234,0\n");
  const bad = await run("train", "--data", `${dir}/train.csv`, "--steps", "1", "--backend", "cpu", "--quiet");
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, "train.csv:2:");
  await Deno.remove(dir, { recursive: true });
});
