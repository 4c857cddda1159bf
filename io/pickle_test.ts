import { assertEquals, assertThrows } from "@std/assert";
import { PickleError, type PyDict, PyGlobal, unpickle, type UnpickleHooks } from "./pickle.ts";

// The hex strings are CPython 3.11's `pickle.dumps(value, protocol=P).hex()` for the value in the comment.
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const refuse = (what: string) => (): never => {
  throw new Error(`${what} called`);
};
const NO_HOOKS: UnpickleHooks = {
  findClass: refuse("findClass"),
  reduce: refuse("reduce"),
  persistentLoad: refuse("persistentLoad"),
};

// {'a': (1, -2, 300, 70000, 2**40, -2**40, True, False, None, 'é'), 'b': {}}
const VALUE = [1, -2, 300, 70000, 2 ** 40, -(2 ** 40), true, false, null, "é"];
const P2 = "80027d7100285801000000617101284b014afeffffff4d2c014a701101008a060000000000018a060000000000ff" +
  "88894e5802000000c3a9710274710358010000006271047d7105752e";
const P4 = "80049539000000000000007d94288c016194284b014afeffffff4d2c014a701101008a060000000000018a06000000" +
  "0000ff88894e8c02c3a99474948c0162947d94752e";

for (const [protocol, bytes] of [["2", P2], ["4", P4]] as const) {
  Deno.test(`unpickle() reads ints, bools, None, unicode, tuples and dicts at protocol ${protocol}`, () => {
    const d = unpickle(hex(bytes), NO_HOOKS) as PyDict;
    assertEquals([...d.entries.keys()], ["a", "b"]);
    assertEquals(d.entries.get("a"), VALUE);
    assertEquals((d.entries.get("b") as PyDict).entries.size, 0);
  });
}

Deno.test("unpickle() resolves memo references (BINPUT / BINGET) to the same object", () => {
  // t = (1, 2); {'x': t, 'y': t}
  const d = unpickle(
    hex("80027d71002858010000007871014b014b0286710258010000007971036802752e"),
    NO_HOOKS,
  ) as PyDict;
  assertEquals(d.entries.get("x"), [1, 2]);
  assertEquals(d.entries.get("y") === d.entries.get("x"), true);
});

Deno.test("unpickle() refuses opcodes a state dict does not use, naming them and the byte", () => {
  assertThrows(() => unpickle(hex("80025d71004b01612e"), NO_HOOKS), PickleError, "byte 2: opcode EMPTY_LIST"); // [1]
  assertThrows( // {'f': 1.5}
    () => unpickle(hex("80027d71005801000000667101473ff8000000000000732e"), NO_HOOKS),
    PickleError,
    "opcode BINFLOAT",
  );
  assertThrows(() => unpickle(hex("8002ff2e"), NO_HOOKS), PickleError, "opcode 0xff");
  assertThrows(() => unpickle(hex("80012e"), NO_HOOKS), PickleError, "protocol 1");
});

Deno.test("unpickle() refuses integers beyond 2^53, truncation, trailing bytes and a bad stack", () => {
  // {'n': 2**60}
  assertThrows(
    () => unpickle(hex("80027d710058010000006e71018a080000000000000010732e"), NO_HOOKS),
    PickleError,
    "exceeds 2^53",
  );
  assertThrows(() => unpickle(hex(P2).slice(0, 20), NO_HOOKS), PickleError, "truncated");
  assertThrows(() => unpickle(hex(P2 + "2e"), NO_HOOKS), PickleError, "1 bytes after STOP");
  assertThrows(() => unpickle(hex("8002732e"), NO_HOOKS), PickleError, "stack underflow"); // SETITEM on nothing
  assertThrows(() => unpickle(hex("8002284b012e"), NO_HOOKS), PickleError, "STOP with 2 values"); // MARK 1 STOP
  assertThrows(() => unpickle(hex("80026805"), NO_HOOKS), PickleError, "memo 5 is unset");
});

Deno.test("unpickle() hands globals to findClass, calls to reduce and persistent ids to persistentLoad", () => {
  // GLOBAL 'torch FloatStorage', then (('storage', <global>, '0'),) BINPERSID; REDUCE of GLOBAL 'm f' on it.
  const enc = new TextEncoder();
  const bytes = Uint8Array.from([
    0x80,
    2,
    0x63,
    ...enc.encode("m\nf\n"),
    0x28,
    0x63,
    ...enc.encode("torch\nFloatStorage\n"),
    0x4b,
    7,
    0x86,
    0x51,
    0x74,
    0x52,
    0x2e,
  ]);
  const seen: string[] = [];
  const out = unpickle(bytes, {
    findClass: (m, n) => (seen.push(`${m}.${n}`), new PyGlobal(m, n)),
    persistentLoad: (pid) => ({ pid }),
    reduce: (fn, args) => ({ fn: fn.toString(), args }),
  });
  assertEquals(seen, ["m.f", "torch.FloatStorage"]);
  assertEquals(out, { fn: "m.f", args: [{ pid: [new PyGlobal("torch", "FloatStorage"), 7] }] });
  const refuseAll = (m: string, n: string): never => {
    throw new Error(`refused ${m}.${n}`);
  };
  assertThrows(() => unpickle(bytes, { ...NO_HOOKS, findClass: refuseAll }), Error, "refused m.f");
});
