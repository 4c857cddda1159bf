/**
 * End to end on a handful of real ARC tasks (the ARC-AGI-1 fixtures shipped in tasks/arc/testdata): train a
 * tiny model, evaluate, write a valid submission.json.
 */
import { assert, assertEquals } from "@std/assert";
import { runCli } from "./_helpers.ts";

const FIXTURES = new URL("../tasks/arc/testdata/arc-agi-1/data/evaluation/", import.meta.url).pathname;

Deno.test("cli train --preset arc1 on 3 ARC tasks trains, evaluates and writes a valid submission.json", async () => {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/tasks`;
  await Deno.mkdir(data);
  const ids = ["00576224", "009d5c81", "00dbd492"];
  for (const id of ids) {
    await Deno.copyFile(`${FIXTURES}${id}.json`, `${data}/${id}.json`);
  }
  const out = await runCli(
    "train",
    "--preset",
    "arc1",
    "--data",
    data,
    "--augmentations",
    "3",
    "--test-versions",
    "2",
    "--hidden",
    "16",
    "--heads",
    "2",
    "--batch-size",
    "4",
    "--steps",
    "2",
    "--n",
    "1",
    "--T",
    "1",
    "--max-steps",
    "2",
    "--backend",
    "wasm",
    "--out",
    `${dir}/run`,
    "--quiet",
  );
  assertEquals(out.code, 0, out.stderr);
  const summary = JSON.parse(out.stdout.trim().split("\n").pop()!);
  assertEquals(summary.task, "arc");
  assertEquals(summary.tasks, 3);
  for (const k of [1, 2, 5, 10]) assert(summary[`pass@${k}`] >= 0 && summary[`pass@${k}`] <= 1);
  const submission = JSON.parse(await Deno.readTextFile(`${dir}/run/submission.json`));
  assertEquals(Object.keys(submission).sort(), ids);
  for (const id of ids) {
    const task = JSON.parse(await Deno.readTextFile(`${data}/${id}.json`));
    assertEquals(submission[id].length, task.test.length);
    for (const entry of submission[id]) {
      for (const grid of [entry.attempt_1, entry.attempt_2]) {
        assert(Array.isArray(grid) && grid.length >= 1 && grid.length <= 30);
        assert(
          grid.every((row: number[]) =>
            row.length === grid[0].length && row.every((v) => Number.isInteger(v) && v >= 0 && v <= 9)
          ),
        );
      }
    }
  }
  // solve: one ARC task file, with the puzzle embedding the run learned for it.
  const solved = await runCli(
    "solve",
    "--checkpoint",
    `${dir}/run/checkpoint`,
    "--backend",
    "wasm",
    `${data}/${ids[0]}.json`,
  );
  assertEquals(solved.code, 0, solved.stderr);
  assert(solved.stdout.includes("supervision steps:"));
  await Deno.remove(dir, { recursive: true });
});
