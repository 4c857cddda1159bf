import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  SafetensorsError,
  type SafetensorsInput,
  writeSafetensorsFile,
} from "./safetensors.ts";

const enc = new TextEncoder();

/** A file built by hand: length, JSON padded to `pad` with spaces, then `data`. */
function handMade(json: string, data: readonly number[], pad = 8): Uint8Array {
  const head = enc.encode(json);
  const n = Math.ceil(head.length / pad) * pad;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(head, 8);
  out.set(data, 8 + n);
  return out;
}

const f32Bytes = (...v: number[]): number[] => [...new Uint8Array(Float32Array.from(v).buffer)];
const u16Bytes = (...v: number[]): number[] => [...new Uint8Array(Uint16Array.from(v).buffer)];

Deno.test("decodeSafetensors() reads what Python save_file({'a': torch.ones(2, 3)}) writes", () => {
  const bytes = handMade(
    `{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`,
    f32Bytes(1, 1, 1, 1, 1, 1),
  );
  assertEquals(bytes.length, 8 + 64 + 24); // 57 bytes of JSON padded to 64
  const { tensors, metadata } = decodeSafetensors(bytes);
  assertEquals(metadata, {});
  const a = tensors.get("a")!;
  assertEquals(a.dtype, "F32");
  assertEquals(a.shape, [2, 3]);
  assertEquals(a.data, new Float32Array(6).fill(1));
});

Deno.test("encodeSafetensors() matches the reference library's test vectors byte for byte", () => {
  // safetensors/src/tensor.rs test_serialization, test_empty (with and without metadata).
  const attn = encodeSafetensors({ "attn.0": { shape: [1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) } });
  const json = `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`;
  assertEquals(
    attn,
    Uint8Array.from([64, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(json), ...f32Bytes(0, 1, 2, 3, 4, 5)]),
  );
  assertEquals(
    encodeSafetensors({}),
    Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]),
  );
  assertEquals(
    encodeSafetensors({}, { framework: "pt" }),
    Uint8Array.from([
      40,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...enc.encode(`{"__metadata__":{"framework":"pt"}}`),
      32,
      32,
      32,
      32,
      32,
    ]),
  );
});

