import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  createTrm,
  type Example,
  namedVariables,
  resolveConfig,
  type TokenMixer,
  TrainSession,
} from "../core/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { mixerFromJson, registerMixer } from "../plugins/registry.ts";
import { hrm } from "../plugins/schemes/mod.ts";
import {
  CheckpointError,
  decodeCheckpoint,
  loadCheckpoint,
  restoreSession,
  saveCheckpoint,
} from "./checkpoint.ts";
import { decodeSafetensors } from "./safetensors.ts";
import { testBackend } from "../tests/_helpers.ts";

await testBackend();

const V01 = new URL("./testdata/checkpoint_v0.1", import.meta.url).pathname;
const spec = { name: "copy", vocabSize: 4, seqLen: 4, numPuzzleIds: 3 };
const ex = (id: number): Example => ({
  input: Int32Array.of(1, 2, 3, 1),
  label: Int32Array.of(1, 2, 3, 1),
  puzzleId: id,
});

function tiny(mixer: TokenMixer = mlpMixer()) {
  return resolveConfig({
    mixer,
    model: { hidden: 8, puzzleEmbLen: 1 },
    recursion: { n: 1, T: 2 },
    supervision: { maxSteps: 2 },
    optim: { batchSize: 2, warmupSteps: 0, emaDecay: 0.9 },
  });
}

