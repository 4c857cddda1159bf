import { assertEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { arcDataset } from "./dataset.ts";
import { ArcEvaluator } from "./evaluator.ts";
import type { ArcTask } from "./loader.ts";
import { encodeArcGrid } from "./tokenizer.ts";
import { arcAugmentation, type ArcAugParams } from "./versions.ts";

const grid = (rows: number[][]) => ({
  height: rows.length,
  width: rows[0]!.length,
  data: Uint8Array.from(rows.flat()),
});
const tasks: ArcTask[] = [
  {
    id: "a",
    train: [{ input: grid([[1, 2]]), output: grid([[2, 1]]) }],
    test: [{ input: grid([[3, 4]]), output: grid([[4, 3]]) }],
  },
  {
    id: "b",
    train: [{ input: grid([[5]]), output: grid([[6]]) }],
    test: [{ input: grid([[7], [8]]), output: grid([[8], [7]]) }, {
      input: grid([[1]]),
      output: grid([[2]]),
    }],
  },
];
const meta = (task: string, pair: number, params: ArcAugParams | null = null, puzzleId = 1) => ({
  task,
  pair,
  version: { task: task === "a" ? 0 : 1, params, puzzleId },
});

Deno.test("ArcEvaluator: the true outputs pushed through the augmentations give pass@1 = 1", () => {
  const ds = arcDataset(tasks, { testTasks: new Set(["a", "b"]), augmentations: 20, seed: 1 });
  const ev = new ArcEvaluator(tasks);
  for (let i = 0; i < ds.test.size; i++) {
    const ex = ds.test.example(i);
    ev.add(ex.label.map((t) => (t < 0 ? 0 : t)), ds.test.meta(i), 0); // the label is the augmented truth
  }
  const r = ev.result();
  assertEquals([r.passAt[1], r.passAt[2], r.passAt[5], r.passAt[10], r.tasks], [1, 1, 1, 1, 2]);
  assertEquals(ev.votes, ds.test.size);
  assertEquals(ev.ranked("b", 0).length, 1); // every version voted for the same de-augmented grid
  assertEquals(r.submission.b![0], { attempt_1: [[8], [7]], attempt_2: [[8], [7]] });
  assertEquals(r.submission.b![1]!.attempt_1, [[2]]);
});

Deno.test("ArcEvaluator: all-wrong predictions give 0 for every k", () => {
  const ev = new ArcEvaluator(tasks);
  const params = arcAugmentation.sample(createRng(0));
  ev.add(encodeArcGrid(grid([[9, 9]])), meta("a", 0), 3);
  ev.add(encodeArcGrid(arcAugmentation.apply(grid([[3, 4]]), params)), meta("a", 0, params), 3); // the input
  ev.add(encodeArcGrid(grid([[7], [8]])), meta("b", 0), 1);
  ev.add(encodeArcGrid(grid([[1]])), meta("b", 1), 1);
  const r = ev.result([1, 2, 5, 10]);
  assertEquals([r.passAt[1], r.passAt[2], r.passAt[5], r.passAt[10]], [0, 0, 0, 0]);
});

Deno.test("ArcEvaluator: the right answer second by count gives pass@1 0 and pass@2 1", () => {
  const ev = new ArcEvaluator([tasks[0]!]);
  const params = arcAugmentation.sample(createRng(3));
  // The wrong answer twice (once through an augmentation), the right one once with a high q.
  ev.add(encodeArcGrid(grid([[1, 1]])), meta("a", 0), -1);
  ev.add(encodeArcGrid(arcAugmentation.apply(grid([[1, 1]]), params)), meta("a", 0, params), -1);
  ev.add(encodeArcGrid(arcAugmentation.apply(grid([[4, 3]]), params)), meta("a", 0, params), 5);
  const r = ev.result([1, 2]);
  assertEquals([r.passAt[1], r.passAt[2]], [0, 1]);
  assertEquals(r.submission.a![0], { attempt_1: [[1, 1]], attempt_2: [[4, 3]] });
});

Deno.test("ArcEvaluator: ties on count are broken by mean sigmoid(q_halt)", () => {
  for (const [right, wrong, expected] of [[2, -2, 1], [-2, 2, 0]] as const) {
    const ev = new ArcEvaluator([tasks[0]!]);
    ev.add(encodeArcGrid(grid([[1, 1]])), meta("a", 0), wrong);
    ev.add(encodeArcGrid(grid([[4, 3]])), meta("a", 0), right);
    ev.add(encodeArcGrid(grid([[1, 1]])), meta("a", 0), wrong);
    ev.add(encodeArcGrid(grid([[4, 3]])), meta("a", 0), right);
    assertEquals(ev.result([1]).passAt[1], expected);
  }
});

Deno.test("ArcEvaluator: padding rows are ignored, empty crops vote but never reach the submission", () => {
  const ev = new ArcEvaluator(tasks);
  ev.add(encodeArcGrid(grid([[4, 3]])), undefined, 0); // a padding row: no example behind it
  ev.add(encodeArcGrid(grid([[4, 3]])), meta("a", 0, null, 0), 0); // puzzle id 0 (blank)
  assertEquals(ev.votes, 0);
  ev.add(new Int32Array(900), meta("a", 0), 9); // a prediction with no grid
  ev.add(new Int32Array(900), meta("a", 0), 9);
  ev.add(encodeArcGrid(grid([[4, 3]])), meta("a", 0), 0);
  const r = ev.result([1, 2]);
  assertEquals([r.passAt[1], r.passAt[2]], [0, 0.5]); // task b has no predictions: wrong
  assertEquals(r.submission.a![0], { attempt_1: [[4, 3]], attempt_2: [[4, 3]] });
  assertEquals(r.submission.b![1], { attempt_1: [[0]], attempt_2: [[0]] });
  assertThrows(
    () => ev.add(encodeArcGrid(grid([[1]])), meta("zz", 0), 0),
    RangeError,
    '"zz" is not a test task',
  );
});

Deno.test("ArcEvaluator: aggregate mode keeps votes across evaluations, the default resets", () => {
  for (const aggregate of [false, true]) {
    const ev = new ArcEvaluator([tasks[0]!], { aggregate });
    ev.add(encodeArcGrid(grid([[4, 3]])), meta("a", 0), 0);
    ev.reset();
    assertEquals(ev.result([1]).passAt[1], aggregate ? 1 : 0);
    ev.clear();
    assertEquals(ev.votes, 0);
  }
});
