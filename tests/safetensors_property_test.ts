/**
 * safetensors properties: random valid files round-trip exactly; random corruptions give a SafetensorsError
 * quickly (never another exception, a hang or an allocation of a claimed size).
 */
import fc from "fast-check";
import { assert, assertEquals } from "@std/assert";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  SafetensorsError,
  type SafetensorsInput,
} from "../io/safetensors.ts";

const SIZES: Record<SafetensorsDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const CTORS: Record<SafetensorsDtype, new (b: ArrayBuffer) => SafetensorsData> = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I32: Int32Array,
  U32: Uint32Array,
  F32: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
};
const DTYPE_NAMES = Object.keys(SIZES) as SafetensorsDtype[];
const EXACT = { half: "raw", int64: "bigint" } as const;

const bytesOf = (d: SafetensorsData): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** One tensor: any dtype, rank 0-3 with dims 0-4, arbitrary bytes (NaN payloads, subnormals, extremes). */
const tensorArb: fc.Arbitrary<SafetensorsInput> = fc
  .record({
    dtype: fc.constantFrom(...DTYPE_NAMES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    return fc.uint8Array({ minLength: count * SIZES[dtype], maxLength: count * SIZES[dtype] }).map(
      (raw): SafetensorsInput => ({ dtype, shape, data: new CTORS[dtype](raw.slice().buffer) }),
    );
  });

const nameArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom("__proto__", "constructor", "model/w", ""),
).filter((n) => n !== "__metadata__");

const fileArb = fc.record({
  tensors: fc.uniqueArray(fc.tuple(nameArb, tensorArb), { maxLength: 6, selector: ([n]) => n }),
  metadata: fc.uniqueArray(fc.tuple(nameArb, fc.string({ unit: "grapheme", maxLength: 8 })), {
    maxLength: 3,
    selector: ([k]) => k,
  }),
}).map(({ tensors, metadata }) => ({
  tensors: Object.fromEntries(tensors) as Record<string, SafetensorsInput>,
  metadata: Object.fromEntries(metadata) as Record<string, string>,
}));

/** Decodes `bytes`; passes when it throws a SafetensorsError (or, if `mayPass`, succeeds consistently). */
function expectRejected(bytes: Uint8Array, mayPass = false): void {
  const start = performance.now();
  try {
    const { tensors } = decodeSafetensors(bytes, { fileName: "p.safetensors", ...EXACT });
    assert(mayPass, "a corrupted file was accepted");
    for (const t of tensors.values()) {
      assertEquals(t.data.byteLength, t.shape.reduce((a, b) => a * b, SIZES[t.dtype]));
    }
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    assert(e.message.startsWith("p.safetensors: "), e.message);
  }
  assert(performance.now() - start < 250, "decoding took too long");
}

/** The parsed header and the data section of a valid file. */
function split(bytes: Uint8Array): { header: Record<string, Record<string, unknown>>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))),
    data: bytes.subarray(8 + n),
  };
}

/** Reassembles a file from header JSON text (padded to 8) and data. */
function join(json: string, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(json), n = Math.ceil(head.length / 8) * 8;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(head, 8);
  out.set(data, 8 + n);
  return out;
}

Deno.test("safetensors: random valid files round-trip exactly and re-encode to the same bytes", () => {
  fc.assert(
    fc.property(fileArb, ({ tensors, metadata }) => {
      const bytes = encodeSafetensors(tensors, metadata);
      const back = decodeSafetensors(bytes, EXACT);
      assertEquals(back.metadata, metadata);
      assertEquals([...back.tensors.keys()].sort(), Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) {
        const got = back.tensors.get(name)!;
        assertEquals([got.dtype, got.shape], [t.dtype, t.shape]);
        assertEquals(bytesOf(got.data), bytesOf(t.data), name);
      }
      assertEquals(encodeSafetensors(Object.fromEntries(back.tensors), back.metadata), bytes);
    }),
    { numRuns: 150 },
  );
});

Deno.test("safetensors: F32 → F16/BF16 narrowing is round-to-nearest-even (Math.f16round and an oracle)", () => {
  /** The nearer of the two bf16 neighbours (ties to the even one), with 2^128 standing in for Infinity. */
  const bf16Oracle = (x: number): number => {
    if (!Number.isFinite(x)) return x;
    const lo = new Uint32Array(Float32Array.of(x).buffer)[0]! >>> 16;
    const value = (h: number) => new Float32Array(Uint32Array.of(h << 16).buffer)[0]!;
    const dist = (h: number) =>
      Math.abs((Number.isFinite(value(h)) ? value(h) : Math.sign(x) * 2 ** 128) - x);
    return dist(lo) < dist(lo + 1) || (dist(lo) === dist(lo + 1) && (lo & 1) === 0)
      ? value(lo)
      : value(lo + 1);
  };
  fc.assert(
    fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 32 }), (xs) => {
      const data = Float32Array.from(xs);
      const back = decodeSafetensors(encodeSafetensors({
        h: { dtype: "F16", shape: [data.length], data },
        b: { dtype: "BF16", shape: [data.length], data },
      })).tensors;
      assertEquals(back.get("h")!.data, data.map((x) => Math.f16round(x)));
      assertEquals(back.get("b")!.data, data.map(bf16Oracle));
    }),
    { numRuns: 200 },
  );
});

