/**
 * A small safetensors reader and writer on plain typed arrays (no tfjs).
 *
 * The format: an 8-byte little-endian u64 header length `n`, `n` bytes of UTF-8 JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, offsets relative
 * to the data section), then the raw little-endian, row-major tensor bytes.
 *
 * Writing follows the reference library byte for byte: tensors sorted by descending dtype alignment, then by
 * name (so every tensor starts at a multiple of its element size); `__metadata__` first when non-empty; the
 * JSON padded with spaces to a multiple of 8. Reading accepts any tensor order and checks what the reference
 * reader checks: a header of at most 100,000,000 bytes that fits the file and starts with `{`, known dtypes,
 * shapes of non-negative integers, byte counts equal to `product(shape) * dtypeSize`, and offsets that tile
 * the data section exactly (no overlap, no hole, nothing after the last tensor). Tiling also defuses
 * duplicate JSON keys: the entry a parser drops leaves a hole. Nothing is allocated before the header has
 * been checked, and no allocation exceeds the file's size.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic_write.ts";
import { narrowHalf, widenHalf } from "./half_float.ts";

/** The dtypes read and written (the reference set minus the 8-bit floats). */
export type SafetensorsDtype =
  | "BOOL"
  | "U8"
  | "I8"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "F64"
  | "I64"
  | "U64";

/** Typed arrays that hold tensor values (F16/BF16 as Float32Array values or Uint16Array bit patterns). */
export type SafetensorsData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor as stored: dtype, shape and row-major values. */
export interface StoredTensor {
  /** Data type in the file. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions (`[]` is a scalar). */
  readonly shape: readonly number[];
  /** Values, row-major. */
  readonly data: SafetensorsData;
}

/**
 * A tensor to write. Without `dtype` it follows the array: Float32Array → F32, Int32Array → I32,
 * Uint8Array → U8, Float64Array → F64, Int8Array → I8, Int16Array → I16, Uint16Array → U16,
 * Uint32Array → U32, BigInt64Array → I64, BigUint64Array → U64. With `dtype` "F16"/"BF16" the data is a
 * Float32Array (rounded to nearest, ties to even) or a Uint16Array of bit patterns; "I64" also takes an
 * Int32Array; "BOOL" takes a Uint8Array.
 */
export interface SafetensorsInput {
  /** Data type to store; inferred from `data` when absent. */
  readonly dtype?: SafetensorsDtype;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** Values, row-major. */
  readonly data: SafetensorsData;
}

/** Error for a malformed file or input; the message names the file (when known), the tensor and the problem. */
export class SafetensorsError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

/** Options for {@linkcode decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** Named in error messages. */
  readonly fileName?: string;
  /** F16/BF16 as Float32Array values (default) or as the raw Uint16Array bit patterns. */
  readonly half?: "float32" | "raw";
  /** I64/U64 as Int32Array, refusing values outside int32 (default), or as BigInt64Array/BigUint64Array. */
  readonly int64?: "int32" | "bigint";
}

/** Result of {@linkcode decodeSafetensors}. */
export interface DecodedSafetensors {
  /** Tensors by name. */
  readonly tensors: Map<string, StoredTensor>;
  /** The `__metadata__` strings (empty when absent). */
  readonly metadata: Record<string, string>;
}

type ArrayCtor = new (buffer: ArrayBuffer) => SafetensorsData;
/**
 * Element size, rank in the reference writer's order (higher is written first), array class. Without a
 * dtype, the first entry whose class matches the data is used (so U8 precedes BOOL, U16 precedes F16).
 */
const DTYPES: Readonly<Record<SafetensorsDtype, readonly [number, number, ArrayCtor]>> = {
  F32: [4, 11, Float32Array],
  I32: [4, 9, Int32Array],
  U8: [1, 1, Uint8Array],
  BOOL: [1, 0, Uint8Array],
  I8: [1, 2, Int8Array],
  I16: [2, 5, Int16Array],
  U16: [2, 6, Uint16Array],
  F16: [2, 7, Uint16Array],
  BF16: [2, 8, Uint16Array],
  U32: [4, 10, Uint32Array],
  F64: [8, 12, Float64Array],
  I64: [8, 13, BigInt64Array],
  U64: [8, 14, BigUint64Array],
};
/** The reference reader's limit on the JSON header. */
const MAX_HEADER = 100_000_000;

