import * as tf from "@tensorflow/tfjs-core";
import { assertEquals, assertNotEquals } from "@std/assert";
import { createTrm, namedVariables } from "./model.ts";
import { resolveConfig } from "./config.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { assertNoLeak, testBackend } from "../tests/_helpers.ts";

await testBackend();

const count = (spec: { vocabSize: number; seqLen: number }, mixer: ReturnType<typeof mlpMixer>) => {
  using m = createTrm({ name: "t", numPuzzleIds: 1, ...spec }, resolveConfig({ mixer }));
  return m.variables.reduce((n, v) => n + v.size, 0);
};

Deno.test("createTrm() has the reference parameter counts (puzzle table excluded)", () => {
  assertEquals(count({ vocabSize: 11, seqLen: 81 }, mlpMixer()), 5_028_866); // Sudoku-MLP
  assertEquals(count({ vocabSize: 11, seqLen: 81 }, attention()), 6_828_034); // Sudoku-Att
  assertEquals(count({ vocabSize: 6, seqLen: 900 }, attention()), 6_822_914); // Maze-Att
  assertEquals(count({ vocabSize: 12, seqLen: 900 }, attention()), 6_829_058); // ARC-Att
});

Deno.test("createTrm() initialises q_head to weight 0 / bias -5 and keeps y/z init out of training", async () => {
  using m = createTrm(
    { name: "t", vocabSize: 5, seqLen: 4, numPuzzleIds: 1 },
    resolveConfig({ mixer: mlpMixer(), model: { hidden: 16 } }),
  );
  const named = namedVariables(m);
  assertEquals([...await named.get("q_head/b")!.data()], [-5, -5]);
  assertEquals((await named.get("q_head/w")!.data()).every((v) => v === 0), true);
  assertEquals(m.variables.includes(named.get("y_init")!), false);
  assertEquals(named.get("y_init")!.trainable, false);
  const { qHalt, qContinue } = m.heads(tf.randomNormal([3, 20, 16]) as tf.Tensor3D);
  assertEquals([...await qHalt.data()], [-5, -5, -5]);
  assertEquals([...await qContinue.data()], [-5, -5, -5]);
  // q_continue is the second column of q_head.
  named.get("q_head/b")!.assign(tf.tensor1d([-5, 2]));
  const h = m.heads(tf.randomNormal([1, 20, 16]) as tf.Tensor3D);
  assertEquals([[...await h.qHalt.data()], [...await h.qContinue.data()]], [[-5], [2]]);
});

Deno.test("createTrm() is deterministic in its seed", async () => {
  const spec = { name: "t", vocabSize: 5, seqLen: 4, numPuzzleIds: 1 };
  const config = resolveConfig({ mixer: attention({ heads: 2 }), model: { hidden: 8 } });
  using a = createTrm(spec, config, { seed: 1 });
  using b = createTrm(spec, config, { seed: 1 });
  using c = createTrm(spec, config, { seed: 2 });
  const first = async (m: typeof a) => [...await m.variables[1]!.data()];
  assertEquals(await first(a), await first(b));
  assertNotEquals(await first(a), await first(c));
});

Deno.test("Trm.embed() puts the puzzle row at prefix 0, zeros after it, and scales by sqrt(D)", async () => {
  const D = 16;
  using m = createTrm(
    { name: "t", vocabSize: 5, seqLen: 3, numPuzzleIds: 1 },
    resolveConfig({ mixer: mlpMixer(), model: { hidden: D, puzzleEmbLen: 4 } }),
  );
  const rows = tf.fill([1, D], 0.5) as tf.Tensor2D;
  const x = await m.embed(tf.tensor2d([[1, 2, 3]], [1, 3], "int32"), rows).array();
  assertEquals(x[0]![0]![0], 0.5 * Math.sqrt(D));
  assertEquals(x[0]!.slice(1, 4).flat().every((v) => v === 0), true);
  const E = await namedVariables(m).get("embed_tokens")!.array() as number[][];
  assertEquals(Math.abs(x[0]![4]![3]! - E[1]![3]! * Math.sqrt(D)) < 1e-5, true);
});

Deno.test("Trm.f() and heads() leak no tensors", async () => {
  using m = createTrm(
    { name: "t", vocabSize: 5, seqLen: 4, numPuzzleIds: 1 },
    resolveConfig({ mixer: attention({ heads: 2 }), model: { hidden: 8 } }),
  );
  const h = tf.randomNormal([2, 20, 8]) as tf.Tensor3D;
  await assertNoLeak(() => {
    const y = m.f(h, h);
    const out = m.heads(y);
    tf.dispose([y, out.logits, out.qHalt, out.qContinue]);
  });
  h.dispose();
});
