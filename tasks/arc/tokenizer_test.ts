import { assert, assertEquals } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { applyPair, type DihedralId, type Grid, sampleTranslation } from "../../augment/mod.ts";
import { arcAugmentation, type ArcAugParams } from "./versions.ts";
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
  const same = (a: Grid, b: Grid) =>
    a.height === b.height && a.width === b.width && a.data.every((v, i) => v === b.data[i]);
  const rng = createRng(0);
  let grids = 0;
  const transforms = new Set<number>();
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
        // A random colour map with the dihedral transforms taken in turn: all 8 on thousands of grids.
        const [colours] = arcAugmentation.sample(rng);
        const params: ArcAugParams = [colours, { transform: (grids / 2 % 8) as DihedralId }];
        transforms.add(params[1].transform);
        const aug = applyPair(arcAugmentation, pair, params);
        const at = sampleTranslation(rng, aug);
        for (const [g, a] of [[pair.input, aug.input], [pair.output, aug.output]] as const) {
          assert(same(decodeArcGrid(encodeArcGrid(g)), g), `${task.id}: untranslated`);
          assert(same(decodeArcGrid(encodeArcLabel(g).map((t) => Math.max(t, 0))), g), `${task.id}: label`);
          // The evaluator's path: decode the augmented grid's tokens, then invert the augmentation.
          assert(
            same(arcAugmentation.invert(decodeArcGrid(encodeArcGrid(a)), params), g),
            `${task.id}: augmented`,
          );
          assert(same(decodeArcGrid(encodeArcGrid(a, at), at), a), `${task.id}: translated`);
          grids++;
        }
      }
    }
  }
  assertEquals(transforms.size, 8);
  assert(grids > 16000, `${grids} grids`); // 8334 pairs in ARC-AGI-1 and -2
});
