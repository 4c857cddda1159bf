import { assert, assertEquals, assertThrows } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { distinctAugmentations, gridHash, type Pair } from "../../augment/mod.ts";
import { loadArcFolder } from "./loader.ts";
import { arcAugmentation, arcDistinctAugmentations, ArcVersions } from "./versions.ts";

// Five ARC-AGI-1 training tasks shipped as fixtures: 007bbfb7, 017c7c7b, 0520fde7, 445eab21 (7 colours
// besides black) and 8be77c9e (1 colour: fewer distinct versions than asked for).
const tasks = await loadArcFolder(new URL("./testdata/arc-agi-1/data/training", import.meta.url).pathname);
const pairsOf = (i: number): Pair[] =>
  [...tasks[i]!.train, ...tasks[i]!.test].map((p) => ({ input: p.input, output: p.output! }));

Deno.test("arcDistinctAugmentations() returns exactly what distinctAugmentations() from augment/ does", () => {
  // Tasks with few and many colours (the shortcut for repeated draws matters for the former).
  const found: number[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const fast = arcDistinctAugmentations(pairsOf(i), 300, i);
    found.push(fast.length);
    const slow = distinctAugmentations(pairsOf(i), arcAugmentation, { count: 300, rng: createRng(i) });
    assertEquals(fast.length, slow.length, tasks[i]!.id);
    assertEquals(
      fast.map(([c, d]) => `${d.transform}:${c.map.join("")}`),
      slow.map(([c, d]) => `${d.transform}:${c.map.join("")}`),
    );
  }
  // Both regimes are covered: a one-colour task runs out of versions (9 colours x 8 transforms at most),
  // a many-colour task does not.
  assert(Math.min(...found) < 72 && Math.max(...found) === 300, `found ${found}`);
});

Deno.test("arcDistinctAugmentations(): versions are distinct tasks, none equal to the original", () => {
  const pairs = pairsOf(3);
  const key = (ps: Pair[]) => ps.map((p) => gridHash(p.input) + gridHash(p.output)).sort().join();
  const keys = new Set([key(pairs)]);
  const found = arcDistinctAugmentations(pairs, 200, 9);
  for (const p of found) {
    keys.add(
      key(
        pairs.map((q) => ({
          input: arcAugmentation.apply(q.input, p),
          output: arcAugmentation.apply(q.output, p),
        })),
      ),
    );
    assertEquals(p[0].map[0], 0); // black stays black
  }
  assertEquals(keys.size, found.length + 1);
});

Deno.test("ArcVersions: contiguous puzzle ids from 1, originals first, params survive the compact storage", () => {
  const pairs = [0, 1, 2].map(pairsOf);
  const v = ArcVersions.build(pairs, 40, 5);
  assertEquals(v.tasks, 3);
  let id = 1;
  for (let t = 0; t < 3; t++) {
    assertEquals(v.count(t), 41); // these tasks have enough colours for 40 distinct versions
    const expected = arcDistinctAugmentations(pairs[t]!, 40, 0); // a different stream: only shapes compared
    assertEquals(expected.length, 40);
    for (let k = 0; k < v.count(t); k++, id++) {
      assertEquals(v.puzzleId(t, k), id);
      const version = v.version(id);
      assertEquals([version.task, version.puzzleId, version.params === null], [t, id, k === 0]);
    }
  }
  assertEquals(v.size, id - 1);
  // Same seed, same versions; the stored params are the drawn ones.
  const again = ArcVersions.build(pairs, 40, 5);
  for (let i = 1; i <= v.size; i++) {
    const a = v.version(i).params, b = again.version(i).params;
    assertEquals(a && [a[0].map.join(), a[1].transform], b && [b[0].map.join(), b[1].transform]);
  }
  assert(v.version(2).params![0].map.length === 10);
  assertThrows(() => v.version(0), RangeError);
  assertThrows(() => v.version(v.size + 1), RangeError);
  assertThrows(() => v.puzzleId(0, 41), RangeError);
});
