import { assertEquals } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { arcAugmentation, arcDataset } from "./dataset.ts";
import { ArcEvaluator } from "./evaluator.ts";
import type { ArcTask } from "./loader.ts";
import { encodeArcGrid } from "./tokenizer.ts";

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

Deno.test("ArcEvaluator: the true outputs pushed through the augmentations give pass@1 = 1", () => {
  const ds = arcDataset(tasks, { testTasks: new Set(["a", "b"]), augmentations: 20, seed: 1 });
  const ev = new ArcEvaluator(tasks);
  for (let i = 0; i < ds.test.size; i++) {
    const ex = ds.test.example(i);
    ev.add(ex.label.map((t) => (t < 0 ? 0 : t)), ds.test.meta(i), 0); // the label is the augmented truth
  }
  const r = ev.result([1, 2]);
  assertEquals([r.passAt[1], r.tasks], [1, 2]);
  assertEquals(r.submission.b![0]!.attempt_1, [[8], [7]]);
});

Deno.test("ArcEvaluator: all-wrong predictions give 0, and padding rows are ignored", () => {
  const ev = new ArcEvaluator(tasks);
  const v = { task: 0, params: null, puzzleId: 1 };
  ev.add(encodeArcGrid(grid([[9, 9]])), { task: "a", pair: 0, version: v }, 3);
  ev.add(new Int32Array(900), { task: "a", pair: 0, version: v }, 9); // an all-PAD (padding) row: no vote
  const r = ev.result([1, 10]);
  assertEquals([r.passAt[1], r.passAt[10]], [0, 0]);
  assertEquals(r.submission.a![0]!.attempt_2, [[9, 9]]); // padded by repeating the first
});

Deno.test("ArcEvaluator: ranks by count first (correct second -> pass@1 0, pass@2 1), ties by mean q", () => {
  const ev = new ArcEvaluator(tasks);
  const v = (params: ReturnType<typeof arcAugmentation.sample> | null) => ({ task: 0, params, puzzleId: 1 });
  const meta = { task: "a", pair: 0 };
  const params = arcAugmentation.sample(createRng(3));
  // Wrong answer twice (once through an augmentation), right answer once with high confidence.
  ev.add(encodeArcGrid(grid([[1, 1]])), { ...meta, version: v(null) }, -1);
  ev.add(encodeArcGrid(arcAugmentation.apply(grid([[1, 1]]), params)), { ...meta, version: v(params) }, -1);
  ev.add(encodeArcGrid(grid([[4, 3]])), { ...meta, version: v(null) }, 5);
  const r = ev.result([1, 2]);
  assertEquals([r.passAt[1], r.passAt[2]], [0, 0.5]); // task a solved at k = 2; task b has no predictions
  // Tie on count: the higher mean halting probability wins.
  const tie = new ArcEvaluator(tasks);
  tie.add(encodeArcGrid(grid([[1, 1]])), { ...meta, version: v(null) }, -2);
  tie.add(encodeArcGrid(grid([[4, 3]])), { ...meta, version: v(null) }, 2);
  assertEquals(tie.result([1]).passAt[1], 0.5);
});

Deno.test("ArcEvaluator: aggregate mode keeps votes across evaluations, the default resets", () => {
  const meta = { task: "a", pair: 0, version: { task: 0, params: null, puzzleId: 1 } };
  for (const aggregate of [false, true]) {
    const ev = new ArcEvaluator(tasks, { aggregate });
    ev.add(encodeArcGrid(grid([[4, 3]])), meta, 0);
    ev.reset();
    assertEquals(ev.result([1]).passAt[1], aggregate ? 0.5 : 0);
  }
});
