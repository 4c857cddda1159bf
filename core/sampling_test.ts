import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { createTrm, namedVariables, type Trm } from "./model.ts";
import { haltProbabilityOf, predict } from "./predict.ts";
import { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { chooseRun, sample, type SampledPrediction } from "./sampling.ts";
import type { Task } from "./task.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { assertNoLeak, testBackend, tinyConfig } from "../tests/_helpers.ts";

await testBackend();

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 2 };
const puzzles = new PuzzleEmbedding(2, 16);
const tokens = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 6 })
  .map((a) => Int32Array.from(a));
const inputsArb = fc.array(tokens, { minLength: 1, maxLength: 3 });

/**
 * A tiny random model whose q head is random too (at init it is weight 0, bias -5: every run would
 * have the same confidence and none would halt), so runs differ in confidence and in steps.
 */
function randomModel(seed: number): Trm {
  const model = createTrm(spec, tinyConfig(mlpMixer(), 4), { seed });
  const vars = namedVariables(model);
  tf.tidy(() => {
    vars.get("q_head/w")!.assign(tf.randomNormal([16, 2], 0, 1, "float32", seed));
    vars.get("q_head/b")!.assign(tf.zeros([2]));
  });
  return model;
}
// A few fixed models: building one per property run would dominate the test's time.
const models = [randomModel(1), randomModel(2), randomModel(3)];
const modelArb = fc.integer({ min: 0, max: models.length - 1 }).map((i) => models[i]!);
const threshold = fc.constantFrom(0.5, 0.3, 0.7, null);

const plain = (r: readonly SampledPrediction[]) =>
  r.map((p) => ({
    answer: Array.from(p.answer),
    chosen: p.chosen,
    confidences: Array.from(p.confidences),
    steps: Array.from(p.steps),
    answers: p.answers.map((a) => Array.from(a)),
    valid: p.valid ? Array.from(p.valid) : undefined,
  }));

Deno.test("sample: k = 1 without noise is predict, exactly (answers, steps, confidence); so is a clean run 0", async () => {
  await fc.assert(
    fc.asyncProperty(modelArb, inputsArb, threshold, fc.boolean(), async (model, inputs, t, clean) => {
      // With cleanFirst, run 0 is noiseless whatever the noise; without it, noise 0 is noiseless.
      const r = await sample(model, puzzles, inputs, {
        k: 1,
        noise: clean ? 0.7 : 0,
        cleanFirst: clean,
        haltThreshold: t,
      });
      const p = await predict(model, puzzles, inputs, { haltThreshold: t });
      assertEquals(r.length, inputs.length);
      r.forEach((s, i) => {
        assertEquals(s.chosen, 0);
        assertEquals(Array.from(s.answer), Array.from(p[i]!.answer));
        assertEquals(s.steps[0], p[i]!.steps);
        assertEquals(s.confidences[0], Math.fround(haltProbabilityOf(p[i]!.margin)));
      });
      // Run 0 of K noisy runs is still predict's with cleanFirst (the default).
      const many = await sample(model, puzzles, inputs, { k: 3, noise: 0.7, haltThreshold: t });
      many.forEach((s, i) => {
        assertEquals(Array.from(s.answers[0]!), Array.from(p[i]!.answer));
        assertEquals(s.steps[0], p[i]!.steps);
        assertEquals(s.confidences[0], Math.fround(haltProbabilityOf(p[i]!.margin)));
      });
    }),
    { numRuns: 15 },
  );
});

Deno.test("sample: the same seed gives the same runs whatever the batching; noise changes the runs", async () => {
  await fc.assert(
    fc.asyncProperty(
      modelArb,
      inputsArb,
      fc.integer(),
      fc.constantFrom("init" as const, "latent" as const),
      fc.integer({ min: 1, max: 7 }),
      async (model, inputs, seed, target, batchSize) => {
        const o = { k: 3, noise: 0.5, seed, target, cleanFirst: false };
        const a = await sample(model, puzzles, inputs, o);
        const b = await sample(model, puzzles, inputs, { ...o, batchSize });
        assertEquals(plain(b), plain(a));
        // Another seed draws other noise: some run of some puzzle ends with another confidence.
        const c = await sample(model, puzzles, inputs, { ...o, seed: seed ^ 0x5bd1e995 });
        assert(
          a.some((p, i) => p.confidences.some((v, j) => v !== c[i]!.confidences[j])),
          "the seed reaches the noise",
        );
      },
    ),
    { numRuns: 10 },
  );
});

