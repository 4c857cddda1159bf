import { assert, assertEquals, assertThrows } from "@std/assert";
import { DataError, IGNORE_LABEL } from "@recursive/trm/core";
import { loadArcFolder } from "./loader.ts";
import { arcDataset, augmentArcGrid } from "./dataset.ts";
import { decodeArcGrid, encodeArcGrid } from "./tokenizer.ts";

// Six ARC-AGI-1 tasks shipped as fixtures: the three evaluation ones (the test set here), then three
// training ones.
const fixtures = new URL("./testdata/arc-agi-1/data/", import.meta.url).pathname;
const tasks = [
  ...await loadArcFolder(`${fixtures}evaluation`),
  ...(await loadArcFolder(`${fixtures}training`)).slice(0, 3),
];
const testIds = new Set(tasks.slice(0, 3).map((t) => t.id));
const ds = arcDataset(tasks, { testTasks: testIds, augmentations: 30, seed: 2 });
const unpad = (label: Int32Array) => label.map((t) => (t === IGNORE_LABEL ? 0 : t));
const key = (g: { height: number; width: number; data: Uint8Array }) =>
  `${g.height}x${g.width}:${g.data.join("")}`;

Deno.test("arcDataset(): spec and puzzle ids (1 + versions of every task, contiguous per task)", () => {
  assertEquals([ds.spec.name, ds.spec.vocabSize, ds.spec.seqLen], ["arc", 12, 900]);
  let versions = 0;
  for (let t = 0; t < tasks.length; t++) {
    assertEquals(ds.versions.puzzleId(t, 0), versions + 1);
    versions += ds.versions.count(t);
  }
  assertEquals(ds.spec.numPuzzleIds, 1 + versions);
  assertEquals(versions, 6 * 31); // these tasks all have enough colours for 30 distinct augmentations
  assertEquals(
    ds.train.epochSize,
    tasks.reduce((n, t) => n + t.train.length + (testIds.has(t.id) ? 0 : t.test.length), 0),
  );
  assertThrows(
    () => arcDataset([tasks[0]!, tasks[0]!], { testTasks: new Set() }),
    DataError,
    "appears twice",
  );
});

Deno.test("arcDataset(): the test split is every version of every test pair of the test-set tasks, with provenance", () => {
  const expected = tasks.slice(0, 3).reduce((n, t, i) => n + t.test.length * ds.versions.count(i), 0);
  assertEquals(ds.test.size, expected);
  for (let i = 0; i < ds.test.size; i += 7) {
    const ex = ds.test.example(i), m = ds.test.meta(i);
    assert(testIds.has(m.task));
    assertEquals(ex.puzzleId, m.version.puzzleId);
    const pair = tasks[m.version.task]!.test[m.pair]!;
    // Untranslated, augmented by exactly the version's params.
    assertEquals(
      Array.from(ex.input),
      Array.from(encodeArcGrid(augmentArcGrid(pair.input, m.version.params))),
    );
    assertEquals(key(decodeArcGrid(unpad(ex.label))), key(augmentArcGrid(pair.output!, m.version.params)));
  }
  const few = arcDataset(tasks, { testTasks: testIds, augmentations: 30, seed: 2, testVersions: 2 });
  assertEquals(few.test.size, tasks.slice(0, 3).reduce((n, t) => n + 2 * t.test.length, 0));
  assertEquals(few.test.meta(few.test.size - 1).version.puzzleId, ds.versions.puzzleId(2, 1));
});

Deno.test("arcDataset(): training shows demonstrations (and non-test-set test pairs), never a test-set answer", () => {
  const answers = new Set<string>(), allowed = new Set<string>();
  tasks.forEach((t, g) => {
    for (let k = 0; k < ds.versions.count(g); k++) {
      const params = ds.versions.version(ds.versions.puzzleId(g, k)).params;
      for (const p of t.test) {
        (testIds.has(t.id) ? answers : allowed).add(key(augmentArcGrid(p.output!, params)));
      }
      for (const p of t.train) allowed.add(key(augmentArcGrid(p.output!, params)));
    }
  });
  let translated = 0, seen = 0;
  for (let s = 0; s < 40; s++) {
    for (const ex of ds.train.batch(s, 16)) {
      const version = ds.versions.version(ex.puzzleId);
      // Find the translation offset from the first supervised cell, then decode there.
      const first = ex.label.findIndex((t) => t !== IGNORE_LABEL);
      const at = { row: Math.floor(first / 30), col: first % 30 };
      if (at.row + at.col > 0) translated++;
      const out = decodeArcGrid(unpad(ex.label), at);
      assert(
        allowed.has(key(out)),
        `step ${s}: an output of task ${tasks[version.task]!.id} that training may show`,
      );
      assert(!answers.has(key(out)) || allowed.has(key(out)));
      // The input sits at the same offset.
      assert(decodeArcGrid(ex.input, at).height > 0);
      seen++;
    }
  }
  assert(translated > seen / 2, `${translated} of ${seen} translated`);
});

Deno.test("arcDataset(): every puzzle version keeps a pair at the origin, and offsets are fixed across epochs", () => {
  const single = arcDataset(tasks.slice(3, 4), { testTasks: new Set(), augmentations: 5, seed: 1 });
  const n = tasks[3]!.train.length + tasks[3]!.test.length;
  const atOrigin = new Set<number>(), offsets = new Map<string, number>();
  for (let s = 0; s < 60; s++) {
    for (const ex of single.train.batch(s, n)) {
      const first = ex.label.findIndex((t) => t !== IGNORE_LABEL);
      const out = decodeArcGrid(unpad(ex.label), { row: Math.floor(first / 30), col: first % 30 });
      const pair = `${ex.puzzleId}/${key(out)}`; // outputs of this task's pairs differ
      if (offsets.has(pair)) assertEquals(offsets.get(pair), first, "same (version, pair), same offset");
      offsets.set(pair, first);
      if (first === 0) atOrigin.add(ex.puzzleId);
    }
  }
  assertEquals(offsets.size, n * single.versions.count(0)); // every (version, pair) was seen
  assertEquals(atOrigin.size, single.versions.count(0));
  assert([...offsets.values()].filter((o) => o > 0).length >= offsets.size / 2);
});

Deno.test("arcDataset(): batches are deterministic in (seed, step), in any order, and valid tokens", () => {
  const a = arcDataset(tasks, { testTasks: new Set(), augmentations: 10, seed: 4 });
  const b = arcDataset(tasks, { testTasks: new Set(), augmentations: 10, seed: 4 });
  const c = arcDataset(tasks, { testTasks: new Set(), augmentations: 10, seed: 5 });
  const sig = (x: readonly { input: Int32Array; puzzleId: number }[]) =>
    x.map((e) => `${e.puzzleId}:${e.input.join("")}`);
  const order = [0, 7, 3].map((s) => sig(a.train.batch(s, 16)));
  assertEquals([3, 0, 7].map((s) => sig(b.train.batch(s, 16))), [order[2], order[0], order[1]]);
  assert(sig(c.train.batch(0, 16)).join() !== order[0]!.join());
  for (const e of a.train.batch(9, 16)) {
    assert(e.input.length === 900 && e.input.every((t) => t >= 0 && t < 12));
    assert(e.label.every((t) => t === IGNORE_LABEL || (t >= 1 && t < 12)));
    assert(e.puzzleId >= 1 && e.puzzleId < a.spec.numPuzzleIds);
  }
});
