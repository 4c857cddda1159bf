/**
 * Reads PyTorch `torch.save` files of state dicts (what the official `pretrain.py` writes as
 * `checkpoint_path/step_N`) from bytes, so it works in Deno and in a browser alike.
 *
 * The format (torch >= 1.6): a zip archive (read with fflate) whose entries share one top folder
 * `<name>/`: `data.pkl` (a pickle of the state dict, read by the strict reader in `pickle.ts`),
 * `data/<key>` (one raw little-endian storage per key), `version`, and in newer torch `byteorder` and
 * `.data/serialization_id`. Each tensor in the pickle is `torch._utils._rebuild_tensor_v2(storage,
 * offset, size, stride, requires_grad, hooks)`, the storage a persistent id `("storage", torch.XStorage,
 * key, location, numel)`. Float storages (F32, BF16, F16, F64) come back as F32 values (BF16/F16 exactly,
 * F64 rounded), integer ones as Int32Array/Int16Array/Int8Array/Uint8Array (I64 refused outside int32);
 * strides and storage offsets are honoured (views, transposes), and the result is row-major.
 *
 * @module
 */
import { unzipSync } from "fflate";
import { PickleError, PyDict, PyGlobal, unpickle } from "./pickle.ts";
import {
  decodeSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  type StoredTensor,
} from "./safetensors.ts";

/** A torch file this module refuses; the message is one line naming the file and what was found. */
export class TorchFileError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "TorchFileError";
  }
}

/** A tensor read from a torch file: row-major values plus the dtype torch stored it in. */
export interface TorchTensor extends StoredTensor {
  /** The torch dtype of the storage (`float32`, `bfloat16`, ...), before any widening to F32. */
  readonly torchDtype: string;
}

/** Storage classes: torch dtype, element bytes, the dtype returned. */
const STORAGES: Readonly<Record<string, readonly [string, number, SafetensorsDtype]>> = {
  FloatStorage: ["float32", 4, "F32"],
  DoubleStorage: ["float64", 8, "F32"],
  HalfStorage: ["float16", 2, "F32"],
  BFloat16Storage: ["bfloat16", 2, "F32"],
  LongStorage: ["int64", 8, "I32"],
  IntStorage: ["int32", 4, "I32"],
  ShortStorage: ["int16", 2, "I16"],
  CharStorage: ["int8", 1, "I8"],
  ByteStorage: ["uint8", 1, "U8"],
  BoolStorage: ["bool", 1, "BOOL"],
};

const ALLOWED = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  ...Object.keys(STORAGES).map((s) => `torch.${s}`),
]);

interface StorageRef {
  readonly storage: string;
  readonly key: string;
  readonly numel: number;
}
interface TensorRef {
  readonly ref: StorageRef;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}
const isStorage = (v: unknown): v is StorageRef => typeof v === "object" && v !== null && "numel" in v;
const isTensor = (v: unknown): v is TensorRef => typeof v === "object" && v !== null && "stride" in v;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const describe = (v: unknown): string =>
  v instanceof PyDict
    ? "a dict"
    : Array.isArray(v)
    ? "a tuple"
    : v === null
    ? "None"
    : v instanceof PyGlobal
    ? `the global ${v}`
    : `a ${typeof v}`;

