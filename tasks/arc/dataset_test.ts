import { assert, assertEquals } from "@std/assert";
import { loadArcFolder } from "./loader.ts";
import { arcDataset } from "./dataset.ts";
import { decodeArcGrid } from "./tokenizer.ts";

const tasks = (await loadArcFolder("../shared/datasets/arc-agi-1/data/evaluation")).slice(0, 6);

Deno.test("arcDataset(): puzzle ids, distinct versions, and the reference's split", () => {
  const test = new Set(tasks.slice(0, 3).map((t) => t.id));
  const ds = arcDataset(tasks, { testTasks: test, augmentations: 30, seed: 2 });
  const ids = ds.versions.flat().map((v) => v.puzzleId);
  assertEquals(ids, ids.map((_, i) => i + 1)); // contiguous from 1, each group together
  assertEquals(ds.spec.numPuzzleIds, ids.length + 1);
  // Test split: every version of every test pair of the test-set tasks only.
  const testPairs = tasks.slice(0, 3).reduce((n, t, i) => n + t.test.length * ds.versions[i]!.length, 0);
  assertEquals(ds.test.size, testPairs);
  // Training never sees a test-set task's test output: check the labels of many batches.
  const hidden = new Set(tasks.slice(0, 3).flatMap((t) => t.test.map((p) => p.output!.data.join())));
  for (let s = 0; s < 20; s++) {
    for (const ex of ds.train.batch(s, 8)) {
      const v = ds.versions.flat()[ex.puzzleId - 1]!;
      if (v.params === null && test.has(tasks[v.task]!.id)) {
        const out = decodeArcGrid(ex.label.map((t) => (t < 0 ? 0 : t)), { row: 0, col: 0 });
        assert(!hidden.has(out.data.join()) || out.height === 0);
      }
    }
  }
});

Deno.test("arcDataset(): batches are deterministic in (seed, step) and examples are valid tokens", () => {
  const a = arcDataset(tasks, { testTasks: new Set(), augmentations: 10, seed: 4 });
  const b = arcDataset(tasks, { testTasks: new Set(), augmentations: 10, seed: 4 });
  for (const step of [0, 7, 3]) {
    const x = a.train.batch(step, 16), y = b.train.batch(step, 16);
    assertEquals(x.map((e) => e.input.join()), y.map((e) => e.input.join()));
    for (const e of x) assert(e.input.every((t) => t >= 0 && t < 12) && e.input.length === 900);
  }
});
