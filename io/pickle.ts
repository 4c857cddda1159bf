/**
 * A strict, minimal Python unpickler for PyTorch state dicts: it evaluates nothing and knows no class
 * beyond the few a state dict is made of.
 *
 * Why it is hand-written: the npm pickle readers (`pickleparser` 0.2.1, two releases on one day a year
 * ago; `jpickle` 0.4.1, unmaintained) are general readers that turn any global into a placeholder object
 * and any opcode into a value; a checkpoint reader needs the opposite: refuse every global that is not on
 * a short allow-list (`os.system` in a hostile file must be an error, not an object), refuse opcodes a
 * state dict never uses, and hand `persistent_id` storage references to the caller. That is ~40 opcodes'
 * worth of a table, written here against the pickle specification (`pickletools.py`).
 *
 * What it reads: protocols 2-5 as `torch.save` writes them. Values: Python `int` (as a JS number; larger
 * than 2^53 is refused), `str`, `bool`, `None`, tuples (frozen arrays), `dict` (a {@linkcode PyDict}),
 * globals (a {@linkcode PyGlobal}, which only `REDUCE` and `BINPERSID` may consume, through the hooks),
 * and whatever the hooks return. No lists, floats, bytes, sets or object construction (`NEWOBJ`, `INST`,
 * `OBJ`): state dicts need none of them.
 *
 * @module
 */

/** A Python dict (or `collections.OrderedDict`): insertion-ordered, string or number keys. */
export class PyDict {
  /** Entries in insertion order. */
  readonly entries: Map<string | number, unknown> = new Map();
  /** Whether it was built as `collections.OrderedDict`. */
  readonly ordered: boolean;
  /** State set by `BUILD` (the `_metadata` of a torch state dict). */
  state: PyDict | null = null;
  /** Creates an empty dict. */
  constructor(ordered: boolean) {
    this.ordered = ordered;
  }
}

/** A global reference (`module.name`), already admitted by the caller's `findClass`. */
export class PyGlobal {
  /** Creates the reference. */
  constructor(readonly module: string, readonly name: string) {}
  /** `module.name`, as Python prints it. */
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** How the caller admits globals and resolves calls and persistent ids. Each hook throws to refuse. */
export interface UnpickleHooks {
  /** Admits `module.name` (throw a message to refuse it). */
  readonly findClass: (module: string, name: string) => PyGlobal;
  /** `REDUCE`: the value of `fn(*args)` for an admitted global. */
  readonly reduce: (fn: PyGlobal, args: readonly unknown[]) => unknown;
  /** `BINPERSID`: the object a persistent id stands for. */
  readonly persistentLoad: (pid: unknown) => unknown;
}

/** A pickle this reader refuses; the message says what was found and where. */
export class PickleError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "PickleError";
  }
}

const MARK = Symbol("mark");

/** Opcode names for error messages (the ones a reader is likely to meet and this one refuses). */
const NAMES: Readonly<Record<number, string>> = {
  0x63: "GLOBAL",
  0x5d: "EMPTY_LIST",
  0x61: "APPEND",
  0x65: "APPENDS",
  0x6c: "LIST",
  0x47: "BINFLOAT",
  0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x69: "INST",
  0x6f: "OBJ",
  0x52: "REDUCE",
  0x8f: "EMPTY_SET",
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x56: "UNICODE",
  0x46: "FLOAT",
  0x70: "PUT",
  0x67: "GET",
  0x50: "PERSID",
};