Deno.test("save, load, restore: the resumed session's state equals the saved one, per-variable steps included", async () => {
  const dir = await Deno.makeTempDir();
  const config = tiny();
  using model = createTrm(spec, config);
  using session = new TrainSession(model, { totalSteps: 4, seed: 3 });
  await session.step([ex(1), ex(2)]);
  await session.step([ex(2), ex(0)]);
  // One more optimizer update that reaches only lm_head: its step count runs ahead of the others'.
  const lmHead = model.variables.findIndex((v) => v.name.startsWith("lm_head#"));
  const g = tf.onesLike(model.variables[lmHead]!);
  session.optimizer.update(model.variables.map((_, i) => (i === lmHead ? g : undefined)), 0.01);
  g.dispose();
  assertEquals(new Set(session.optimizer.steps), new Set([2, 3]));
  const recipe = {
    task: "copy",
    preset: null,
    data: { kind: "generated", size: 2 },
    steps: 4,
    eval: { every: 2, limit: 5 },
    seed: 3,
  };
  await saveCheckpoint(`${dir}/ckpt`, { taskSpec: spec, config, session, seed: 3, recipe });
  using loaded = await loadCheckpoint(`${dir}/ckpt`);
  assertEquals(loaded.meta.recipe, recipe);
  // The loaded model evaluates with the EMA weights (until a session restores the live ones into it).
  const shadows = await session.ema!.state();
  for (const [name, v] of namedVariables(loaded.model)) {
    if (v.trainable) assertEquals(await v.data(), shadows.tensors[name]!.data, name);
  }
  using resumed = new TrainSession(loaded.model, { totalSteps: 4, seed: 99 });
  restoreSession(loaded, resumed);
  assertEquals(await resumed.state(), await session.state());
  assertEquals(resumed.optimizer.steps, session.optimizer.steps);
  // And the two sessions continue identically.
  const [a, b] = [await session.step([ex(0), ex(1)]), await resumed.step([ex(0), ex(1)])];
  assertEquals(b, a);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a format-1 checkpoint written by v0.1 loads, resumes, and re-saves as format 2 with the same tensors", async () => {
  using loaded = await loadCheckpoint(V01);
  assertEquals(loaded.meta.formatVersion, 1);
  assertEquals(loaded.meta.recipe, {
    task: "sudoku",
    preset: "sudoku-small",
    data: { kind: "generated", trainSize: 8, testSize: 4, skipInvalid: false },
    steps: 3,
    eval: { every: 0, limit: null },
    seed: 0,
  });
  using session = new TrainSession(loaded.model, { totalSteps: 3, puzzles: loaded.puzzles });
  restoreSession(loaded, session);
  assertEquals(session.stepCount, 3);
  assert(session.optimizer.steps.every((t) => t === 3), "format 1 kept one step count for all");
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(`${dir}/again`, {
    taskSpec: loaded.meta.taskSpec,
    config: loaded.config,
    session,
    seed: 0,
  });
  const read = async (d: string) =>
    decodeSafetensors(await Deno.readFile(`${d}/tensors.safetensors`)).tensors;
  const [before, after] = [await read(V01), await read(`${dir}/again`)];
  const renamed = (n: string) => (n === "puzzle_emb" ? "puzzle_emb/weights" : n);
  assertEquals([...after.keys()].sort(), [...before.keys()].map(renamed).sort());
  for (const [name, t] of before) assertEquals(after.get(renamed(name))!.data, t.data, name);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a registered third-party mixer loads by name; an unknown one fails in one line naming the field", async () => {
  const dir = await Deno.makeTempDir();
  const custom = (o: Readonly<Record<string, unknown>>): TokenMixer => ({
    ...mlpMixer(o),
    kind: "checkpoint-test-mixer",
  });
  registerMixer("checkpoint-test-mixer", custom);
  const config = tiny(custom({}));
  {
    using model = createTrm(spec, config);
    using session = new TrainSession(model, { totalSteps: 1 });
    await saveCheckpoint(`${dir}/ckpt`, { taskSpec: spec, config, session, seed: 0 });
  }
  {
    using loaded = await loadCheckpoint(`${dir}/ckpt`);
    assertEquals(loaded.config.mixer.kind, "checkpoint-test-mixer");
  }
  // The optional override still wins over the registry.
  const asked: string[] = [];
  using _overridden = await loadCheckpoint(`${dir}/ckpt`, (kind, o) => (asked.push(kind), custom(o)));
  assertEquals(asked, ["checkpoint-test-mixer"]);
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/ckpt/meta.json`));
  meta.config.mixer.kind = "nobody-registered-this";
  const bytes = await Deno.readFile(`${dir}/ckpt/tensors.safetensors`);
  const e = assertThrows(() => decodeCheckpoint(meta, bytes, "x"), CheckpointError);
  assertEquals(e.message.split("\n").length, 1);
  assert(
    e.message.startsWith(`x/meta.json: config.mixer.kind: unknown mixer "nobody-registered-this"`),
    e.message,
  );
  assert(e.message.includes("registerMixer"), e.message);
  assertEquals(mixerFromJson("mlp-mixer", {}).kind, "mlp-mixer");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("restoreSession() on a session of another shape fails in one line naming the checkpoint", async () => {
  using loaded = await loadCheckpoint(V01);
  const other = resolveConfig({ ...tiny(), model: { hidden: 8, layers: 1, puzzleEmbLen: 1 } });
  using model = createTrm(loaded.meta.taskSpec, other);
  using session = new TrainSession(model, { totalSteps: 1 });
  const e = assertThrows(() => restoreSession(loaded, session), CheckpointError);
  assert(e.message.startsWith(`${V01}: cannot resume: `), e.message);
  assertEquals(e.message.split("\n").length, 1);
});

Deno.test("a checkpoint of a plugin recursion scheme (HRM) rebuilds the scheme from the registry", async () => {
  const dir = await Deno.makeTempDir();
  const config = resolveConfig({ ...tiny(), scheme: hrm({ hLayers: 1 }) });
  using model = createTrm(spec, config);
  using session = new TrainSession(model, { totalSteps: 1 });
  await saveCheckpoint(`${dir}/ckpt`, { taskSpec: spec, config, session, seed: 0 });
  using loaded = await loadCheckpoint(`${dir}/ckpt`);
  assertEquals([loaded.config.scheme.kind, loaded.config.scheme.options], ["hrm", { hLayers: 1 }]);
  for (const [name, v] of namedVariables(model)) {
    assertEquals(await namedVariables(loaded.model).get(name)!.data(), await v.data(), name);
  }
  await Deno.remove(dir, { recursive: true });
});
