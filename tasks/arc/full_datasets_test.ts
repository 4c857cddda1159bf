/**
 * Tests over the complete public ARC datasets (ARC-AGI-1, ARC-AGI-2, ConceptARC) in `../shared/datasets`.
 * A fresh clone has no such folder: these tests are then ignored with one skip line, or fail under
 * `TRM_REQUIRE_SHARED=1` (CI). Everything else about the ARC code runs on the fixtures in testdata/.
 */
import { assert, assertEquals } from "@std/assert";
import { sharedPath } from "../../tests/_shared.ts";
import { loadArcFolder } from "./loader.ts";
import { assertArcRoundTrip } from "./testdata/round_trip.ts";

const root = sharedPath("datasets");

Deno.test({
  name: "loadArcFolder() loads every ARC-AGI-1, ARC-AGI-2 and ConceptARC task",
  ignore: root === null,
  async fn() {
    const counts: number[] = [];
    for (
      const dir of [
        "arc-agi-1/data/training",
        "arc-agi-1/data/evaluation",
        "arc-agi-2/data/training",
        "arc-agi-2/data/evaluation",
        "conceptarc/corpus",
      ]
    ) {
      counts.push((await loadArcFolder(`${root}/${dir}`)).length);
    }
    assertEquals(counts, [400, 400, 1000, 120, 160]);
  },
});

Deno.test({
  name: "encode -> decode is the identity for every ARC-AGI-1 and -2 grid, translated or not, augmented",
  ignore: root === null,
  async fn() {
    const tasks = [];
    for (
      const dir of [
        "arc-agi-1/data/training",
        "arc-agi-1/data/evaluation",
        "arc-agi-2/data/training",
        "arc-agi-2/data/evaluation",
      ]
    ) tasks.push(...await loadArcFolder(`${root}/${dir}`));
    const { grids, transforms } = assertArcRoundTrip(tasks);
    assertEquals(transforms.size, 8);
    assert(grids > 16000, `${grids} grids`); // 8334 pairs in ARC-AGI-1 and -2
  },
});
