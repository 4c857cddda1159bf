/**
 * Owners give their memory back: 100 create/dispose cycles of a model, of an optimizer and EMA on a model,
 * of a training session, and 100 load/restore/dispose cycles of one saved checkpoint each end with exactly
 * the tensor count and bytes they started with, on the cpu and wasm backends. (One cycle leaking one
 * tensor would show as 100.)
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertEquals } from "@std/assert";
import {
  AdamAtan2,
  createTrm,
  Ema,
  type Example,
  initBackend,
  resolveConfig,
  type TokenMixer,
  TrainSession,
  type TrmConfig,
} from "../core/mod.ts";
import { loadCheckpoint, restoreSession, saveCheckpoint } from "../io/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

const CYCLES = 100;
const spec = { name: "copy", vocabSize: 4, seqLen: 4, numPuzzleIds: 3 };

function config(mixer: TokenMixer): TrmConfig {
  return resolveConfig({
    mixer,
    model: { hidden: 8, puzzleEmbLen: 1 },
    recursion: { n: 1, T: 2 },
    supervision: { maxSteps: 2 },
    optim: { batchSize: 2, warmupSteps: 0, emaDecay: 0.9 },
  });
}

/** Runs `cycle` CYCLES times and requires tf.memory()'s tensor count and bytes to end where they began. */
async function assertGivesBack(cycle: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory();
  for (let i = 0; i < CYCLES; i++) await cycle();
  const after = tf.memory();
  assertEquals(
    { numTensors: after.numTensors, numBytes: after.numBytes },
    { numTensors: before.numTensors, numBytes: before.numBytes },
    `${CYCLES} cycles left ${after.numTensors - before.numTensors} tensors, ${
      after.numBytes - before.numBytes
    } bytes behind`,
  );
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`createTrm() then dispose() gives back every tensor and byte (${backend})`, async () => {
    await initBackend(backend);
    for (const mixer of [mlpMixer(), attention({ heads: 2 })]) {
      const c = config(mixer);
      await assertGivesBack(() => createTrm(spec, c).dispose());
    }
  });

  Deno.test(`AdamAtan2 + Ema on a model: create, save, load, dispose give back everything (${backend})`, async () => {
    await initBackend(backend);
    using model = createTrm(spec, config(mlpMixer()));
    const betas = [0.9, 0.95] as const;
    await assertGivesBack(async () => {
      using opt = new AdamAtan2(model.variables, { betas, weightDecay: 0.1 });
      using ema = new Ema(model.variables, 0.9);
      ema.update();
      opt.load(await opt.state());
      ema.load(await ema.state());
    });
  });

  Deno.test(`TrainSession: create then dispose gives back every tensor and byte (${backend})`, async () => {
    await initBackend(backend);
    using model = createTrm(spec, config(mlpMixer()));
    await assertGivesBack(() => new TrainSession(model, { totalSteps: 1 }).dispose());
  });

  Deno.test(`checkpoint: load, restore a session, dispose gives back everything (${backend})`, async () => {
    await initBackend(backend);
    const dir = await Deno.makeTempDir();
    try {
      const c = config(mlpMixer());
      {
        using model = createTrm(spec, c);
        using session = new TrainSession(model, { totalSteps: 2 });
        const ex: Example = {
          input: Int32Array.of(1, 2, 3, 1),
          label: Int32Array.of(1, 2, 3, 1),
          puzzleId: 2,
        };
        await session.step([ex, ex]); // so that the carry, moments and table are non-trivial
        await saveCheckpoint(`${dir}/ckpt`, { taskSpec: spec, config: c, session, seed: 0 });
      }
      await assertGivesBack(async () => {
        using loaded = await loadCheckpoint(`${dir}/ckpt`);
        using session = new TrainSession(loaded.model, { totalSteps: 2, puzzles: loaded.puzzles });
        restoreSession(loaded, session);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
