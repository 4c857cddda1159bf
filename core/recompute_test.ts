import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "./backend.ts";
import { resolveConfig } from "./config.ts";
import type { TokenMixer } from "./mixer.ts";
import { createTrm } from "./model.ts";
import { TrainSession } from "./train_session.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { assertNoLeak } from "../tests/_helpers.ts";

await initBackend("cpu");

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
const example = (k: number) => {
  const input = Int32Array.from({ length: 6 }, (_, i) => 1 + ((i * 7 + k) % 4));
  return { input, label: input.map((t) => 1 + (t % 4)), puzzleId: k % 3 };
};

function session(mixer: TokenMixer, recompute: boolean, n = 3) {
  const config = resolveConfig({
    mixer,
    model: { hidden: 16, puzzleEmbLen: 2 },
    recursion: { n, T: 2 },
    supervision: { maxSteps: 2 },
    optim: { batchSize: 2, warmupSteps: 0, lr: 1e-2, emaDecay: 0.9, recompute },
  });
  const model = createTrm(spec, config, { seed: 1 });
  return { model, session: new TrainSession(model, { totalSteps: 10, seed: 1 }) };
}

async function run(mixer: () => TokenMixer, recompute: boolean) {
  const { model, session: s } = session(mixer(), recompute);
  try {
    const losses: number[] = [];
    for (let k = 0; k < 4; k++) losses.push((await s.step([example(2 * k), example(2 * k + 1)])).loss);
    const weights = await Promise.all(model.variables.map(async (v) => Array.from(await v.data())));
    const carry = Array.from(await s.carry!.z!.data());
    return { losses, weights, carry, puzzles: Array.from(s.puzzles.weights) };
  } finally {
    s[Symbol.dispose]();
    model.dispose();
  }
}

const close = (a: number, b: number, tol: number) =>
  Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

for (
  const [name, mixer] of [["mlp-mixer", () => mlpMixer()], [
    "attention",
    () => attention({ heads: 2 }),
  ]] as const
) {
  Deno.test(`recompute gives plain reverse mode's losses, weights, carry and puzzle table (${name})`, async () => {
    const plain = await run(mixer, false), re = await run(mixer, true);
    plain.losses.forEach((l, i) =>
      assert(close(l, re.losses[i]!, 1e-5), `loss ${i}: ${l} vs ${re.losses[i]}`)
    );
    let worst = 0;
    plain.weights.forEach((w, i) =>
      w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - re.weights[i]![j]!))))
    );
    assert(worst < 1e-5, `weights differ by up to ${worst}`);
    plain.carry.forEach((v, i) => assert(close(v, re.carry[i]!, 1e-4), `carry ${i}`));
    plain.puzzles.forEach((v, i) => assert(close(v, re.puzzles[i]!, 1e-5), `puzzle table ${i}`));
    assert(plain.losses.some((l, i) => l !== plain.losses[i + 1]), "training moved");
  });
}

Deno.test("recompute lowers the peak memory of a step and leaks nothing", async () => {
  const peak = async (recompute: boolean) => {
    const { model, session: s } = session(mlpMixer(), recompute, 6);
    try {
      await s.step([example(0), example(1)]);
      const info = await tf.profile(async () => {
        await s.step([example(2), example(3)]);
        return [];
      });
      if (recompute) await assertNoLeak(() => s.step([example(4), example(5)]));
      return info.peakBytes - tf.memory().numBytes;
    } finally {
      s[Symbol.dispose]();
      model.dispose();
    }
  };
  const plain = await peak(false), re = await peak(true);
  assert(re < plain / 2, `peak step memory ${re} B with recompute vs ${plain} B without`);
  assertEquals(typeof plain, "number");
});
