/**
 * The tokenizer's round-trip check over a list of ARC tasks, shared by `tokenizer_test.ts` (the shipped
 * fixtures, everywhere) and `full_datasets_test.ts` (every public task, where `../shared` is present).
 * It lives under testdata/ so it is neither a test file of its own nor published.
 */
import { assert } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import { applyPair, type DihedralId, type Grid, sampleTranslation } from "../../../augment/mod.ts";
import type { ArcTask } from "../loader.ts";
import { arcAugmentation, type ArcAugParams } from "../versions.ts";
import { decodeArcGrid, encodeArcGrid, encodeArcLabel } from "../tokenizer.ts";

const same = (a: Grid, b: Grid) =>
  a.height === b.height && a.width === b.width && a.data.every((v, i) => v === b.data[i]);

/**
 * Asserts encode -> decode is the identity on every grid of `tasks`, untranslated, as a label, under an
 * augmentation (inverted as the evaluator does) and translated. Returns the grids checked and the
 * dihedral transforms used (taken in turn, one per pair).
 */
export function assertArcRoundTrip(tasks: readonly ArcTask[]): { grids: number; transforms: Set<number> } {
  const rng = createRng(0);
  let grids = 0;
  const transforms = new Set<number>();
  for (const task of tasks) {
    for (const p of [...task.train, ...task.test]) {
      const pair = { input: p.input, output: p.output ?? p.input };
      // A random colour map with the dihedral transforms taken in turn: all 8 on every 8 pairs.
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
  return { grids, transforms };
}