Deno.test("encodeSafetensors() orders by descending alignment then name, so every tensor is aligned", () => {
  const bytes = encodeSafetensors({
    b: { dtype: "BOOL", shape: [3], data: Uint8Array.of(1, 0, 1) },
    h: { dtype: "F16", shape: [1], data: Float32Array.of(1) },
    z: { shape: [1], data: Float32Array.of(2) },
    a: { shape: [1], data: Float32Array.of(3) },
    l: { shape: [1], data: BigInt64Array.of(-5n) },
    u: { shape: [1], data: Uint8Array.of(9) },
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assertEquals(Object.keys(header), ["l", "a", "z", "h", "u", "b"]);
  for (const t of Object.values(header) as { dtype: string; data_offsets: number[] }[]) {
    const size = { I64: 8, F32: 4, F16: 2 }[t.dtype as "I64"] ?? 1;
    assertEquals(t.data_offsets[0]! % size, 0, t.dtype);
  }
  assertEquals((8 + n) % 8, 0);
});

Deno.test("encodeSafetensors() and decodeSafetensors() round-trip every dtype and the metadata", () => {
  const inputs: Record<string, SafetensorsInput> = {
    bool: { dtype: "BOOL", shape: [2, 2], data: Uint8Array.of(0, 1, 1, 0) },
    u8: { shape: [3], data: Uint8Array.of(0, 128, 255) },
    i8: { shape: [2], data: Int8Array.of(-128, 127) },
    i16: { shape: [2], data: Int16Array.of(-32768, 32767) },
    u16: { shape: [1], data: Uint16Array.of(65535) },
    f16: { dtype: "F16", shape: [3], data: Float32Array.of(1, -2.5, 65504) },
    bf16: { dtype: "BF16", shape: [3], data: Float32Array.of(1, -2.5, 3.140625) },
    i32: { shape: [2], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
    u32: { shape: [1], data: Uint32Array.of(2 ** 32 - 1) },
    f32: { shape: [], data: Float32Array.of(Math.fround(0.1)) },
    f64: { shape: [2], data: Float64Array.of(0.1, -1e300) },
    i64: { shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
    u64: { shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) },
    empty: { shape: [0, 4], data: new Float32Array(0) },
  };
  const meta = { format: "pt", "ünï": "cödé ✓", empty: "" };
  const back = decodeSafetensors(encodeSafetensors(inputs, meta), { int64: "bigint" });
  assertEquals(back.metadata, meta);
  assertEquals([...back.tensors.keys()].sort(), Object.keys(inputs).sort());
  for (const [name, t] of Object.entries(inputs)) {
    const got = back.tensors.get(name)!;
    assertEquals(got.shape, t.shape, name);
    assertEquals(got.data, t.data, name);
    assertEquals(got.dtype, t.dtype ?? got.dtype, name);
  }
  assertEquals(back.tensors.get("f64")!.dtype, "F64");
  assertEquals(back.tensors.get("u16")!.dtype, "U16");
});

Deno.test("decodeSafetensors() widens F16 and BF16 known bit patterns exactly", () => {
  const f16 = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00];
  const f16Want = [1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, NaN];
  const bf16 = [0x3f80, 0xc020, 0x7f7f, 0x0001, 0x0080, 0x7f80, 0xff80, 0x7fc0];
  const bf16Want = [1, -2.5, 0xff * 2 ** 120, 2 ** -133, 2 ** -126, Infinity, -Infinity, NaN];
  const bytes = handMade(
    JSON.stringify({
      h: { dtype: "F16", shape: [f16.length], data_offsets: [0, 2 * f16.length] },
      b: {
        dtype: "BF16",
        shape: [bf16.length],
        data_offsets: [2 * f16.length, 2 * (f16.length + bf16.length)],
      },
    }),
    [...u16Bytes(...f16), ...u16Bytes(...bf16)],
  );
  const { tensors } = decodeSafetensors(bytes);
  assertEquals(tensors.get("h")!.data, Float32Array.from(f16Want));
  assertEquals(tensors.get("b")!.data, Float32Array.from(bf16Want));
  assert(Object.is(tensors.get("h")!.data[6], -0));
  const raw = decodeSafetensors(bytes, { half: "raw" }).tensors;
  assertEquals(raw.get("h")!.data, Uint16Array.from(f16));
  assertEquals(raw.get("b")!.data, Uint16Array.from(bf16));
});

Deno.test("decodeSafetensors() F16 decoding agrees with Math.f16round on all 65536 bit patterns", () => {
  const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const values = decodeSafetensors(encodeSafetensors({ h: { dtype: "F16", shape: [65536], data: bits } }))
    .tensors.get("h")!.data as Float32Array;
  let finite = 0;
  for (let i = 0; i < 65536; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) finite++;
    // every finite half is its own nearest half, and infinities/NaN stay so
    assert(Object.is(Math.f16round(v), v), `bits ${i.toString(16)} → ${v}`);
  }
  assertEquals(finite, 65536 - 2048); // exponent 31 holds 2 infinities and 2046 NaNs
});

Deno.test("encodeSafetensors() rounds F32 to F16 and BF16 like Math.f16round and round-to-nearest-even", () => {
  const xs = Float32Array.of(
    1 + 2 ** -11, // tie → even (1)
    1 + 3 * 2 ** -11, // tie → even (1 + 2^-9)
    65519.99, // rounds down to 65504
    65520, // tie at the top → Infinity
    2 ** -25, // half the smallest subnormal → 0
    2 ** -25 * 1.0001, // just above → smallest subnormal
    3 * 2 ** -26, // tie between subnormals
    -1e-10,
    1e6,
    NaN,
    -Infinity,
  );
  const back = decodeSafetensors(encodeSafetensors({
    h: { dtype: "F16", shape: [xs.length], data: xs },
    b: { dtype: "BF16", shape: [xs.length], data: xs },
  })).tensors;
  assertEquals(back.get("h")!.data, Float32Array.from(xs, (x) => Math.f16round(x)));
  const bf = back.get("b")!.data as Float32Array;
  assertEquals(bf[0], 1); // 1 + 2^-11 is far below bf16's half-ulp of 2^-8
  assertEquals(bf[8], 999424); // 1e6 = 0x49742400 → 0x4974 (round down)
  assert(Number.isNaN(bf[9]!));
  assertEquals(bf[10], -Infinity);
  // A NaN whose payload sits only in the low mantissa bits must not round into Infinity.
  const lowNaN = new Float32Array(Uint32Array.of(0x7f800001, 0xff800001).buffer);
  const nan = decodeSafetensors(encodeSafetensors({
    h: { dtype: "F16", shape: [2], data: lowNaN },
    b: { dtype: "BF16", shape: [2], data: lowNaN },
  })).tensors;
  for (const v of [...nan.get("h")!.data, ...nan.get("b")!.data]) assert(Number.isNaN(v), String(v));
  const ties = Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8); // exact ties between bf16 neighbours
  const t = decodeSafetensors(encodeSafetensors({ t: { dtype: "BF16", shape: [2], data: ties } })).tensors;
  assertEquals(t.get("t")!.data, Float32Array.of(1, 1 + 2 ** -6));
});

Deno.test("decodeSafetensors() returns I64 as Int32Array when it fits and refuses values that do not", () => {
  const small = encodeSafetensors({ i: { dtype: "I64", shape: [2], data: Int32Array.of(-3, 2 ** 31 - 1) } });
  assertEquals(decodeSafetensors(small).tensors.get("i")!.data, Int32Array.of(-3, 2 ** 31 - 1));
  const big = encodeSafetensors({ i: { shape: [2], data: BigInt64Array.of(1n, 2n ** 40n) } });
  const e = assertThrows(() => decodeSafetensors(big, "big.safetensors"), SafetensorsError);
  assert(e.message.includes(`big.safetensors: tensor "i": value 1099511627776 at index 1`), e.message);
});