/**
 * Unpickles `bytes` with `hooks`. Throws {@linkcode PickleError} (or the hook's error) on anything outside
 * the supported subset, on truncation and on trailing bytes after `STOP`.
 *
 * @example
 * ```ts
 * import { PyDict, PyGlobal, unpickle } from "@recursive/trm/io";
 * // {"a": 1} at protocol 2: PROTO 2, EMPTY_DICT, BINUNICODE "a", BININT1 1, SETITEM, STOP.
 * const bytes = Uint8Array.from([0x80, 2, 0x7d, 0x58, 1, 0, 0, 0, 0x61, 0x4b, 1, 0x73, 0x2e]);
 * const refuse = (): never => { throw new Error("no globals"); };
 * const d = unpickle(bytes, { findClass: refuse, reduce: refuse, persistentLoad: refuse }) as PyDict;
 * if (d.entries.get("a") !== 1) throw new Error("unpickle");
 * ```
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (msg: string): never => {
    throw new PickleError(`pickle byte ${pos}: ${msg}`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated (needs ${n} more bytes, the pickle ends at ${bytes.length})`);
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), pos += 2, view.getUint16(pos - 2, true));
  const u32 = () => (need(4), pos += 4, view.getUint32(pos - 4, true));
  const i32 = () => (need(4), pos += 4, view.getInt32(pos - 4, true));
  const text = (n: number): string => {
    need(n);
    try {
      return utf8.decode(bytes.subarray(pos, pos += n));
    } catch {
      return fail("string is not valid UTF-8");
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("unterminated GLOBAL line");
    const s = text(end - pos);
    pos++; // the newline
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail("stack underflow");
    const v = stack.pop();
    if (v === MARK) fail("a value was expected where a MARK is");
    return v;
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) return fail("no MARK on the stack");
    return stack.splice(m).slice(1); // drop the MARK itself
  };
  const top = (): unknown => {
    if (stack.length === 0 || stack.at(-1) === MARK) fail("stack underflow");
    return stack.at(-1);
  };
  const asDict = (v: unknown, op: string): PyDict => v instanceof PyDict ? v : fail(`${op} on a non-dict`);
  const key = (k: unknown): string | number =>
    typeof k === "string" || typeof k === "number" ? k : fail(`dict key of type ${typeof k}`);
  const tuple = (items: unknown[]) => Object.freeze(items);
  const long = (n: number): number => {
    need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
    if (n > 0 && bytes[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    pos += n;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      fail(`integer ${v} exceeds 2^53`);
    }
    return Number(v);
  };
  const put = (idx: number) => memo.set(idx, top());
  const get = (idx: number) => memo.has(idx) ? stack.push(memo.get(idx)) : fail(`memo ${idx} is unset`);

  while (true) {
    const at = pos, op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p < 2 || p > 5) fail(`pickle protocol ${p} (2 to 5 are read)`);
        break;
      }
      case 0x95: // FRAME: an 8-byte length that only groups opcodes; nothing to do.
        need(8), pos += 8;
        break;
      case 0x2e: // STOP
        if (pos !== bytes.length) fail(`${bytes.length - pos} bytes after STOP`);
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length), stack.push(MARK);
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line(), name = line();
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop(), fn = pop();
        if (!(fn instanceof PyGlobal)) fail("REDUCE of something that is not a global");
        if (!Array.isArray(args)) fail(`REDUCE of ${fn} with arguments that are not a tuple`);
        stack.push(hooks.reduce(fn as PyGlobal, args as unknown[]));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x62: { // BUILD: only dict state on a dict (OrderedDict's `_metadata`)
        const state = pop(), obj = top();
        if (!(obj instanceof PyDict) || !(state instanceof PyDict)) fail("BUILD outside a dict's state");
        (obj as PyDict).state = state as PyDict;
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict(false));
        break;
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        asDict(top(), "SETITEM").entries.set(key(k), v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail("SETITEMS with an odd number of items");
        const d = asDict(top(), "SETITEMS");
        for (let i = 0; i < items.length; i += 2) d.entries.set(key(items[i]), items[i + 1]);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      default:
        pos = at;
        fail(
          `opcode ${NAMES[op] ?? `0x${op.toString(16).padStart(2, "0")}`}, which a state dict does not use`,
        );
    }
  }
}
