/**
 * The pretrained models shipped in the package (tasks/<task>/pretrained/, `deno task pretrain`): each
 * loads from its `pretrainedFor` URL, is the model its card describes, and still reaches its card's
 * held-out exact accuracy (every supervision step, and with early halting) minus a small margin on the
 * same held-out puzzles, rebuilt from the recipe (bench/pretrain_recipes.ts).
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { evaluate, initBackend } from "../core/mod.ts";
import { CheckpointError, loadCheckpoint } from "../io/mod.ts";
import { builtinTask } from "../tasks/builtin.ts";
import { pretrainedCard, pretrainedFor, pretrainedModels } from "../tasks/pretrained.ts";
import { recipeByName } from "../bench/pretrain_recipes.ts";

/**
 * Allowed drop in exact accuracy against the card. The card was measured on wasm (XNNPACK or OpenBLAS);
 * another kernel's summation order can flip a few borderline cells, never a few percent of puzzles.
 */
const MARGIN = 0.02;
/** Held-out puzzles evaluated at full depth (the card's figure is over all of them). */
const FULL_DEPTH = 100;

Deno.test("pretrainedFor() finds each shipped model by name, task and spec; nothing for other tasks", () => {
  const cards = pretrainedModels();
  assertEquals(cards.map((c) => c.name), ["sudoku-4x4", "sudoku-6x6", "maze-7x7", "nqueens-8x8"]);
  for (const c of cards) {
    assertEquals(pretrainedCard(c.name), c);
    assertEquals(pretrainedCard(c.taskSpec)?.name, c.name);
    assert(pretrainedFor(c.name)!.href.endsWith(`/tasks/${c.path}/`), pretrainedFor(c.name)!.href);
  }
  assertEquals(pretrainedCard("sudoku")?.name, "sudoku-4x4");
  assertEquals(pretrainedCard({ name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 }), undefined);
  assertEquals(pretrainedFor("arc"), undefined);
});

Deno.test("loadCheckpoint(URL) of a folder without the files: one CheckpointError line naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const url = new URL(`file://${dir}/missing/`);
    const e = await assertRejects(() => loadCheckpoint(url), CheckpointError);
    assert(e.message.startsWith(`${url.href}meta.json: not readable`), e.message);
    assert(!e.message.includes("\n"), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const card of pretrainedModels()) {
  Deno.test(`pretrained ${card.name}: loads from its URL and keeps its card's held-out accuracy`, async () => {
    // wasm, the backend the cards were measured on (the plain-JS cpu backend takes minutes here).
    await initBackend("wasm");
    const url = pretrainedFor(card.name)!;
    using loaded = await loadCheckpoint(url);
    assertEquals(loaded.meta.taskSpec, card.taskSpec);
    assertEquals(loaded.model.variables.reduce((n, v) => n + v.size, 0), card.params);
    let bytes = 0;
    for (const f of ["tensors.safetensors", "meta.json"]) bytes += (await Deno.stat(new URL(f, url))).size;
    assertEquals(bytes, card.bytes);
    // The checkpoint names a built-in task that rebuilds from the spec (what solve and the page use).
    assert(builtinTask(loaded.meta.taskSpec)?.validate, `${card.task}: a built-in task with validate`);

    const recipe = recipeByName(card.name);
    const { task, test } = await recipe.data(card.heldOut.count, false);
    assertEquals(test.size, card.heldOut.count);
    // Early halting (about one supervision step each) on the whole held-out set; every step (N_sup) on
    // its first FULL_DEPTH puzzles, which keeps the file well under a minute on 2 cores.
    for (const earlyHalt of [true, false]) {
      const want = earlyHalt ? card.heldOut.earlyHalt : card.heldOut;
      const limit = earlyHalt ? card.heldOut.count : FULL_DEPTH;
      const r = await evaluate(loaded.model, test, loaded.puzzles, {
        task,
        earlyHalt,
        limit,
        batchSize: 100,
      });
      const what = `${card.name} (${earlyHalt ? "early halting" : `all steps, first ${limit}`})`;
      assert(
        r.exactAccuracy >= want.exactAccuracy - MARGIN,
        `${what}: held-out exact ${r.exactAccuracy} < card ${want.exactAccuracy} - ${MARGIN}`,
      );
      assert(
        want.validRate === null || (r.validRate ?? 0) >= want.validRate - MARGIN,
        `${what}: held-out valid ${r.validRate} < card ${want.validRate} - ${MARGIN}`,
      );
      if (earlyHalt) {
        // Halting is a decision on a margin: the same weights halt at (almost) the same steps.
        assert(
          Math.abs(r.meanSteps - want.meanSteps) <= 0.25,
          `${what}: mean steps ${r.meanSteps} vs ${want.meanSteps}`,
        );
      } else assertEquals(r.meanSteps, loaded.config.supervision.maxSteps);
    }
  });
}
