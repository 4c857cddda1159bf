import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import { installWasmAtan2, uninstallWasmAtan2 } from "./wasm_atan2.ts";

await initBackend("wasm", { nativeBlas: "off" });

/** atan2 of two flat float32 arrays, with the SIMD kernel installed or tfjs's own. */
async function atan2Of(y: Float32Array, x: Float32Array, simd: boolean): Promise<Float32Array> {
  if (simd) assert(installWasmAtan2());
  else uninstallWasmAtan2();
  const [ty, tx] = [tf.tensor1d(y), tf.tensor1d(x)];
  const r = tf.atan2(ty, tx);
  const out = await r.data() as Float32Array;
  tf.dispose([ty, tx, r]);
  return out;
}

function assertSameBits(y: Float32Array, x: Float32Array, got: Float32Array, want: Float32Array): void {
  got.forEach((v, i) => assert(Object.is(v, want[i]), `atan2(${y[i]}, ${x[i]}): ${v} vs tfjs ${want[i]}`));
}

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  1e-30,
  -1e-30,
  1e-45,
  3e38,
  -3e38,
  Infinity,
  -Infinity,
  NaN,
  0.4375,
  0.6875,
  1.1875,
  2.4375,
];

Deno.test("wasm Atan2 is bit-identical to tfjs's (musl atan2f): every interval, quadrant and special value", async () => {
  // Every pair of special values (zeros, infinities, NaN, the interval edges, x = 1), in every lane position.
  const pairs = SPECIAL.flatMap((a) => SPECIAL.map((b) => [a, b]));
  for (const shift of [0, 1, 2, 3]) {
    const y = new Float32Array(pairs.length + shift), x = new Float32Array(pairs.length + shift).fill(2);
    pairs.forEach(([a, b], i) => (y[i + shift] = a!, x[i + shift] = b!));
    assertSameBits(y, x, await atan2Of(y, x, true), await atan2Of(y, x, false));
  }
  await fc.assert(
    fc.asyncProperty(
      fc.float32Array({ minLength: 1, maxLength: 67 }),
      fc.float32Array({ minLength: 67, maxLength: 67 }),
      async (y, xs) => {
        const x = xs.slice(0, y.length);
        assertSameBits(y, x, await atan2Of(y, x, true), await atan2Of(y, x, false));
      },
    ),
    { numRuns: 300 },
  );
  // Finite, x != 1 (the four-lane path): ratios across every reduction interval and past both of atanf's
  // ends (2^-12, 2^26) and atan2f's (2^+-26), both signs of both arguments, and AdamATan2-like values.
  const n = 8192, y = new Float32Array(n), x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = 2 ** (((i * 37) % 90) - 45) * (1 + (i % 7) / 7);
    y[i] = (i & 1 ? -1 : 1) * r * (i % 5 === 0 ? 0 : 1);
    x[i] = (i & 2 ? -1 : 1) * (0.75 + (i % 11) / 13);
  }
  const m = tf.randomNormal([n], 0, 1e-3, "float32", 7),
    v = tf.abs(tf.randomNormal([n], 0, 1e-3, "float32", 8));
  const [ay, ax] = [await m.data() as Float32Array, await v.data() as Float32Array];
  tf.dispose([m, v]);
  for (const [yy, xx] of [[y, x], [ay, ax]] as const) {
    assertSameBits(yy, xx, await atan2Of(yy, xx, true), await atan2Of(yy, xx, false));
  }
  installWasmAtan2();
});

Deno.test("wasm Atan2 still broadcasts (tfjs's kernel) and leaves no tensor behind", async () => {
  installWasmAtan2();
  const y = tf.tensor2d([[1, -1], [0, 2]]), one = tf.scalar(1), x = tf.onesLike(y);
  const before = tf.memory();
  for (let i = 0; i < 3; i++) {
    const [r, s] = [tf.atan2(y, one), tf.atan2(y, x)]; // broadcast (tfjs's kernel), same shape (ours)
    assertEquals(r.shape, [2, 2]);
    const v = await r.data();
    assert(Math.abs(v[0]! - Math.PI / 4) < 1e-6 && v[2] === 0, String(v));
    assertEquals([...await s.data()], [...v]);
    tf.dispose([r, s]);
  }
  assertEquals(tf.memory().numTensors, before.numTensors);
  assertEquals(tf.memory().numBytes, before.numBytes);
  tf.dispose([y, one, x]);
});
