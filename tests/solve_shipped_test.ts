/**
 * `deno task solve` without --checkpoint uses a model shipped in the package: the one whose task reads the
 * puzzle, or --model NAME; a task with no shipped model gets one line.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { runCli } from "./_helpers.ts";

Deno.test("solve without --checkpoint: the shipped model of the puzzle's task answers it", async () => {
  const r = await runCli("solve", "1.3.3..2.1..4..1");
  assertEquals(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split("\n").slice(0, 4).map((l) => l.replaceAll(" ", ""));
  assertEquals(rows, ["1234", "3412", "2143", "4321"], "the 4x4 model's answer keeps the givens");
  assertStringIncludes(r.stdout, "valid: yes");
  const board = ["Q.......", ...Array(7).fill("........")].join("\n");
  const q = await runCli("solve", "--model", "nqueens-8x8", board);
  assertEquals(q.code, 0, q.stderr);
  assertStringIncludes(q.stdout, "valid: yes");
  const none = await runCli("solve", "--task", "arc", "1 2");
  assertEquals(none.code, 2);
  assertStringIncludes(none.stderr, "no model of it is shipped");
  const bad = await runCli("solve", "--model", "sudoku-9x9", "1.3.3..2.1..4..1");
  assertEquals([bad.code, bad.stderr.trim().split("\n").length], [2, 1]);
});
