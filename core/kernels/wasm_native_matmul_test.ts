import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initBackend } from "../backend.ts";
import { openNativeBlas } from "./native_blas.ts";
import {
  installNativeMatMul,
  nativeMatMulLibrary,
  planMatMul,
  uninstallNativeMatMul,
} from "./wasm_native_matmul.ts";
import { installWasmKernels, uninstallWasmKernels } from "./wasm_batch_matmul.ts";

await initBackend("wasm", { nativeBlas: "off" });
const { blas, reason } = openNativeBlas() as {
  blas: ReturnType<typeof openNativeBlas>["blas"];
  reason?: string;
};
// CI installs OpenBLAS and sets TRM_REQUIRE_BLAS=1: there a missing library is a failure, not a skip.
const required = Deno.env.get("TRM_REQUIRE_BLAS") === "1";
if (!blas && !required) {
  // deno-lint-ignore no-console
  console.log(`skip: native BLAS parity tests (${reason}; install libopenblas0-pthread)`);
}
const ignore = !blas && !required;

/** Seeded uniform values in [-1, 1). */
function values(size: number, seed: number): Float32Array {
  const v = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) v[i] = ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return v;
}

/** A reference on `backend` with the batch dims broadcast explicitly (tfjs's own kernels index them modulo). */
async function reference(
  backend: "cpu" | "wasm",
  av: Float32Array,
  sa: number[],
  bv: Float32Array,
  sb: number[],
  ta: boolean,
  tb: boolean,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(sa.slice(0, -2), sb.slice(0, -2));
  const out = tf.tidy(() =>
    tf.matMul(
      tf.broadcastTo(tf.tensor(av, sa), [...outer, ...sa.slice(-2)]),
      tf.broadcastTo(tf.tensor(bv, sb), [...outer, ...sb.slice(-2)]),
      ta,
      tb,
    )
  );
  const data = (await out.data()) as Float32Array;
  out.dispose();
  await tf.setBackend("wasm");
  return data;
}

async function native(
  av: Float32Array,
  sa: number[],
  bv: Float32Array,
  sb: number[],
  ta: boolean,
  tb: boolean,
) {
  installNativeMatMul(blas!);
  try {
    const out = tf.tidy(() => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb));
    const shape = out.shape, data = (await out.data()) as Float32Array;
    out.dispose();
    return { shape, data };
  } finally {
    uninstallNativeMatMul();
  }
}

