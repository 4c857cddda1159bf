import { assert, assertEquals } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { applyPair, invertPair, sampleTranslation } from "../../augment/mod.ts";
import { arcAugmentation } from "./dataset.ts";
import { loadArcFolder } from "./loader.ts";
import { decodeArcGrid, encodeArcGrid, encodeArcLabel } from "./tokenizer.ts";

Deno.test("encodeArcGrid() reproduces the spec 6.4 example exactly", () => {
  const t = encodeArcGrid({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
  const row = (r: number) => Array.from(t.subarray(r * 30, r * 30 + 30));
  assertEquals(row(0), [3, 2, 5, 1, ...Array(26).fill(0)]);
  assertEquals(row(1), [6, 7, 2, 1, ...Array(26).fill(0)]);
  assertEquals(row(2), [1, 1, 1, 0, ...Array(26).fill(0)]);
  assertEquals(t.subarray(90).every((v) => v === 0), true);
  const l = encodeArcLabel({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
  assertEquals([l[3], l[4], l[63]], [1, -100, -100]); // EOS supervised, PAD ignored, corner PAD
});

Deno.test("encode -> decode is the identity for every ARC grid, translated or not, under every augmentation", async () => {
  const same = (a: { height: number; width: number; data: Uint8Array }, b: typeof a) =>
    a.height === b.height && a.width === b.width && a.data.every((v, i) => v === b.data[i]);
  const rng = createRng(0);
  let grids = 0;
  for (
    const dir of [
      "arc-agi-1/data/training",
      "arc-agi-1/data/evaluation",
      "arc-agi-2/data/training",
      "arc-agi-2/data/evaluation",
    ]
  ) {
    for (const task of await loadArcFolder(`../shared/datasets/${dir}`)) {
      for (const p of [...task.train, ...task.test]) {
        const pair = { input: p.input, output: p.output ?? p.input };
        const params = arcAugmentation.sample(rng);
        const aug = applyPair(arcAugmentation, pair, params);
        assert(same(invertPair(arcAugmentation, aug, params).input, pair.input));
        for (const version of [pair, aug]) {
          const at = sampleTranslation(rng, version);
          for (const g of [version.input, version.output]) {
            assert(same(decodeArcGrid(encodeArcGrid(g)), g), `${task.id}: untranslated`);
            assert(same(decodeArcGrid(encodeArcGrid(g, at), at), g), `${task.id}: translated`);
            grids++;
          }
        }
      }
    }
  }
  assert(grids > 20000, `${grids} grids`);
});