const isDtype = (d: unknown): d is SafetensorsDtype => typeof d === "string" && Object.hasOwn(DTYPES, d);

/** The stored bytes of `t` as `dtype` (converting F32 → F16/BF16 and I32 → I64 where asked). */
function storedArray(name: string, t: SafetensorsInput): [SafetensorsDtype, SafetensorsData] {
  const dtype = t.dtype ?? Object.entries(DTYPES).find(([, [, , ctor]]) => t.data instanceof ctor)?.[0];
  const where = `tensor "${name}"`;
  if (!dtype || !isDtype(dtype)) throw new SafetensorsError(`${where}: unsupported dtype or data array`);
  const d = t.data, ctor = DTYPES[dtype][2];
  if (d instanceof ctor) return [dtype, d];
  if (d instanceof Float32Array && dtype === "F16") return [dtype, narrowHalf(d, "F16")];
  if (d instanceof Float32Array && dtype === "BF16") return [dtype, narrowHalf(d, "BF16")];
  if (d instanceof Int32Array && dtype === "I64") return [dtype, BigInt64Array.from(d, BigInt)];
  throw new SafetensorsError(`${where}: dtype ${dtype} cannot be written from a ${d.constructor.name}`);
}

/**
 * Serialises tensors and optional string metadata into safetensors bytes (layout as the reference writer).
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@recursive/trm";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: Float32Array.from([1, 2]) } }, { step: "3" });
 * const back = decodeSafetensors(bytes);
 * if (back.tensors.get("w")!.data[1] !== 2 || back.metadata.step !== "3") throw new Error("round trip");
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const entries: [string, SafetensorsDtype, SafetensorsData, readonly number[]][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new SafetensorsError(`tensor name "__metadata__" is reserved`);
    if (!t.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${t.shape}] is not a list of non-negative integers`,
      );
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${t.shape}] holds ${count} values, data has ${t.data.length}`,
      );
    }
    entries.push([name, ...storedArray(name, t), t.shape]);
  }
  entries.sort((a, b) => DTYPES[b[1]][1] - DTYPES[a[1]][1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const header: [string, unknown][] = [];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new SafetensorsError(`metadata "${k}" is not a string`);
  }
  if (Object.keys(metadata).length) header.push(["__metadata__", metadata]);
  let offset = 0;
  for (const [name, dtype, data, shape] of entries) {
    header.push([name, { dtype, shape, data_offsets: [offset, offset + data.byteLength] }]);
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const n = Math.ceil(json.length / 8) * 8; // pad with spaces so the data section starts 8-aligned
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let o = 8 + n;
  for (const [, , d] of entries) {
    // Typed arrays are little-endian on every platform Deno runs on.
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

/** Turns the (copied, aligned) bytes of one tensor into its typed array. */
function toArray(
  dtype: SafetensorsDtype,
  buf: ArrayBuffer,
  options: DecodeSafetensorsOptions,
  fail: (msg: string) => never,
): SafetensorsData {
  const raw = new DTYPES[dtype][2](buf);
  if ((dtype === "F16" || dtype === "BF16") && options.half !== "raw") {
    return widenHalf(raw as Uint16Array, dtype === "BF16");
  }
  if ((dtype === "I64" || dtype === "U64") && options.int64 !== "bigint") {
    const wide = raw as BigInt64Array | BigUint64Array, out = new Int32Array(wide.length);
    for (let i = 0; i < wide.length; i++) {
      const v = wide[i]!;
      if (v > 2147483647n || v < -2147483648n) {
        fail(`value ${v} at index ${i} does not fit in int32 (decode with { int64: "bigint" })`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  return raw;
}

/**
 * Parses and validates safetensors bytes. F16/BF16 become Float32Array (or raw bits with
 * `{ half: "raw" }`), I64/U64 become Int32Array when every value fits (or BigInt arrays with
 * `{ int64: "bigint" }`). A bare string second argument is taken as `fileName`.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, SafetensorsError } from "@recursive/trm";
 * try { decodeSafetensors(new Uint8Array(4), { fileName: "bad.safetensors" }); throw new Error("accepted"); }
 * catch (e) { if (!(e instanceof SafetensorsError) || !e.message.startsWith("bad.safetensors")) throw e; }
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions | string = {},
): DecodedSafetensors {
  const opts: DecodeSafetensorsOptions = typeof options === "string" ? { fileName: options } : options;
  const file = opts.fileName ?? "safetensors";
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${file}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file has ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  if (n > BigInt(bytes.length - 8)) {
    fail(`header length ${n} runs past the end of the file (${bytes.length - 8} bytes follow the length)`);
  }
  const dataStart = 8 + Number(n), dataLen = bytes.length - dataStart;
  if (bytes[8] !== 0x7b) fail(`header does not start with "{"`);
  let header: unknown; // JSON text that starts with "{" is an object
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  let metadata: Record<string, string> = {};
  const spans: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        fail("__metadata__ is not an object");
      }
      const pairs = Object.entries(raw as Record<string, unknown>);
      const bad = pairs.find(([, v]) => typeof v !== "string");
      if (bad) fail(`__metadata__ "${bad[0]}" is ${JSON.stringify(bad[1])}, not a string`);
      metadata = Object.fromEntries(pairs) as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof raw !== "object" || raw === null) fail(`${where}: entry is not an object`);
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(t.dtype)) {
      fail(
        `${where}: unknown dtype ${JSON.stringify(t.dtype)} (supported: ${Object.keys(DTYPES).join(", ")})`,
      );
    }
    const dtype = t.dtype as SafetensorsDtype;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    }
    const shape = t.shape as number[];
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: data_offsets ${JSON.stringify(off)} is not [begin, end] of non-negative integers`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) {
      fail(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLen}-byte data section`);
    }
    // A float product is exact below 2^53 and rounds monotonically above, so it never equals a real size.
    const need = shape.reduce((a, b) => a * b, DTYPES[dtype][0]);
    if (need !== end - begin) {
      const say = Number.isSafeInteger(need) ? `${need}` : "more than 2^53";
      fail(`${where}: has ${end - begin} bytes, but shape [${shape}] of ${dtype} needs ${say}`);
    }
    spans.push({ name, dtype, shape, begin, end });
  }
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { name, begin, end } of sorted) {
    if (begin < cursor) fail(`tensor "${name}": bytes [${begin}, ${end}] overlap the previous tensor`);
    if (begin > cursor) fail(`tensor "${name}": the data section has a hole at bytes [${cursor}, ${begin}]`);
    cursor = end;
  }
  if (cursor !== dataLen) {
    fail(`the data section has ${dataLen - cursor} trailing bytes not covered by a tensor`);
  }
  const tensors = new Map<string, StoredTensor>();
  for (const { name, dtype, shape, begin, end } of spans) {
    const buf = bytes.slice(dataStart + begin, dataStart + end).buffer; // a copy: aligned and independent
    const data = toArray(dtype, buf, opts, (msg) => fail(`tensor "${name}": ${msg}`));
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}

/**
 * Reads and validates a safetensors file (errors name the file); see {@linkcode decodeSafetensors}.
 *
 * @example
 * ```ts
 * import { readSafetensorsFile, writeSafetensorsFile } from "@recursive/trm";
 * const path = `${await Deno.makeTempDir()}/t.safetensors`;
 * await writeSafetensorsFile(path, { h: { dtype: "F16", shape: [1], data: Float32Array.of(-2.5) } });
 * if ((await readSafetensorsFile(path)).tensors.get("h")!.data[0] !== -2.5) throw new Error("read");
 * ```
 */
export async function readSafetensorsFile(
  path: string,
  options: DecodeSafetensorsOptions = {},
): Promise<DecodedSafetensors> {
  return decodeSafetensors(await Deno.readFile(path), { fileName: path, ...options });
}

/**
 * Writes tensors to a safetensors file atomically (temporary file, fsync, rename).
 *
 * @example
 * ```ts
 * import { readSafetensorsFile, writeSafetensorsFile } from "@recursive/trm";
 * const path = `${await Deno.makeTempDir()}/t.safetensors`;
 * await writeSafetensorsFile(path, { i: { shape: [2], data: Int32Array.of(7, -7) } }, { note: "x" });
 * if ((await readSafetensorsFile(path)).metadata.note !== "x") throw new Error("metadata");
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