Deno.test("encodeSafetensors() refuses inconsistent input with the tensor's name", () => {
  const bad = (t: SafetensorsInput, part: string) => {
    const e = assertThrows(() => encodeSafetensors({ w: t }), SafetensorsError);
    assert(e.message.includes(part), e.message);
  };
  bad({ shape: [2, 2], data: new Float32Array(3) }, `tensor "w": shape [2,2] holds 4 values, data has 3`);
  bad({ shape: [-1], data: new Float32Array(0) }, "non-negative integers");
  bad({ dtype: "F32", shape: [1], data: new Int32Array(1) }, "dtype F32 cannot be written from a Int32Array");
  assertThrows(
    () => encodeSafetensors({ __metadata__: { shape: [0], data: new Uint8Array() } }),
    SafetensorsError,
  );
});

Deno.test("decodeSafetensors() reports each kind of malformed header with file, tensor and problem", () => {
  const cases: [string, Uint8Array][] = [
    ["shorter than the 8-byte", new Uint8Array(5)],
    [
      "header length 1152921504606846984 exceeds the 100000000-byte limit",
      handMade("{}", []).fill(0x10, 7, 8),
    ],
    ["runs past the end of the file", handMade("{}", []).subarray(0, 12)],
    [`does not start with "{"`, handMade(` {}`, [])],
    ["not valid UTF-8 JSON", handMade(`{"a":`, [])],
    [
      "not valid UTF-8 JSON",
      Uint8Array.from([...handMade(`{"a":1}`, [])].map((b, i) => (i === 10 ? 0xff : b))),
    ],
    [`does not start with "{"`, handMade(`[1]`, [])],
    [
      `tensor "a": unknown dtype "F8_E4M3"`,
      handMade(`{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, [0]),
    ],
    [`tensor "a": shape [1.5]`, handMade(`{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}`, [0])],
    [`tensor "a": data_offsets [0]`, handMade(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, [0])],
    [
      `tensor "a": data_offsets [1, 0] end before`,
      handMade(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}`, [0]),
    ],
    [
      `tensor "a": data_offsets [0, 9] run past the 1-byte`,
      handMade(`{"a":{"dtype":"U8","shape":[9],"data_offsets":[0,9]}}`, [0]),
    ],
    [
      `tensor "a": has 4 bytes, but shape [2] of F32 needs 8`,
      handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, f32Bytes(1)),
    ],
    [
      `tensor "a": has 4 bytes, but shape [4294967296,4294967296,4] of F32 needs more than 2^53`,
      handMade(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}`, f32Bytes(1)),
    ],
    [
      `tensor "b": bytes [2, 4] overlap`,
      handMade(
        `{"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`,
        [1, 2, 3, 4],
      ),
    ],
    [
      `tensor "b": the data section has a hole at bytes [1, 2]`,
      handMade(
        `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`,
        [1, 2, 3],
      ),
    ],
    [
      "1 trailing bytes not covered",
      handMade(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, [1, 2]),
    ],
    [`__metadata__ "k" is 1, not a string`, handMade(`{"__metadata__":{"k":1}}`, [])],
    [`tensor "a": entry is not an object`, handMade(`{"a":3}`, [])],
  ];
  for (const [part, bytes] of cases) {
    const e = assertThrows(() => decodeSafetensors(bytes, { fileName: "m.safetensors" }), SafetensorsError);
    assert(e.message.startsWith("m.safetensors: ") && e.message.includes(part), `${part} → ${e.message}`);
  }
});

Deno.test("decodeSafetensors() rejects a duplicated JSON key, whose dropped entry leaves a hole", () => {
  const bytes = handMade(
    `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`,
    [1, 2],
  );
  assertThrows(() => decodeSafetensors(bytes), SafetensorsError, "hole");
});

Deno.test("decodeSafetensors() accepts any tensor order, views into larger buffers and zero-size tensors", () => {
  const body = handMade(
    `{"z":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},` +
      `"a":{"dtype":"U8","shape":[1,1],"data_offsets":[4,5]}}`,
    [7, 0, 0, 0, 9],
  );
  const inBigger = new Uint8Array(body.length + 3);
  inBigger.set(body, 3);
  const { tensors } = decodeSafetensors(inBigger.subarray(3));
  assertEquals(tensors.get("z")!.data, Int32Array.of(7));
  assertEquals(tensors.get("e")!.data, new Float32Array(0));
  assertEquals(tensors.get("a")!.data, Uint8Array.of(9));
});

Deno.test("writeSafetensorsFile() and readSafetensorsFile() round-trip through disk and name the file in errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/w.safetensors`;
    await writeSafetensorsFile(path, { w: { shape: [2], data: Float32Array.of(1.5, -2) } }, { step: "7" });
    const back = await readSafetensorsFile(path);
    assertEquals(back.tensors.get("w")!.data, Float32Array.of(1.5, -2));
    assertEquals(back.metadata, { step: "7" });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["w.safetensors"]);
    await Deno.writeFile(path, (await Deno.readFile(path)).subarray(0, 20));
    const e = await readSafetensorsFile(path).then(() => null, (e: Error) => e);
    assert(e instanceof SafetensorsError && e.message.startsWith(`${path}: `), String(e));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
