/**
 * Recursion schemes as plugins: HRM and single-z train and evaluate through the same TrainSession and
 * evaluate as TRM, leak nothing, halt as their official code does; and a scheme written only against
 * the public interface (the README's "Write a recursion plugin" example, kept in sync by hand) trains.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals } from "@std/assert";
import {
  createTrm,
  evaluate,
  namedVariables,
  PuzzleEmbedding,
  type RecursionScheme,
  resolveConfig,
  type StepPlan,
  TrainSession,
  type TrmConfig,
  type Update,
} from "../mod.ts";
import { hrm, singleZ } from "../plugins/schemes/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { assertNoLeak, testBackend } from "./_helpers.ts";

await testBackend();

// A copy task: the answer is the question (learnable in a few dozen steps at this size).
const spec = { name: "copy", vocabSize: 6, seqLen: 6, numPuzzleIds: 1 };
const example = (k: number) => {
  const input = Int32Array.from({ length: 6 }, (_, i) => 1 + ((k * 7 + i * 3 + (k >> 2)) % 5));
  return { input, label: input.slice(), puzzleId: 0 };
};
const batch = (s: number, B = 8) => Array.from({ length: B }, (_, b) => example(s * B + b));

/** The README's example: a fixed-depth refinement loop, y <- f(y, x) K times, all on the tape, no halting. */
function refine(depth: number): RecursionScheme {
  const step: Update = { state: "y", net: "f", inject: ["x"] };
  return {
    kind: "refine",
    options: { depth },
    states: ["y"],
    output: "y",
    nets: { f: {} },
    plan: (): StepPlan => ({ offTape: [], onTape: Array.from({ length: depth }, () => step) }),
    halting: "none",
  };
}

function config(scheme: RecursionScheme, maxSteps = 2): TrmConfig {
  return resolveConfig({
    mixer: mlpMixer(),
    scheme,
    model: { hidden: 32, puzzleEmbLen: 1, layers: 1 },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps, explorationProb: 0 },
    optim: { batchSize: 8, warmupSteps: 0, lr: 3e-3, emaDecay: null, weightDecay: 0 },
  });
}

for (const scheme of [hrm(), singleZ(), refine(3)]) {
  Deno.test(`${scheme.kind} trains with TrainSession and is scored by evaluate`, async () => {
    using model = createTrm(spec, config(scheme));
    using session = new TrainSession(model, { totalSteps: 60 });
    const first = (await session.step(batch(0))).loss;
    let last = first;
    for (let s = 1; s < 60; s++) last = (await session.step(batch(s))).loss;
    assert(last < first * 0.7, `${scheme.kind}: loss ${first} -> ${last}`);
    const source = { spec, size: 16, example: (k: number) => example(1000 + k) };
    const r = await evaluate(model, source, session.puzzles, { batchSize: 8 });
    assert(r.accuracy > 0.5, `${scheme.kind}: held-out token accuracy ${r.accuracy}`);
    assertEquals(Object.keys(session.carry!).sort(), [...scheme.states].sort());
  });

  Deno.test(`${scheme.kind}: TrainSession.step and evaluate leak no tensors`, async () => {
    using model = createTrm(spec, config(scheme));
    using session = new TrainSession(model, { totalSteps: 10 });
    let i = 0;
    await assertNoLeak(() => session.step(batch(i++)), 2);
    const source = { spec, size: 4, example };
    await assertNoLeak(() => evaluate(model, source, new PuzzleEmbedding(1, 32), { earlyHalt: true }));
  });
}

Deno.test("HRM builds two networks; its first (L) keeps TRM's parameter names, H is scoped", () => {
  using model = createTrm(spec, config(hrm({ hLayers: 2, lLayers: 1 })));
  const names = model.variables.map((v) => v.name);
  assert(names.some((n) => /(^|\/)block0\/mlp/.test(n) && !n.includes("H/")), names.join());
  assertEquals(names.filter((n) => n.includes("H/block")).length > 0, true);
  assert(names.some((n) => n.includes("H/block1/")), "H has 2 blocks");
  assert(!names.some((n) => /(^|[^H]\/)block1\//.test(n) && !n.includes("H/")), "L has 1 block");
  assertEquals(Object.keys(model.init), ["zH", "zL"]);
});

Deno.test("a scheme with halting 'none' runs every row for all N_sup steps, in training and evaluation", async () => {
  using model = createTrm(spec, config(refine(2), 3));
  // q_halt = +5 everywhere: a q-halt scheme would stop every row after one step.
  namedVariables(model).get("q_head/b")!.assign(tf.tensor1d([5, -5]));
  using session = new TrainSession(model, { totalSteps: 10 });
  const counts: number[] = [];
  for (let s = 0; s < 6; s++) counts.push((await session.step(batch(s))).count);
  assertEquals(counts, [0, 0, 8, 0, 0, 8]);
  const r = await evaluate(model, { spec, size: 4, example }, session.puzzles, { earlyHalt: true });
  assertEquals([...r.stepsUsed], [3, 3, 3, 3]);
});
