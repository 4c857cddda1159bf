/**
 * Pinned to the official code, per recursion scheme: HRM (`hrm/`, `models/recursive_reasoning/hrm.py`)
 * and TRM single-z (`singlez/`, `trm_singlez.py`). Our model with the official initial weights (imported
 * through the public interop API) must reproduce, per tensor within the harness's rule
 * (`tests/_golden_compare.ts`): the eval forward of 3 supervision steps on the carry (logits, q_halt,
 * q_continue, the carry z_H / z_L by state, exact, losses), the same forward at the official run's
 * trained weights, and 3 `TrainSession` steps (losses, HRM's q_continue_loss and bootstrapped
 * target_q_continue, lr, steps / halted / exact: HRM halts every row at step 2 and restarts them at step
 * 3; weights and puzzle table after steps 1 and 3) and the eval forward after them. One `| golden ...`
 * line per group: `deno test -A tests/golden_schemes_test.ts 2>&1 | grep golden`.
 */
import { assertEquals } from "@std/assert";
import { goldenTrmConfig } from "./_golden.ts";
import { goldenSuite } from "./_golden_suite.ts";
import { testBackend } from "./_helpers.ts";
import { sharedPath } from "./_shared.ts";

const backend = await testBackend();
const absent = sharedPath("golden") === null;

Deno.test({
  name: "goldenTrmConfig() maps hrm.py to hrm({ hLayers, lLayers }) and trm_singlez.py to singleZ()",
  ignore: absent,
  fn: async () => {
    const config = JSON.parse(await Deno.readTextFile(`${sharedPath("golden")}/config.json`));
    const h = goldenTrmConfig(config, "hrm").trmConfig, z = goldenTrmConfig(config, "singlez").trmConfig;
    assertEquals([h.scheme.kind, h.scheme.options, h.scheme.halting], [
      "hrm",
      { hLayers: 2, lLayers: 2 },
      "q-learning",
    ]);
    // hrm.py has no puzzle_emb_len flag: ceil(puzzle_emb_ndim / hidden_size) = 1.
    assertEquals([h.model.puzzleEmbLen, h.model.layers, h.recursion, h.supervision.maxSteps], [1, 2, {
      n: 2,
      T: 2,
    }, 4]);
    assertEquals([z.scheme.kind, z.scheme.states, z.scheme.halting, z.model.puzzleEmbLen], [
      "singlez",
      ["z"],
      "q-halt",
      16,
    ]);
  },
});

for (const variant of ["hrm", "singlez"] as const) goldenSuite(variant, backend, absent);