Deno.test("safetensors: F32 → F16 narrowing of exact midpoints between halves rounds to the even one", () => {
  const half = (h: number) =>
    decodeSafetensors(encodeSafetensors({ h: { dtype: "F16", shape: [1], data: Uint16Array.of(h) } }))
      .tensors.get("h")!.data[0] as number;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), (h, negative) => {
      const mid = ((negative ? -1 : 1) * (half(h) + half(h + 1))) / 2; // exact in float32
      const data = Float32Array.of(mid);
      const got =
        decodeSafetensors(encodeSafetensors({ m: { dtype: "F16", shape: [1], data } }), { half: "raw" })
          .tensors.get("m")!.data[0];
      assertEquals(got, (negative ? 0x8000 : 0) | (h & 1 ? h + 1 : h));
    }),
    { numRuns: 200 },
  );
});

Deno.test("safetensors: a header length beyond the file or the limit fails fast, up to 2^64 - 1", () => {
  fc.assert(
    fc.property(fileArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), ({ tensors }, claim) => {
      const bytes = encodeSafetensors(tensors);
      fc.pre(claim > BigInt(bytes.length - 8) || claim > 100_000_000n);
      new DataView(bytes.buffer).setBigUint64(0, claim, true);
      expectRejected(bytes);
    }),
    { numRuns: 100 },
  );
  const huge = encodeSafetensors({});
  new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
  expectRejected(huge);
});

Deno.test("safetensors: truncation at any byte gives a SafetensorsError", () => {
  fc.assert(
    fc.property(fileArb, fc.nat(), ({ tensors, metadata }, cut) => {
      const bytes = encodeSafetensors(tensors, metadata);
      expectRejected(bytes.subarray(0, cut % bytes.length));
    }),
    { numRuns: 150 },
  );
});

Deno.test("safetensors: a proper prefix of the header JSON is bad JSON and gives a SafetensorsError", () => {
  fc.assert(
    fc.property(fileArb, fc.nat(), ({ tensors, metadata }, cut) => {
      const { header, data } = split(encodeSafetensors(tensors, metadata));
      const json = JSON.stringify(header);
      expectRejected(join(json.slice(0, 1 + (cut % (json.length - 1))), data));
    }),
    { numRuns: 100 },
  );
});

type Edit = (entry: Record<string, unknown>, dataLen: number, r: number) => void;
/** Edits that make any tensor of non-zero size invalid (overlap, hole, range, byte count, dtype). */
const EDITS: Record<string, Edit> = {
  shift: (e, _, r) => {
    e.data_offsets = (e.data_offsets as number[]).map((o) => o + 1 + (r % 7)); // leaves its old place a hole
  },
  endBeforeBegin: (e) => {
    const [b, end] = e.data_offsets as number[];
    e.data_offsets = [end!, b!];
  },
  pastTheEnd: (e, dataLen, r) => {
    e.data_offsets = [(e.data_offsets as number[])[0]!, dataLen + 1 + (r % 100)];
  },
  negative: (e) => {
    e.data_offsets = [-1, (e.data_offsets as number[])[1]!];
  },
  notInteger: (e) => {
    e.data_offsets = [(e.data_offsets as number[])[0]! + 0.5, (e.data_offsets as number[])[1]!];
  },
  shape: (e) => {
    e.shape = [(e.shape as number[]).reduce((a, b) => a * b, 1) + 1];
  },
  negativeDim: (e) => {
    e.shape = [...(e.shape as number[]), -1];
  },
  dtypeSize: (e) => {
    e.dtype = SIZES[e.dtype as SafetensorsDtype] === 1 ? "F64" : "U8";
  },
  unknownDtype: (e, _, r) => {
    e.dtype = ["F8_E4M3", "f32", "", "Q4"][r % 4];
  },
};

Deno.test("safetensors: corrupted entries (offsets, overlaps, holes, shapes, dtypes) give a SafetensorsError", () => {
  fc.assert(
    fc.property(
      fileArb,
      fc.constantFrom(...Object.keys(EDITS)),
      fc.nat(),
      fc.nat(),
      (file, edit, pick, r) => {
        const { header, data } = split(encodeSafetensors(file.tensors, file.metadata));
        const names = Object.keys(header).filter((k) => {
          const o = header[k]!.data_offsets as number[] | undefined;
          return o && o[1]! > o[0]!;
        });
        fc.pre(names.length > 0);
        EDITS[edit]!(header[names[pick % names.length]!]!, data.length, r);
        expectRejected(join(JSON.stringify(header), data));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("safetensors: removing, duplicating or adding bytes to the data section gives a SafetensorsError", () => {
  fc.assert(
    fc.property(fileArb, fc.nat(), fc.integer({ min: 0, max: 2 }), (file, pick, kind) => {
      const { header, data } = split(encodeSafetensors(file.tensors, file.metadata));
      const names = Object.keys(header).filter((k) => k !== "__metadata__");
      const sized = names.filter((k) =>
        (header[k]!.data_offsets as number[])[1]! > (header[k]!.data_offsets as number[])[0]!
      );
      if (kind === 2) return expectRejected(join(JSON.stringify(header), Uint8Array.of(...data, 0)));
      fc.pre(sized.length > 0);
      const name = sized[pick % sized.length]!;
      if (kind === 0) delete header[name];
      else header[`${name}#copy`] = { ...header[name] };
      expectRejected(join(JSON.stringify(header), data));
    }),
    { numRuns: 150 },
  );
});

Deno.test("safetensors: random byte edits and random bytes never raise anything but a SafetensorsError", () => {
  fc.assert(
    fc.property(
      fileArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      ({ tensors, metadata }, edits) => {
        const bytes = encodeSafetensors(tensors, metadata);
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        expectRejected(bytes, true);
      },
    ),
    { numRuns: 200 },
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectRejected(bytes, true)), {
    numRuns: 200,
  });
});