function assertClose(got: Float32Array, want: Float32Array, what: string) {
  assertEquals(got.length, want.length, what);
  got.forEach((v, i) =>
    assert(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${what} @${i}: ${v} vs ${want[i]}`)
  );
}

/** Batch shapes of A and B: none, equal, one side 1 or missing, NumPy broadcasting across both. */
const batchShapes = fc.constantFrom<[number[], number[]]>(
  [[], []],
  [[3], [3]],
  [[2, 3], [2, 3]],
  [[4], []],
  [[], [4]],
  [[2, 3], [1]],
  [[1, 3], [2, 1]],
  [[2, 1], [1, 3]],
  [[3], [2, 1]],
  [[1], [1]],
);

Deno.test({
  name: "native BatchMatMul equals the wasm and cpu kernels (shapes, transposes, batch broadcasting)",
  ignore,
  fn: async () => {
    assert(blas, `TRM_REQUIRE_BLAS=1 but no native BLAS: ${reason}`);
    await fc.assert(
      fc.asyncProperty(
        batchShapes,
        fc.constantFrom(1, 2, 7, 16, 33),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 3, 8, 31),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        async ([lead, leadB], m, k, n, ta, tb, seed) => {
          const sa = [...lead, ...(ta ? [k, m] : [m, k])], sb = [...leadB, ...(tb ? [n, k] : [k, n])];
          const av = values(tf.util.sizeFromShape(sa), seed),
            bv = values(tf.util.sizeFromShape(sb), seed + 7);
          const got = await native(av, sa, bv, sb, ta, tb);
          const outer = tf.broadcast_util.assertAndGetBroadcastShape(lead, leadB);
          assertEquals(got.shape, [...outer, m, n]);
          const what = `${sa}x${sb} ta=${ta} tb=${tb}`;
          assertClose(got.data, await reference("wasm", av, sa, bv, sb, ta, tb), `${what} vs wasm`);
          assertClose(got.data, await reference("cpu", av, sa, bv, sb, ta, tb), `${what} vs cpu`);
        },
      ),
      { numRuns: 80 },
    );
  },
});

Deno.test({
  name: "native BatchMatMul: zero-sized operands give empty or zero outputs",
  ignore,
  fn: async () => {
    const k0 = await native(new Float32Array(0), [3, 0], new Float32Array(0), [0, 2], false, false);
    assertEquals([k0.shape, [...k0.data]], [[3, 2], [0, 0, 0, 0, 0, 0]]);
    const m0 = await native(new Float32Array(0), [2, 0, 4], values(12, 1), [4, 3], false, false);
    assertEquals([m0.shape, m0.data.length], [[2, 0, 3], 0]);
  },
});

Deno.test({
  name: "native BatchMatMul: gradients through it equal the wasm kernel's",
  ignore,
  fn: () => {
    // (tfjs's BatchMatMul gradient does not reduce broadcast batch dims, so both sides share them.)
    for (
      const [sa, sb, ta, tb] of [[[10, 7], [7, 4], false, false], [[2, 7, 5], [2, 4, 7], true, true]] as const
    ) {
      const a = tf.tensor(values(tf.util.sizeFromShape([...sa]), 3), [...sa]);
      const w = tf.tensor(values(tf.util.sizeFromShape([...sb]), 4), [...sb]);
      const grads = () =>
        tf.tidy(() => {
          const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))));
          return g([a, w]).map((t) => t.dataSync() as Float32Array);
        });
      const want = grads();
      installNativeMatMul(blas!);
      const got = grads();
      uninstallNativeMatMul();
      assertClose(got[0]!, want[0]!, `dA ${sa}`);
      assertClose(got[1]!, want[1]!, `dB ${sb}`);
      tf.dispose([a, w]);
    }
  },
});

Deno.test({
  name: "native BatchMatMul leaks no tensors or backend buffers; uninstall restores XNNPACK",
  ignore,
  fn: () => {
    const a = tf.ones([4, 3, 5]), b = tf.ones([4, 6, 5]);
    installNativeMatMul(blas!);
    installNativeMatMul(blas!); // replaces itself, does not stack
    tf.matMul(a, b, false, true).dispose();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.matMul(a, b, false, true).dispose();
    assertEquals(tf.memory().numTensors, before.numTensors);
    assertEquals(tf.memory().numDataBuffers, before.numDataBuffers);
    assertEquals(nativeMatMulLibrary(), blas);
    uninstallWasmKernels(); // removes the native kernel on top of it too
    assertEquals(nativeMatMulLibrary(), null);
    installWasmKernels();
    tf.dispose([a, b]);
  },
});

Deno.test("planMatMul() broadcasts batch dims like NumPy and folds a shared B", () => {
  const p = planMatMul([2, 1, 5, 3], [1, 4, 3, 7], false, false);
  assertEquals(p.outShape, [2, 4, 5, 7]);
  assertEquals([...p.aIndex], [0, 0, 0, 0, 1, 1, 1, 1]);
  assertEquals([...p.bIndex], [0, 1, 2, 3, 0, 1, 2, 3]);
  assertEquals(p.fold, false);
  assertEquals(planMatMul([6, 5, 3], [3, 7], false, false).fold, true);
  assertEquals(planMatMul([6, 3, 5], [3, 7], true, false).fold, false);
  assertThrows(() => planMatMul([5, 3], [4, 7], false, false), Error, "inner shapes (3) and (4)");
});