Deno.test("sample: the chosen run is the first of maximal confidence", async () => {
  await fc.assert(
    fc.asyncProperty(modelArb, inputsArb, fc.integer(), threshold, async (model, inputs, seed, t) => {
      const r = await sample(model, puzzles, inputs, { k: 4, noise: 1, seed, haltThreshold: t });
      for (const p of r) {
        const max = Math.max(...p.confidences);
        assertEquals(p.chosen, p.confidences.indexOf(max));
        assertEquals(p.answer, p.answers[p.chosen]);
        assertEquals(p.valid, undefined, "no task, no validity");
      }
    }),
    { numRuns: 10 },
  );
});

Deno.test("sample: with a task's validate, legal answers come first, then confidence", async () => {
  await fc.assert(
    fc.asyncProperty(modelArb, inputsArb, fc.integer(), fc.integer(), async (model, inputs, seed, salt) => {
      // A toy rule: an answer is "legal" when a salted hash of its tokens and the puzzle's is even.
      const hash = (a: Int32Array) => a.reduce((h, x) => Math.imul(h ^ x, 0x01000193), salt);
      const task: Task<Int32Array> = {
        spec,
        encode: (t) => ({ input: t, label: t, puzzleId: 0 }),
        decode: (t) => t,
        validate: (puzzle, answer) => ((hash(answer) ^ hash(puzzle)) & 1) === 0,
      };
      const r = await sample(model, puzzles, inputs, { k: 4, noise: 1, seed, task: task as Task<unknown> });
      r.forEach((p, i) => {
        const expected = Uint8Array.from(p.answers, (a) => (task.validate!(inputs[i]!, a) ? 1 : 0));
        assertEquals(p.valid, expected);
        const pool = [0, 1, 2, 3].filter((j) => !expected.includes(1) || expected[j] === 1);
        const best = pool.reduce((b, j) => (p.confidences[j]! > p.confidences[b]! ? j : b), pool[0]!);
        assertEquals(p.chosen, best);
      });
    }),
    { numRuns: 10 },
  );
});

Deno.test("chooseRun: a vote picks an answer with the most votes among legal runs, its most confident run", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 3 }), fc.float({ min: 0, max: 1, noNaN: true }), fc.boolean()),
        {
          minLength: 1,
          maxLength: 12,
        },
      ),
      (runs) => {
        const answers = runs.map(([a]) => Int32Array.of(a)), conf = Float32Array.from(runs, ([, c]) => c);
        const valid = Uint8Array.from(runs, ([, , v]) => (v ? 1 : 0));
        const i = chooseRun(answers, conf, valid, "vote");
        const pool = runs.map((_, j) => j).filter((j) => !valid.includes(1) || valid[j] === 1);
        assert(pool.includes(i), "legal first");
        const votes = (a: number) => pool.filter((j) => answers[j]![0] === a).length;
        assertEquals(votes(answers[i]![0]!), Math.max(...pool.map((j) => votes(answers[j]![0]!))));
        for (const j of pool) if (answers[j]![0] === answers[i]![0]) assert(conf[j]! <= conf[i]!);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("sample leaks no tensors (both noise targets, batched)", async () => {
  const inputs = [Int32Array.of(1, 2, 3, 4, 1, 2), Int32Array.of(4, 3, 2, 1, 4, 3)];
  for (const target of ["init", "latent"] as const) {
    await assertNoLeak(() => sample(models[0]!, puzzles, inputs, { k: 3, noise: 0.5, target, batchSize: 4 }));
  }
});

Deno.test("sample: bad options get one clear error", async () => {
  const m = models[0]!, x = [Int32Array.of(1, 1, 1, 1, 1, 1)];
  await assertRejects(() => sample(m, puzzles, x, { k: 0 }), RangeError, "k must be");
  await assertRejects(() => sample(m, puzzles, x, { noise: -1 }), RangeError, "noise must be");
  // deno-lint-ignore no-explicit-any
  await assertRejects(() => sample(m, puzzles, x, { target: "y" as any }), RangeError, "target must be");
  assertEquals(await sample(m, puzzles, [], { k: 4 }), []);
});
