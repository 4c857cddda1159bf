/**
 * Writes what the official code reads: a `torch.save`-format zip (fflate) holding a pickled state dict,
 * in the official names and torch layout ({@linkcode exportTorchCheckpoint}), so that `pretrain.py
 * +load_checkpoint=FILE` loads it with `torch.load` + `load_state_dict`.
 *
 * The pickle is a fixed shape written here byte by byte (protocol 2, the opcodes and globals torch's own
 * writer uses and torch's `weights_only` loader admits): `OrderedDict` of
 * `torch._utils._rebuild_tensor_v2((storage persistent id), 0, size, stride, False, OrderedDict())`,
 * plus the `_metadata` torch attaches to a `state_dict()`. Each storage is a stored (uncompressed) zip
 * entry aligned to 64 bytes with torch's `FB` padding field. fflate writes no zip64, so a file must stay
 * under 4 GiB (ARC-AGI-2's puzzle table at D 512 is 2.4 GB).
 *
 * @module
 */
import { type Zippable, zipSync } from "fflate";
import type { Trm } from "../core/model.ts";
import type { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import type { StoredTensor } from "./safetensors.ts";
import { exportReferenceState } from "./torch_interop.ts";

/** Bytes of a pickle, appended opcode by opcode. */
class PickleWriter {
  #parts: number[] = [];
  #enc = new TextEncoder();
  op(...bytes: number[]): this {
    for (const b of bytes) this.#parts.push(b);
    return this;
  }
  u32(v: number): this {
    return this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  str(s: string): this { // BINUNICODE
    const b = this.#enc.encode(s);
    return this.op(0x58).u32(b.length).op(...b);
  }
  global(module: string, name: string): this { // GLOBAL
    return this.op(0x63, ...this.#enc.encode(`${module}\n${name}\n`));
  }
  int(v: number): this {
    if (v < 0x100) return this.op(0x4b, v); // BININT1
    if (v < 0x10000) return this.op(0x4d, v & 0xff, v >> 8); // BININT2
    if (v < 0x80000000) return this.op(0x4a).u32(v); // BININT
    const bytes: number[] = []; // LONG1, little-endian two's complement with a clear sign bit
    for (let x = BigInt(v); x > 0n; x >>= 8n) bytes.push(Number(x & 0xffn));
    if (bytes.at(-1)! & 0x80) bytes.push(0);
    return this.op(0x8a, bytes.length, ...bytes);
  }
  tuple(values: readonly number[]): this {
    if (values.length === 0) return this.op(0x29); // EMPTY_TUPLE
    if (values.length > 3) this.op(0x28); // MARK
    for (const v of values) this.int(v);
    return this.op([0x74, 0x85, 0x86, 0x87][values.length] ?? 0x74); // TUPLE, TUPLE1..3
  }
  emptyOrderedDict(): this {
    return this.global("collections", "OrderedDict").op(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/** float32 values -> bfloat16 bits, rounded to nearest, ties to even. */
function toBf16(d: Float32Array): Uint16Array {
  const bits = new Uint32Array(d.buffer, d.byteOffset, d.length), out = new Uint16Array(d.length);
  for (let i = 0; i < out.length; i++) {
    const b = bits[i]!;
    out[i] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Options of {@linkcode encodeTorchStateDict}. */
export interface EncodeTorchOptions {
  /** The archive's top folder (torch uses the file name without extension). Default `"archive"`. */
  readonly archive?: string;
}

/**
 * A `torch.save` file of a state dict: F32 tensors (Float32Array), or BF16 ones (Float32Array values,
 * rounded to nearest even, or Uint16Array bit patterns). Keys keep the map's order.
 *
 * @example
 * ```ts
 * import { encodeTorchStateDict, readTorchStateDict } from "@recursive/trm/io";
 * const bytes = encodeTorchStateDict(new Map([["w", { dtype: "F32", shape: [2], data: Float32Array.from([1, 2]) }]]));
 * if (readTorchStateDict(bytes).get("w")!.data[1] !== 2) throw new Error("round trip");
 * ```
 */
export function encodeTorchStateDict(
  tensors: ReadonlyMap<string, StoredTensor>,
  options: EncodeTorchOptions = {},
): Uint8Array {
  const root = `${options.archive ?? "archive"}/`;
  const p = new PickleWriter().op(0x80, 2).emptyOrderedDict().op(0x28); // PROTO 2, {}, MARK
  const storages: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new RangeError(
        `tensor "${name}": shape [${t.shape}] holds ${count} values, data has ${t.data.length}`,
      );
    }
    let data: Float32Array | Uint16Array, storage: string;
    if (t.dtype === "F32" && t.data instanceof Float32Array) [data, storage] = [t.data, "FloatStorage"];
    else if (t.dtype === "BF16" && (t.data instanceof Float32Array || t.data instanceof Uint16Array)) {
      [data, storage] = [t.data instanceof Float32Array ? toBf16(t.data) : t.data, "BFloat16Storage"];
    } else throw new RangeError(`tensor "${name}": only F32 and BF16 tensors are written, got ${t.dtype}`);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(name).global("torch._utils", "_rebuild_tensor_v2").op(0x28); // MARK (the arguments)
    p.op(0x28).str("storage").global("torch", storage).str(String(storages.length)).str("cpu").int(count);
    p.op(0x74, 0x51); // TUPLE, BINPERSID
    p.int(0).tuple(t.shape).tuple(stride).op(0x89).emptyOrderedDict(); // offset, size, stride, False, hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
    storages.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  p.op(0x75); // SETITEMS
  // _metadata: {module prefix: {"version": 1}} for "" and every module above a tensor, as state_dict().
  const modules = new Set([""]);
  for (const name of tensors.keys()) {
    const parts = name.split(".");
    for (let i = 1; i < parts.length; i++) modules.add(parts.slice(0, i).join("."));
  }
  p.op(0x7d).str("_metadata").emptyOrderedDict().op(0x28); // EMPTY_DICT, key, OrderedDict, MARK
  for (const m of modules) p.str(m).op(0x7d).str("version").int(1).op(0x73); // {"version": 1}
  p.op(0x75, 0x73, 0x62, 0x2e); // SETITEMS, SETITEM, BUILD, STOP

  const entries: [string, Uint8Array][] = [
    ["data.pkl", p.bytes()],
    ["byteorder", new TextEncoder().encode("little")],
    ...storages.map((s, i): [string, Uint8Array] => [`data/${i}`, s]),
    ["version", new TextEncoder().encode("3\n")],
  ];
  const zippable: Zippable = {};
  const mtime = new Date(1980, 0, 1); // fixed, so equal inputs give equal bytes
  let offset = 0;
  for (const [name, data] of entries) {
    const full = new TextEncoder().encode(root + name);
    // Pad the local header's extra field so the data starts on a 64-byte boundary, as torch does.
    const pad = (64 - ((offset + 30 + full.length + 4) % 64)) % 64;
    zippable[root + name] = [data, { level: 0, mtime, extra: { 0x4246: new Uint8Array(pad).fill(0x5a) } }];
    offset += 30 + full.length + 4 + pad + data.length;
  }
  return zipSync(zippable);
}

/** Options of {@linkcode exportTorchCheckpoint}. */
export interface ExportTorchOptions {
  /**
   * Key prefix: `"_orig_mod.model."` (default; what `pretrain.py` saves and loads with `torch.compile`)
   * or `"model."` (runs with `DISABLE_COMPILE`).
   */
  readonly prefix?: string;
  /**
   * dtype of the `H_init` / `L_init` buffers: `"F32"` (default) or `"BF16"` (the official model creates
   * them in `forward_dtype`, bfloat16 by default; `load_state_dict(assign=True)` keeps the file's dtype).
   */
  readonly initDtype?: "F32" | "BF16";
}

/** Rank of an official name (prefix stripped) in the official state dict's order. */
function officialRank(name: string): number {
  const head = ["H_init", "L_init", "embed_tokens", "lm_head", "q_head.weight", "q_head.bias", "puzzle_emb"]
    .findIndex((h) => name.startsWith(`inner.${h}`));
  if (head >= 0) return head;
  // HRM's H_level comes before L_level, as hrm.py constructs them.
  const m = /^inner\.([HL])_level\.layers\.(\d+)\.(\w+)\.(\w+)\./.exec(name);
  const part = ["self_attn.qkv_proj", "self_attn.o_proj", "mlp_t.gate_up_proj", "mlp_t.down_proj"]
    .concat(["mlp.gate_up_proj", "mlp.down_proj"]).indexOf(`${m?.[3]}.${m?.[4]}`);
  return m ? (m[1] === "H" ? 100 : 1e8) + 10 * Number(m[2]) + part : 1e9;
}

/**
 * Reference tensors renamed to `prefix` + official name (any `_orig_mod.` / `model.` prefix dropped) and
 * put in the order the official `state_dict()` has (buffers, heads, puzzle table, then layer by layer).
 *
 * @example
 * ```ts
 * import { officialStateDict } from "@recursive/trm/io";
 * const t = { dtype: "F32" as const, shape: [1], data: new Float32Array(1) };
 * const sd = officialStateDict(new Map([["inner.lm_head.weight", t], ["model.inner.H_init", t]]), "_orig_mod.model.");
 * if ([...sd.keys()].join() !== "_orig_mod.model.inner.H_init,_orig_mod.model.inner.lm_head.weight") throw new Error("order");
 * ```
 */
export function officialStateDict(
  tensors: ReadonlyMap<string, StoredTensor>,
  prefix: string,
): Map<string, StoredTensor> {
  const plain = [...tensors].map((
    [k, v],
  ): [string, StoredTensor] => [k.replace(/^(_orig_mod\.)?(model\.)?/, ""), v]);
  plain.sort(([a], [b]) => officialRank(a) - officialRank(b));
  return new Map(plain.map(([k, v]) => [prefix + k, v]));
}

/**
 * The model and puzzle table as the official `pretrain.py` checkpoint (`torch.save` of the state dict):
 * official names with `options.prefix`, torch [out, in] layout, F32, in the official key order.
 *
 * @example
 * ```ts
 * import { createTrm, exportTorchCheckpoint, initBackend, PuzzleEmbedding, readTorchStateDict, resolveConfig } from "@recursive/trm";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * using model = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } }));
 * const file = await exportTorchCheckpoint(model, new PuzzleEmbedding(1, 8));
 * if (!readTorchStateDict(file).has("_orig_mod.model.inner.lm_head.weight")) throw new Error("names");
 * ```
 */
export async function exportTorchCheckpoint(
  model: Trm,
  puzzles: PuzzleEmbedding | null,
  options: ExportTorchOptions = {},
): Promise<Uint8Array> {
  const out = officialStateDict(
    await exportReferenceState(model, puzzles),
    options.prefix ?? "_orig_mod.model.",
  );
  if (options.initDtype === "BF16") {
    for (const [k, t] of out) if (/inner\.[HL]_init$/.test(k)) out.set(k, { ...t, dtype: "BF16" });
  }
  return encodeTorchStateDict(out);
}
