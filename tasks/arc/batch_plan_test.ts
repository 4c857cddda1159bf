import { assert, assertEquals } from "@std/assert";
import { ArcBatchPlan } from "./batch_plan.ts";

const sizes = Int32Array.from([3, 5, 2, 4, 1, 6, 3]);
const versions = Int32Array.from([4, 1, 3, 2, 5, 2, 7]);

// The reference's filling, sequentially: what random access must reproduce.
function sequential(plan: ArcBatchPlan, steps: number): string[] {
  return Array.from(
    { length: steps },
    (_, s) => plan.batch(s).map((i) => `${i.group}.${i.version}.${i.pair}`).join(),
  );
}

Deno.test("ArcBatchPlan.batch() is random access: any order, any fresh instance, same batches", () => {
  for (const B of [4, 7, 24, 60]) {
    const ref = sequential(new ArcBatchPlan(sizes, versions, 3, B), 40);
    const fresh = new ArcBatchPlan(sizes, versions, 3, B);
    for (const s of [39, 0, 17, 16, 38, 5]) {
      assertEquals(
        fresh.batch(s).map((i) => `${i.group}.${i.version}.${i.pair}`).join(),
        ref[s],
        `B ${B} step ${s}`,
      );
    }
    assert(ref[0] !== sequential(new ArcBatchPlan(sizes, versions, 4, B), 1)[0], "the seed matters");
  }
});

Deno.test("ArcBatchPlan: full batches of whole puzzles, cut only at the batch edge, groups once per epoch", () => {
  const B = 10, plan = new ArcBatchPlan(sizes, versions, 1, B);
  const total = sizes.reduce((a, b) => a + b, 0);
  const runs: { group: number; version: number; pairs: number[] }[] = [];
  for (let s = 0; s < 60; s++) {
    const batch = plan.batch(s);
    assertEquals(batch.length, B);
    batch.forEach((it, b) => {
      assert(it.version >= 0 && it.version < versions[it.group]!);
      assert(it.pair >= 0 && it.pair < sizes[it.group]!);
      const last = runs[runs.length - 1];
      const open = last && last.pairs.length < sizes[last.group]!;
      if (open && last.group === it.group && last.version === it.version && b > 0) last.pairs.push(it.pair);
      else runs.push({ group: it.group, version: it.version, pairs: [it.pair] });
    });
  }
  // Every run is a puzzle's examples without repeats; a partial run only where a batch ends.
  let partial = 0;
  for (const r of runs) {
    assertEquals(new Set(r.pairs).size, r.pairs.length);
    if (r.pairs.length < sizes[r.group]!) partial++;
  }
  assert(partial > 0 && partial <= 60 + 1, `${partial} partial runs`);
  // Each epoch is a permutation of the groups: the first |groups| runs cover every group once (a cut
  // group does not continue in the next batch).
  const firstEpoch = runs.slice(0, sizes.length).map((r) => r.group).sort();
  assertEquals(firstEpoch, [0, 1, 2, 3, 4, 5, 6]);
  assert(60 * B < runs.reduce((n, r) => n + sizes[r.group]!, 0), "the edge rule drops examples");
  assert(60 * B > 10 * total, "batches run across epochs");
  // Versions are drawn at random: every version of group 6 shows up.
  assertEquals(new Set(runs.filter((r) => r.group === 6).map((r) => r.version)).size, 7);
});

Deno.test("ArcBatchPlan: a far step (a resumed run) is found quickly", () => {
  const many = new Int32Array(960).fill(4), one = new Int32Array(960).fill(1001);
  const plan = new ArcBatchPlan(many, one, 0, 768);
  const t = performance.now();
  const b = plan.batch(20000);
  assertEquals(b.length, 768);
  assert(performance.now() - t < 5000);
});
