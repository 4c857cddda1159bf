/**
 * A small safetensors reader and writer (no tfjs). The format: an 8-byte little-endian header length n,
 * n bytes of UTF-8 JSON (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`, offsets
 * relative to the data section), then the raw little-endian tensor bytes, which must cover the data
 * section exactly, without overlaps or holes. F16 and BF16 are widened to F32 on read.
 *
 * @module
 */

/** Data types we read; we write F32 and I32. */
export type SafetensorsDtype = "F32" | "F16" | "BF16" | "I32" | "I64" | "U8" | "BOOL";

/** A tensor as stored: shape plus a typed array (F16/BF16 arrive widened to Float32Array). */
export interface StoredTensor {
  /** Data type in the file. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** Values, row-major. */
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** Error for a malformed file; the message names the file (when known), the tensor and the problem. */
export class SafetensorsError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

const BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I32: 4,
  I64: 8,
  U8: 1,
  BOOL: 1,
};
/** Headers larger than this are refused before anything is allocated. */
const MAX_HEADER = 100 * 2 ** 20;

/**
 * Serialises tensors (F32 from Float32Array, I32 from Int32Array, U8 from Uint8Array) in name order.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@recursive/trm/core";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: Float32Array.from([1, 2]) } }, { step: "3" });
 * const back = decodeSafetensors(bytes);
 * if (back.tensors.get("w")!.data[1] !== 2 || back.metadata.step !== "3") throw new Error("round trip");
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<
    Record<
      string,
      { readonly shape: readonly number[]; readonly data: Float32Array | Int32Array | Uint8Array }
    >
  >,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const dtype = t.data instanceof Float32Array ? "F32" : t.data instanceof Int32Array ? "I32" : "U8";
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${t.shape}] holds ${count} values, data has ${t.data.length}`,
      );
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // align data to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let o = 8 + head.length;
  for (const name of names) {
    const d = tensors[name]!.data;
    // Typed arrays are little-endian on every platform Deno runs on.
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Result of {@linkcode decodeSafetensors}. */
export interface DecodedSafetensors {
  /** Tensors by name. */
  readonly tensors: Map<string, StoredTensor>;
  /** The `__metadata__` strings. */
  readonly metadata: Record<string, string>;
}

/**
 * Parses and validates a safetensors file held in memory. `fileName` only improves error messages.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, SafetensorsError } from "@recursive/trm/core";
 * try { decodeSafetensors(new Uint8Array(4), "bad.safetensors"); throw new Error("accepted"); }
 * catch (e) { if (!(e instanceof SafetensorsError)) throw e; }
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, fileName = "safetensors"): DecodedSafetensors {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${fileName}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file has ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(`header length ${n} exceeds the file (${bytes.length - 8} bytes after the length field) or 100 MiB`);
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("header is not a JSON object");
  }
  const dataLen = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const tensors = new Map<string, StoredTensor>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null) fail("__metadata__ is not an object");
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `tensor "${name}"`;
    if (typeof t !== "object" || t === null) fail(`${where} entry is not an object`);
    if (typeof t.dtype !== "string" || !(t.dtype in BYTES)) {
      fail(`${where} has unknown dtype ${JSON.stringify(t.dtype)}`);
    }
    const dtype = t.dtype as SafetensorsDtype;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where} shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    }
    const shape = t.shape as number[];
    const off = t.data_offsets as unknown;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where} data_offsets ${JSON.stringify(off)} is not [begin, end]`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin || end > dataLen) {
      fail(`${where} data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data section`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * BYTES[dtype] !== end - begin) {
      fail(
        `${where} has ${end - begin} bytes, but shape [${shape}] of ${dtype} needs ${count * BYTES[dtype]}`,
      );
    }
    spans.push([begin, end, name]);
    const src = bytes.slice(headerEnd + begin, headerEnd + end); // copy: aligned, independent of `bytes`
    const view = new DataView(src.buffer);
    let data: Float32Array | Int32Array | Uint8Array;
    if (dtype === "F32") data = new Float32Array(src.buffer);
    else if (dtype === "I32") data = new Int32Array(src.buffer);
    else if (dtype === "F16") {
      data = Float32Array.from({ length: count }, (_, i) => f16ToF32(view.getUint16(2 * i, true)));
    } else if (dtype === "BF16") {
      data = Float32Array.from(
        { length: count },
        (_, i) => new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!,
      );
    } else if (dtype === "I64") {
      data = Int32Array.from({ length: count }, (_, i) => {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(`${where} value ${v} does not fit in int32`);
        return Number(v);
      });
    } else data = src;
    tensors.set(name, { dtype, shape, data });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin < cursor) fail(`tensor "${name}" overlaps the previous tensor`);
    if (begin > cursor) fail(`the data section has a hole before tensor "${name}"`);
    cursor = end;
  }
  if (cursor !== dataLen) {
    fail(`the data section has ${dataLen - cursor} trailing bytes not covered by any tensor`);
  }
  return { tensors, metadata };
}
