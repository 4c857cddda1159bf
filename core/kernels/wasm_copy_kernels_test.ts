import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { assertEquals } from "@std/assert";
import { initBackend } from "../backend.ts";
import {
  installWasmCopyKernels,
  sliceInto,
  tileInto,
  transposeInto,
  uninstallWasmCopyKernels,
} from "./wasm_copy_kernels.ts";

await initBackend("wasm", { nativeBlas: "off" });

const dtypes = fc.constantFrom<"float32" | "int32" | "bool">("float32", "int32", "bool");
const shapes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 });

function make(shape: number[], dtype: "float32" | "int32" | "bool", seed: number): tf.Tensor {
  const n = tf.util.sizeFromShape(shape);
  const v = Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 201) - 100);
  return dtype === "bool" ? tf.tensor(v.map((x) => x > 0), shape, "bool") : tf.tensor(v, shape, dtype);
}

/** `op` with the original kernels and with the overrides: shapes, dtypes and values must be equal. */
async function same(op: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const run = async () => {
    const out = tf.tidy(op);
    const list = Array.isArray(out) ? out : [out];
    const r = await Promise.all(
      list.map(async (t) => ({ shape: t.shape, dtype: t.dtype, v: [...await t.data()] })),
    );
    tf.dispose(list);
    return r;
  };
  uninstallWasmCopyKernels();
  const want = await run();
  installWasmCopyKernels();
  const got = await run();
  assertEquals(got, want);
}

Deno.test("wasm Slice override equals the original kernel (ranks 1-5, all dtypes, any begin/size)", async () => {
  await fc.assert(
    fc.asyncProperty(
      shapes,
      dtypes,
      fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      async (shape, dt, r) => {
        const begin = shape.map((d, i) => r[i]! % d);
        const size = shape.map((d, i) => 1 + (r[i + 5]! % (d - begin[i]!)));
        const x = make(shape, dt, r[0]!);
        try {
          await same(() => tf.slice(x, begin, size));
        } finally {
          x.dispose();
        }
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("wasm SplitV override equals the original kernel (even and sized splits on every axis)", async () => {
  await fc.assert(
    fc.asyncProperty(shapes, dtypes, fc.nat(), fc.boolean(), async (shape, dt, seed, even) => {
      const axis = seed % shape.length, d = shape[axis]!;
      const x = make(shape, dt, seed);
      try {
        await same(() => tf.split(x, even ? 1 : [d - 1 >= 1 ? d - 1 : 1, ...(d > 1 ? [1] : [])], axis));
      } finally {
        x.dispose();
      }
    }),
    { numRuns: 100 },
  );
});

Deno.test("wasm Tile override equals the original kernel (broadcasts and general reps)", async () => {
  await fc.assert(
    fc.asyncProperty(
      shapes,
      dtypes,
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 5, maxLength: 5 }),
      async (shape, dt, reps) => {
        fc.pre(tf.util.sizeFromShape(shape.map((d, i) => d * reps[i]!)) <= 50_000);
        const x = make(shape, dt, 3);
        try {
          await same(() => tf.tile(x, reps.slice(0, shape.length)));
          await same(() => tf.broadcastTo(x, shape.map((d, i) => (d === 1 ? reps[i]! : d))));
        } finally {
          x.dispose();
        }
      },
    ),
    { numRuns: 100, maxSkipsPerRun: 1000 },
  );
  const col = make([64, 1, 1], "bool", 1), row = make([1, 1, 64], "float32", 2);
  await same(() => tf.broadcastTo(col, [64, 32, 64]));
  await same(() => tf.broadcastTo(row, [64, 32, 64]));
  tf.dispose([col, row]);
});

Deno.test("wasm Transpose override equals the original kernel (last-two swaps with short and long rows, other perms)", async () => {
  await fc.assert(
    fc.asyncProperty(shapes, dtypes, fc.integer({ min: 0, max: 1000 }), async (shape, dt, seed) => {
      const x = make(shape, dt, seed), k = shape.length;
      const swap = [...shape.keys()].map((i) => (i === k - 2 ? k - 1 : i === k - 1 ? k - 2 : i));
      try {
        await same(() => tf.transpose(x, k >= 2 ? swap : [0]));
        await same(() => tf.transpose(x)); // the full reversal: the original kernel
      } finally {
        x.dispose();
      }
    }),
    { numRuns: 100 },
  );
  // Tile edges: rows and columns not multiples of 16, a batch, and a row of 256 (tfjs's own loop).
  for (const shape of [[3, 33, 17], [2, 16, 16], [1, 97, 5], [2, 3, 256], [40, 20]]) {
    const x = make(shape, "float32", 5), k = shape.length;
    const perm = [...shape.keys()].map((i) => (i === k - 2 ? k - 1 : i === k - 1 ? k - 2 : i));
    await same(() => tf.transpose(x, perm));
    x.dispose();
  }
});

Deno.test("wasm Identity override shares the buffer, frees it with the last owner, and keeps values", async () => {
  installWasmCopyKernels();
  const before = tf.memory();
  const x = tf.tensor([1, 2, 3]);
  const y = tf.clone(x);
  assertEquals(tf.memory().numDataBuffers, before.numDataBuffers + 1, "one buffer for both");
  x.dispose();
  assertEquals([...await y.data()], [1, 2, 3]);
  y.dispose();
  assertEquals(tf.memory().numDataBuffers, before.numDataBuffers);
  assertEquals(tf.memory().numBytes, before.numBytes);
});

Deno.test("wasm Cast override shares the buffer for the same dtype and converts otherwise", async () => {
  installWasmCopyKernels();
  const before = tf.memory();
  const x = tf.tensor([1.5, -2, 0]);
  const y = tf.cast(x, "float32"); // what every mul gradient asks for
  assertEquals(tf.memory().numDataBuffers, before.numDataBuffers + 1, "one buffer for both");
  x.dispose();
  assertEquals([...await y.data()], [1.5, -2, 0]);
  y.dispose();
  assertEquals(tf.memory().numBytes, before.numBytes);
  for (const to of ["int32", "bool", "float32"] as const) {
    for (const from of ["float32", "int32", "bool"] as const) {
      await same(() => tf.cast(make([2, 3], from, 3), to));
    }
  }
});

Deno.test("sliceInto(), tileInto() and transposeInto() on plain arrays", () => {
  const tr = new Int32Array(12);
  transposeInto(Int32Array.from({ length: 12 }, (_, i) => i), 2, 2, 3, tr); // two [2, 3] -> [3, 2]
  assertEquals([...tr], [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const s = new Float32Array(4);
  sliceInto(x, [2, 3, 4], [1, 1, 2], [1, 2, 2], s);
  assertEquals([...s], [18, 19, 22, 23]);
  const t = new Float32Array(8);
  tileInto(Float32Array.of(1, 2), [1, 2], [2, 2], t);
  assertEquals([...t], [1, 2, 1, 2, 1, 2, 1, 2]);
});
