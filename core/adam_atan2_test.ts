import * as tf from "@tensorflow/tfjs-core";
import { assert, assertAlmostEquals, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { AdamAtan2 } from "./adam_atan2.ts";
import { type OwnerState, StateError } from "./state.ts";
import { testBackend } from "../tests/_helpers.ts";
import { initBackend } from "./backend.ts";

await testBackend();

Deno.test("AdamAtan2.update() matches the reference formula over three steps", async () => {
  const w0 = [0.5, -1.5, 2], grads = [[0.1, -0.2, 0.3], [-0.4, 0.1, 0.05], [0.2, 0.2, -0.1]];
  const lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.95;
  const w = tf.variable(tf.tensor1d(w0));
  using opt = new AdamAtan2([w], { betas: [b1, b2], weightDecay: wd });
  const ref = [...w0], m = [0, 0, 0], v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = grads[t - 1]!;
    opt.update([tf.tensor1d(g)], lr);
    for (let i = 0; i < 3; i++) {
      ref[i] = ref[i]! * (1 - lr * wd); // decoupled decay first
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      ref[i] = ref[i]! - lr * Math.atan2(m[i]! / (1 - b1 ** t), Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t));
    }
  }
  const got = await w.data();
  ref.forEach((r, i) => assertAlmostEquals(got[i]!, r, 1e-6));
});

Deno.test("AdamAtan2.update() leaves a weight that never had a gradient unchanged but for decay", async () => {
  // On the cpu and wasm backends, which skip the mask and rely on IEEE atan2(0, 0) = 0, and on the
  // test backend (the mask where it is not one of them).
  for (const backend of ["cpu", "wasm", null] as const) {
    if (backend) await initBackend(backend, { nativeBlas: "off" });
    else await testBackend();
    const w = tf.variable(tf.tensor1d([0.5, 0.5, -0.5]));
    using opt = new AdamAtan2([w], { betas: [0.9, 0.95], weightDecay: 0 });
    for (let i = 0; i < 3; i++) opt.update([tf.tensor1d([0, 1, -0])], 0.1);
    const got = await w.data();
    const on = `on ${tf.getBackend()}`;
    assertEquals(got[0], 0.5, on); // atan2(0, 0) must count as 0 (WGSL leaves it unspecified)
    assertAlmostEquals(got[1]!, 0.5 - 0.3 * Math.PI / 4, 1e-6, on);
    assertEquals(got[2], -0.5, on); // a -0 gradient: atan2(-0, 0) = -0
    w.dispose();
  }
});

Deno.test("AdamAtan2.update() moves a weight whose v underflowed to 0 while m did not, by lr * pi/2", async () => {
  // g = 1e-30: g^2 = 1e-60 underflows to 0 in float32, m = 0.1 g does not. The official kernel gives
  // atan2(m_hat, 0) = pi/2; masking on v > 0 alone would leave the weight where it was.
  const w = tf.variable(tf.tensor1d([0.5, 0.5]));
  using opt = new AdamAtan2([w], { betas: [0.9, 0.95], weightDecay: 0 });
  const g = tf.tensor1d([1e-30, -1e-30]);
  opt.update([g], 0.1);
  const { m, v } = await momentsOf(opt);
  assert(m.every((x) => x !== 0) && v.every((x) => x === 0), `m ${m}, v ${v}: not the underflow case`);
  const got = await w.data();
  assertAlmostEquals(got[0]!, 0.5 - 0.1 * Math.PI / 2, 1e-6);
  assertAlmostEquals(got[1]!, 0.5 + 0.1 * Math.PI / 2, 1e-6);
  tf.dispose([g, w]);
});

Deno.test("AdamAtan2 keeps a step count per variable: t advances only with a gradient", async () => {
  const lr = 0.01, b1 = 0.9, b2 = 0.95;
  const a = tf.variable(tf.tensor1d([1])), b = tf.variable(tf.tensor1d([1]));
  using opt = new AdamAtan2([a, b], { betas: [b1, b2], weightDecay: 0 });
  const g = tf.tensor1d([0.3]);
  opt.update([g, undefined], lr); // b has no gradient: no step, no decay, t stays 0
  opt.update([g, g], lr); // b's first step: t = 1, so its update is lr * atan2(g, |g|) = lr * pi/4
  assertEquals(opt.steps, [2, 1]);
  assertAlmostEquals((await b.data())[0]!, 1 - lr * Math.PI / 4, 1e-7);
  // a took two steps with t = 1, 2.
  let m = 0, v = 0, ref = 1;
  for (let t = 1; t <= 2; t++) {
    m = b1 * m + (1 - b1) * 0.3;
    v = b2 * v + (1 - b2) * 0.09;
    ref -= lr * Math.atan2(m / (1 - b1 ** t), Math.sqrt(v) / Math.sqrt(1 - b2 ** t));
  }
  assertAlmostEquals((await a.data())[0]!, ref, 1e-7);
  tf.dispose([g, a, b]);
});

Deno.test("AdamAtan2.state() / load() round-trips moments and per-variable steps; bad states fail in one line", async () => {
  const make =
    () => [tf.variable(tf.tensor1d([1, 2]), true, "p/a"), tf.variable(tf.tensor2d([[3]]), true, "p/b")];
  const [a, b] = make();
  using opt = new AdamAtan2([a!, b!], { betas: [0.9, 0.95], weightDecay: 0.1 });
  const ga = tf.tensor1d([0.1, -0.2]), gb = tf.tensor2d([[0.4]]);
  opt.update([ga, gb], 0.01);
  opt.update([ga, undefined], 0.01);
  const saved = await opt.state();
  assertEquals(Object.keys(saved.tensors).sort(), ["m/p/a", "m/p/b", "v/p/a", "v/p/b"]);
  assertEquals(saved.json, { steps: { "p/a": 2, "p/b": 1 } });
  tf.dispose([a!, b!]);
  const [a2, b2] = make();
  using back = new AdamAtan2([a2!, b2!], { betas: [0.9, 0.95], weightDecay: 0.1 });
  back.load(saved);
  assertEquals(back.steps, [2, 1]);
  assertEquals(await back.state(), saved);
  const bad: [OwnerState, string][] = [
    [
      { tensors: { ...saved.tensors, "m/p/c": saved.tensors["m/p/b"]! }, json: saved.json },
      'unexpected tensor "m/p/c"',
    ],
    [
      { tensors: { ...saved.tensors, "v/p/a": { shape: [3], data: new Float32Array(3) } }, json: saved.json },
      'tensor "v/p/a" has shape [3]',
    ],
    [
      { tensors: saved.tensors, json: { steps: { "p/a": 2, "p/b": -1 } } },
      'steps["p/b"]: expected an integer >= 0',
    ],
    [{ tensors: saved.tensors, json: {} }, "steps: expected an object"],
  ];
  for (const [state, message] of bad) {
    const e = assertThrows(() => back.load(state), StateError);
    assertStringIncludes(e.message, message);
    assertEquals(e.message.split("\n").length, 1);
  }
  tf.dispose([ga, gb, a2!, b2!]);
});

async function momentsOf(opt: AdamAtan2): Promise<{ m: number[]; v: number[] }> {
  const s = await opt.state();
  const one = (prefix: string) =>
    Object.entries(s.tensors).filter(([n]) => n.startsWith(prefix)).flatMap(([, t]) => [...t.data]);
  return { m: one("m/"), v: one("v/") };
}
