/**
 * `solve` on a built-in task through the CLI: an inconsistent Sudoku (a digit twice in a row, column or
 * box) is refused with one line and exit 2 before any model runs; a consistent one is answered, its
 * validity is the task's own judgement, and the trace marks the changed cells on the board itself. The
 * traces are drawn in headless Chromium into out/test-artifacts/ (when Chromium is present).
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createRng, createTrm, type Example, TrainSession } from "../mod.ts";
import { saveCheckpoint } from "../io/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { generateSudoku, isConsistentWith, isValidSolution, sudokuTask } from "../tasks/sudoku/mod.ts";
import { runCli, testBackend, tinyConfig } from "./_helpers.ts";
import { screenshotSvg } from "./_screenshot.ts";

await testBackend();

const task = sudokuTask({ boxRows: 2, boxCols: 2 });

/** A tiny 4x4 Sudoku checkpoint after a few steps (no recipe: the task comes from the spec's name). */
async function sudokuCheckpoint(dir: string): Promise<string> {
  const config = tinyConfig(mlpMixer(), 4);
  using model = createTrm(task.spec, config);
  using session = new TrainSession(model, { totalSteps: 8 });
  const rng = createRng(5);
  const examples: Example[] = Array.from(
    { length: 32 },
    () => task.encode(generateSudoku(rng, { boxRows: 2, boxCols: 2 })),
  );
  for (let s = 0; s < 8; s++) await session.step(examples.slice(s * 4, s * 4 + 4));
  return await saveCheckpoint(dir, { taskSpec: task.spec, config, session, seed: 0 });
}

/** Rows of space-separated digits (the task's format) back to cell values. */
const cellsOf = (rows: string[]) => Uint8Array.from(rows.join(" ").split(" "), (d) => parseInt(d, 36));

Deno.test("solve: an inconsistent Sudoku is refused with one line; a consistent one is answered and marked", async () => {
  const dir = await Deno.makeTempDir();
  const ckpt = await sudokuCheckpoint(`${dir}/ck`);
  const refusals: [string, string][] = [
    ["1.1.............", "row 1 holds 1 twice (cells 1 and 3)"],
    ["2...2...........", "column 1 holds 2 twice (cells 1 and 5)"],
    ["3....3..........", "box 1 holds 3 twice (cells 1 and 6)"],
  ];
  for (const [puzzle, says] of refusals) {
    const r = await runCli("solve", "--checkpoint", ckpt, "--backend", "cpu", puzzle);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stdout, "", "nothing solved");
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertStringIncludes(r.stderr, `error: puzzle: inconsistent givens: ${says}`);
  }

  const puzzle = "1.3.3..2.1..4..1";
  const svgPath = `${dir}/trace.svg`;
  const r = await runCli(
    "solve",
    "--checkpoint",
    ckpt,
    "--backend",
    "cpu",
    "--full",
    "--trace",
    "--svg",
    svgPath,
    puzzle,
  );
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  // Each step: a header, then four rows of the board.
  const steps: { cells: Uint8Array; changed: number; valid: boolean }[] = [];
  lines.forEach((l, i) => {
    const m = /^step (\d+) {2}halt p=[\d.]+ {2}(\d+) cells? changed, (valid|invalid)$/.exec(l);
    if (m) {
      steps.push({ cells: cellsOf(lines.slice(i + 1, i + 5)), changed: +m[2]!, valid: m[3] === "valid" });
    }
  });
  assertEquals(steps.length, 3, r.stdout);
  assertStringIncludes(r.stdout, "supervision steps: 3 of 3 (all steps run (--full))");
  const givens = task.parse(puzzle).puzzle;
  let previous = givens;
  for (const s of steps) {
    assertEquals(s.changed, s.cells.filter((v, i) => v !== previous[i]).length);
    assertEquals(s.valid, isValidSolution(s.cells, task.shape) && isConsistentWith(givens, s.cells));
    previous = s.cells;
  }
  const final = steps.at(-1)!;
  assertStringIncludes(r.stdout, `valid: ${final.valid ? "yes" : "no"} (the sudoku task's validate`);
  assert(!r.stdout.includes("known answer"), "a typed Sudoku has no known answer");
  // The board declares its cells, so the marks sit on it: one per changed cell, no wrong marks.
  const svg = await Deno.readTextFile(svgPath);
  assertStringIncludes(svg, 'data-grid="4 4"');
  // Each step's drawing comes just before its caption: cut the document at the captions.
  const panels = svg.split(/>step \d+, p=/);
  steps.forEach((s, k) =>
    assertEquals(panels[k]!.split('class="changed"').length - 1, s.changed, `step ${k + 1}`)
  );
  assert(!svg.includes('class="wrong"'));
  await screenshotSvg(svgPath, "trace-sudoku");
  await Deno.remove(dir, { recursive: true });
});