let halfTable: Float32Array | undefined;
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The values of one storage's bytes (`raw` is a fresh, 8-aligned copy from the zip reader). */
function storageValues(raw: Uint8Array, storage: string, fail: (m: string) => never): SafetensorsData {
  const buf = raw.byteOffset % 8 === 0 ? raw : raw.slice(); // typed-array views need alignment
  const b = buf.buffer as ArrayBuffer, o = buf.byteOffset, n = buf.byteLength;
  switch (storage) {
    case "FloatStorage":
      return new Float32Array(b, o, n / 4);
    case "DoubleStorage":
      return Float32Array.from(new Float64Array(b, o, n / 8));
    case "BFloat16Storage": {
      const h = new Uint16Array(b, o, n / 2), out = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = h[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case "HalfStorage": {
      const table = halfTable ??= Float32Array.from({ length: 65536 }, (_, i) => halfToFloat(i));
      return Float32Array.from(new Uint16Array(b, o, n / 2), (h) => table[h]!);
    }
    case "LongStorage": {
      const wide = new BigInt64Array(b, o, n / 8), out = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const v = wide[i]!;
        if (v > 2147483647n || v < -2147483648n) fail(`int64 value ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case "IntStorage":
      return new Int32Array(b, o, n / 4);
    case "ShortStorage":
      return new Int16Array(b, o, n / 2);
    case "CharStorage":
      return new Int8Array(b, o, n);
    default: // ByteStorage, BoolStorage
      return new Uint8Array(b, o, n);
  }
}

/** Row-major copy of a strided view (or the storage itself when the view is the whole of it). */
function gather(values: SafetensorsData, t: TensorRef): SafetensorsData {
  const count = t.size.reduce((a, b) => a * b, 1);
  let contiguous = true;
  for (let d = t.size.length - 1, s = 1; d >= 0; s *= t.size[d]!, d--) {
    if (t.size[d]! > 1 && t.stride[d] !== s) contiguous = false;
  }
  if (contiguous) return values.subarray(t.offset, t.offset + count);
  const out = new (values.constructor as new (n: number) => SafetensorsData)(count);
  const rank = t.size.length, idx = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < count; i++) {
    (out as Float32Array)[i] = (values as Float32Array)[src]!;
    for (let d = rank - 1; d >= 0; d--) { // odometer over the dimensions, last fastest
      if (++idx[d]! < t.size[d]!) {
        src += t.stride[d]!;
        break;
      }
      src -= (t.size[d]! - 1) * t.stride[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Reads the state dict in the bytes of a `torch.save` file: tensor names in file order, each row-major.
 * Refuses, with one line naming `fileName` and what was found, anything that is not a flat state dict of
 * tensors: legacy (pre-1.6) files, other zip layouts, unknown globals (the pickle's code is never run),
 * opcodes a state dict does not use, nested dicts, missing or mis-sized storages, views out of bounds.
 *
 * @example
 * ```ts
 * import { readTorchStateDict, TorchFileError } from "@recursive/trm/io";
 * try { readTorchStateDict(new Uint8Array([0x80, 2, 0x2e]), "old.pt"); throw new Error("accepted"); }
 * catch (e) { if (!(e instanceof TorchFileError) || !e.message.startsWith("old.pt: legacy")) throw e; }
 * ```
 */
export function readTorchStateDict(bytes: Uint8Array, fileName = "torch file"): Map<string, TorchTensor> {
  const fail = (msg: string): never => {
    throw new TorchFileError(`${fileName}: ${msg}`);
  };
  if (bytes[0] === 0x80 && bytes[1]! <= 5) {
    fail("legacy (pre-1.6, non-zip) torch.save format; re-save it with torch >= 1.6");
  }
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)) {
    fail("not a torch.save zip archive (it does not start with a zip entry)");
  }
  const sizes = new Map<string, number>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => (sizes.set(f.name, f.originalSize), true) });
  } catch (e) {
    return fail(`not a readable zip archive (${(e as Error).message}; truncated?)`);
  }
  for (const [name, size] of sizes) {
    if (files[name]!.length !== size) fail(`zip entry ${JSON.stringify(name)} is truncated`);
  }
  const pkl = [...sizes.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) return fail("no <name>/data.pkl entry: not a torch.save archive");
  const root = pkl.slice(0, -"data.pkl".length);
  const stray = [...sizes.keys()].find((n) => !n.startsWith(root));
  if (stray) fail(`zip entry ${JSON.stringify(stray)} is outside the archive folder ${root}`);
  const order = files[`${root}byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== "little") fail("big-endian storages are not read");

  const hooks = {
    findClass(module: string, name: string): PyGlobal {
      if (!ALLOWED.has(`${module}.${name}`)) {
        fail(`data.pkl refers to ${module}.${name}, which a state dict of tensors never contains (refused)`);
      }
      return new PyGlobal(module, name);
    },
    reduce(fn: PyGlobal, args: readonly unknown[]): unknown {
      const what = fn.toString();
      if (what === "collections.OrderedDict") {
        if (args.length) fail("data.pkl builds an OrderedDict from arguments, which torch.save never does");
        return new PyDict(true);
      }
      if (what === "torch._utils._rebuild_parameter") {
        if (!isTensor(args[0])) fail(`data.pkl: ${what} of ${describe(args[0])}`);
        return args[0];
      }
      const [ref, offset, size, stride, , , metadata] = args;
      const dims = (v: unknown) => Array.isArray(v) && v.every(isCount);
      if (
        args.length < 6 || args.length > 7 || !isStorage(ref) || !isCount(offset) || !dims(size) ||
        !dims(stride) || (size as number[]).length !== (stride as number[]).length ||
        (metadata !== undefined && metadata !== null && !(metadata instanceof PyDict))
      ) fail(`data.pkl: ${what} with arguments that are not (storage, offset, size, stride, ...)`);
      return { ref, offset, size, stride } as TensorRef;
    },
    persistentLoad(pid: unknown): StorageRef {
      const [tag, cls, key, , numel] = Array.isArray(pid) ? pid : [];
      if (
        !Array.isArray(pid) || pid.length !== 5 || tag !== "storage" || !(cls instanceof PyGlobal) ||
        !Object.hasOwn(STORAGES, cls.name) || typeof key !== "string" || !isCount(numel)
      ) fail(`data.pkl: a persistent id that is not ("storage", torch.XStorage, key, location, numel)`);
      return { storage: (cls as PyGlobal).name, key: key as string, numel: numel as number };
    },
  };
  let dict: unknown;
  try {
    dict = unpickle(files[pkl]!, hooks);
  } catch (e) {
    if (e instanceof PickleError) fail(`data.pkl: ${e.message}`);
    throw e;
  }
  if (!(dict instanceof PyDict)) return fail(`data.pkl holds ${describe(dict)}, not a state dict`);

  const out = new Map<string, TorchTensor>();
  const decoded = new Map<string, SafetensorsData>();
  for (const [name, t] of dict.entries) {
    const label = JSON.stringify(name);
    if (typeof name !== "string") fail(`state dict key ${label} is not a string`);
    if (!isTensor(t)) {
      fail(`state dict entry ${label} holds ${describe(t)}, not a tensor (only flat state dicts are read)`);
    }
    const { ref } = t as TensorRef;
    const [torchDtype, elem, dtype] = STORAGES[ref.storage]!;
    const raw = files[`${root}data/${ref.key}`];
    if (!raw) return fail(`tensor ${label}: storage ${ref.key} is missing from the archive`);
    if (raw.length !== ref.numel * elem) {
      fail(
        `tensor ${label}: storage ${ref.key} has ${raw.length} bytes, ${ref.numel} ${torchDtype} values need ${
          ref.numel * elem
        }`,
      );
    }
    const { size, stride, offset } = t as TensorRef;
    const count = size.reduce((a, b) => a * b, 1);
    const last = offset + size.reduce((a, s, d) => a + (s - 1) * stride[d]!, 0);
    if (count > 0 && last >= ref.numel) {
      fail(`tensor ${label}: its view [${size}] reaches element ${last} of a ${ref.numel}-element storage`);
    }
    let values = decoded.get(ref.key);
    if (!values) {
      values = storageValues(raw, ref.storage, (m) => fail(`tensor ${label}: ${m}`));
      decoded.set(ref.key, values);
    }
    out.set(name as string, { dtype, shape: [...size], data: gather(values, t as TensorRef), torchDtype });
  }
  return out;
}

/** What {@linkcode decodeReferenceFile} found. */
export interface ReferenceFile {
  /** `"torch"` (a `torch.save` zip) or `"safetensors"`. */
  readonly format: "torch" | "safetensors";
  /** The tensors by name, in file order. */
  readonly tensors: Map<string, StoredTensor>;
}

/**
 * Reads reference tensors from either a `torch.save` file or a safetensors file (told apart by the zip
 * signature), e.g. an official `pretrain.py` checkpoint or a hub's safetensors export.
 *
 * @example
 * ```ts
 * import { decodeReferenceFile, encodeSafetensors } from "@recursive/trm/io";
 * const bytes = encodeSafetensors({ "inner.H_init": { shape: [2], data: Float32Array.from([1, 2]) } });
 * if (decodeReferenceFile(bytes, "w.safetensors").format !== "safetensors") throw new Error("format");
 * ```
 */
export function decodeReferenceFile(bytes: Uint8Array, fileName = "reference file"): ReferenceFile {
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (zip || bytes[0] === 0x80) return { format: "torch", tensors: readTorchStateDict(bytes, fileName) };
  return { format: "safetensors", tensors: decodeSafetensors(bytes, fileName).tensors };
}
