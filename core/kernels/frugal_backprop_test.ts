import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { createTrm } from "../model.ts";
import { resolveConfig } from "../config.ts";
import { TrainSession } from "../train_session.ts";
import { frugalBackpropFreed, installFrugalBackprop, uninstallFrugalBackprop } from "./frugal_backprop.ts";
import { mlpMixer } from "../../plugins/mlp_mixer/mod.ts";
import { attention } from "../../plugins/attention/mod.ts";

await initBackend("cpu");

/** A customGrad op whose gradient hands dy unchanged to both inputs (pass-through, handed out twice). */
const passBoth = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a]);
  return { value: tf.add(a, b), gradFunc: (dy: tf.Tensor) => [dy, dy] };
});

/** A customGrad op whose gradient hands dy unchanged to its first input only. */
const passFirst = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b] = args as [tf.Tensor, tf.Tensor];
  return { value: tf.add(a, tf.mul(b, 0.5)), gradFunc: (dy: tf.Tensor) => [dy, tf.mul(dy, 0.5)] };
});

/** A random graph: splits (multi-output), pass-through gradients, reuse of intermediates, broadcasting. */
function graph(ops: number[], x: tf.Tensor, w: tf.Tensor): tf.Scalar {
  let h = tf.matMul(x, w); // [4, 6]
  const kept: tf.Tensor[] = [h];
  for (const op of ops) {
    if (op === 0) h = tf.sin(h);
    else if (op === 1) h = tf.mul(h, kept[kept.length >> 1]!);
    else if (op === 2) {
      const [a, b] = tf.split(h, 2, 1);
      h = tf.concat([tf.mul(a!, 2), tf.tanh(b!)], 1);
    } else if (op === 3) h = passBoth(tf.sin(h), tf.cos(h)) as tf.Tensor; // one dy object for two tensors
    else if (op === 4) h = tf.add(h, tf.sum(h, 0, true));
    else if (op === 5) {
      // Two consumers: p's gradient is a sum (handed out by no closure), then passed through as h's.
      const p = passFirst(h, tf.fill(h.shape, 0.3)) as tf.Tensor;
      h = tf.mul(tf.cos(p), tf.sin(p));
    } else h = tf.matMul(h, tf.transpose(w.slice([0, 0], [6, 6])));
    kept.push(h);
  }
  return tf.sum(tf.square(h));
}

async function grads(ops: number[], frugal: boolean, dy?: number): Promise<number[][]> {
  if (frugal) installFrugalBackprop();
  else uninstallFrugalBackprop();
  const x = tf.tensor(Array.from({ length: 32 }, (_, i) => Math.sin(i)), [4, 8]);
  const w = tf.tensor(Array.from({ length: 48 }, (_, i) => Math.cos(i) / 4), [8, 6]);
  const d = dy === undefined ? undefined : tf.scalar(dy);
  try {
    const { value, grads } = tf.engine().gradients(() => graph(ops, x, w), [x, w], d);
    const out = [[...await value.data()], ...await Promise.all(grads.map(async (g) => [...await g.data()]))];
    tf.dispose([value, ...grads]);
    if (d) assert(!d.isDisposed, "the caller's dy is kept");
    return out;
  } finally {
    tf.dispose([x, w, ...(d ? [d] : [])]);
    installFrugalBackprop();
  }
}

Deno.test("frugal backprop gives bitwise the same gradients and leaks nothing (random graphs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 12 }),
      fc.boolean(),
      async (ops, seedDy) => {
        const dy = seedDy ? 0.5 : undefined;
        const before = tf.memory();
        const want = await grads(ops, false, dy);
        const freed = frugalBackpropFreed();
        const got = await grads(ops, true, dy);
        assertEquals(got, want);
        assert(frugalBackpropFreed() > freed, "the patch disposed nothing");
        assertEquals(tf.memory().numTensors, before.numTensors);
        assertEquals(tf.memory().numDataBuffers, before.numDataBuffers);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("frugal backprop: gradients with respect to an intermediate tensor are kept", () => {
  installFrugalBackprop();
  tf.tidy(() => {
    const x = tf.tensor([1, 2, 3]);
    const { grads } = tf.engine().gradients(() => {
      const h = tf.mul(x, 2);
      return tf.sum(tf.square(h));
    }, [x]);
    assertEquals([...grads[0]!.dataSync()], [8, 16, 24]); // d/dx (2x)^2 = 8x
  });
});

/** Peak live tensor bytes of a training step with and without the patch. */
async function stepPeak(frugal: boolean, mixer: "mlp" | "att") {
  if (frugal) installFrugalBackprop();
  else uninstallFrugalBackprop();
  const spec = { name: "t", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
  const config = resolveConfig({
    mixer: mixer === "mlp" ? mlpMixer() : attention({ heads: 2 }),
    model: { hidden: 32, puzzleEmbLen: 2 },
    recursion: { n: 3, T: 2 },
    optim: { batchSize: 4, warmupSteps: 0 },
  });
  using model = createTrm(spec, config, { seed: 1 });
  using session = new TrainSession(model, { totalSteps: 10 });
  const ex = {
    input: Int32Array.from({ length: 16 }, (_, i) => 1 + (i % 5)),
    label: new Int32Array(16).fill(2),
    puzzleId: 0,
  };
  const rows = Array(4).fill(ex);
  const losses: number[] = [];
  let peak = 0;
  for (let s = 0; s < 2; s++) {
    const info = await tf.profile(async () => {
      losses.push((await session.step(rows)).loss);
      return [];
    });
    peak = Math.max(peak, info.peakBytes);
  }
  const weights = await Promise.all(model.variables.map(async (v) => [...await v.data()]));
  installFrugalBackprop();
  return { losses, weights, peak };
}

for (const mixer of ["mlp", "att"] as const) {
  Deno.test(`frugal backprop: TrainSession steps (${mixer}) are bitwise unchanged at a lower peak`, async () => {
    const plain = await stepPeak(false, mixer), frugal = await stepPeak(true, mixer);
    assertEquals(frugal.losses, plain.losses);
    assertEquals(frugal.weights, plain.weights);
    assert(frugal.peak < 0.8 * plain.peak, `peak ${frugal.peak} vs ${plain.peak}`);
  });
}
