import { assert, assertEquals, assertThrows } from "@std/assert";
import { unzipSync, zipSync } from "fflate";
import { decodeReferenceFile, readTorchStateDict, TorchFileError, type TorchTensor } from "./torch_file.ts";
import { readSafetensorsFile, type StoredTensor } from "./safetensors.ts";
import { sharedPath } from "../tests/_shared.ts";
import { compareForward, goldenForward, GoldenReport, loadGolden } from "../tests/_golden.ts";
import { testBackend } from "../tests/_helpers.ts";
import { createTrm } from "../core/model.ts";
import { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import { inferConfig, referenceConfig } from "./infer_config.ts";
import { importReferenceState } from "./torch_interop.ts";

await testBackend();

const DATA = new URL("./testdata/", import.meta.url).pathname;
const fixture = (name: string) => readTorchStateDict(Deno.readFileSync(DATA + name), name);

/** arange(n) / 4 - 1, the formula make_fixtures.py fills tensors with (exact in bf16 and fp16). */
const grid = (n: number) => Array.from({ length: n }, (_, i) => i / 4 - 1);
/** Row-major values of a strided view of `base`, computed directly from the view's definition. */
const view = (base: number[], offset: number, size: number[], stride: number[]): number[] => {
  const out: number[] = [];
  const walk = (d: number, at: number) => {
    if (d === size.length) return void out.push(base[at]!);
    for (let i = 0; i < size[d]!; i++) walk(d + 1, at + i * stride[d]!);
  };
  walk(0, offset);
  return out;
};
const values = (t: StoredTensor | undefined) => Array.from(t!.data as ArrayLike<number>);

for (const file of ["mixed.pt", "mixed_protocol4.pt"]) {
  Deno.test(`readTorchStateDict(${file}): every dtype, strides, offsets and shared storages, row-major`, () => {
    const t = fixture(file);
    assertEquals([...t.keys()], [
      "f32",
      "bf16",
      "f16",
      "f64",
      "i64",
      "transposed",
      "base",
      "offset",
      "strided",
      "bf16_t",
      "scalar",
      "empty",
    ]);
    const check = (name: string, torchDtype: string, shape: number[], want: number[]) => {
      const got = t.get(name) as TorchTensor;
      assertEquals([got.torchDtype, got.shape, values(got)], [torchDtype, shape, want], name);
    };
    check("f32", "float32", [2, 3], grid(6));
    check("bf16", "bfloat16", [2, 3], grid(6));
    check("f16", "float16", [3, 2], grid(6));
    check("f64", "float64", [3], [0.1, -2.5, 1e-3].map(Math.fround));
    check("i64", "int64", [2, 2], [-3, 0, 7, 2147483647]);
    check("transposed", "float32", [4, 3], view(grid(12), 0, [4, 3], [1, 4]));
    check("base", "float32", [3, 4], grid(12));
    check("offset", "float32", [2, 3], grid(20).slice(5, 11));
    check("strided", "float32", [7], view(grid(20), 1, [7], [3]));
    check("bf16_t", "bfloat16", [3, 2], view(grid(6), 0, [3, 2], [1, 3]));
    check("scalar", "float32", [], [2.75]);
    check("empty", "float32", [0, 4], []);
    for (const [name, v] of t) {
      assertEquals(v.dtype, name === "i64" ? "I32" : "F32", name);
      assert(v.data instanceof (name === "i64" ? Int32Array : Float32Array), name);
    }
  });
}

const REFUSED: readonly [string, string][] = [
  ["evil_os_system.pt", "evil_os_system.pt: data.pkl refers to posix.system, which a state dict"],
  ["nested.pt", 'nested.pt: state dict entry "model" holds a dict, not a tensor'],
  ["list.pt", "list.pt: data.pkl: pickle byte 2: opcode EMPTY_LIST"],
  ["legacy.pt", "legacy.pt: legacy (pre-1.6, non-zip) torch.save format"],
  ["truncated.pt", "truncated.pt: not a readable zip archive"],
  [
    "wrong_storage_size.pt",
    'wrong_storage_size.pt: tensor "w": storage 0 has 20 bytes, 6 float32 values need 24',
  ],
  ["missing_storage.pt", 'missing_storage.pt: tensor "w": storage 0 is missing from the archive'],
  [
    "view_out_of_bounds.pt",
    'view_out_of_bounds.pt: tensor "w": its view [2,3] reaches element 7 of a 6-element',
  ],
];
for (const [file, message] of REFUSED) {
  Deno.test(`readTorchStateDict(${file}) is refused with one line naming the file and what was found`, () => {
    const e = assertThrows(() => fixture(file), TorchFileError, message);
    assertEquals(e.message.includes("\n"), false);
  });
}

Deno.test("readTorchStateDict() refuses what is not a zip, a zip without data.pkl, entries outside it", () => {
  const enc = new TextEncoder();
  assertThrows(() => readTorchStateDict(enc.encode("hello"), "x.pt"), TorchFileError, "x.pt: not a torch");
  const noPickle = zipSync({ "archive/version": enc.encode("3\n") });
  assertThrows(() => readTorchStateDict(noPickle, "v.pt"), TorchFileError, "v.pt: no <name>/data.pkl entry");
  const pkl = Deno.readFileSync(DATA + "mixed.pt");
  const stray = zipSync({ "archive/data.pkl": unzipSync(pkl)["mixed/data.pkl"]!, "other/x": enc.encode("") });
  assertThrows(
    () => readTorchStateDict(stray, "s.pt"),
    TorchFileError,
    's.pt: zip entry "other/x" is outside',
  );
});

for (const variant of ["mlp", "att", "hrm", "singlez"]) {
  const dir = sharedPath(`golden/${variant}`);
  for (const file of ["official_step.pt", "official_step_plain.pt"]) {
    Deno.test({
      name: `golden ${variant}/${file}: bit-identical to weights.safetensors, with the official prefix`,
      ignore: dir === null,
      fn: async () => {
        const t = readTorchStateDict(await Deno.readFile(`${dir}/${file}`), file);
        const w = (await readSafetensorsFile(`${dir}/weights.safetensors`)).tensors;
        const prefix = file === "official_step.pt" ? "_orig_mod.model." : "model.";
        assertEquals([...t.keys()].sort(), [...w.keys()].map((k) => prefix + k).sort());
        for (const [name, ref] of w) {
          const got = t.get(prefix + name)!;
          assertEquals(got.shape, ref.shape, name);
          const bits = (d: StoredTensor["data"]) => new Uint32Array(d.buffer, d.byteOffset, d.length);
          assertEquals(bits(got.data), bits(ref.data), name);
        }
        assertEquals(decodeReferenceFile(await Deno.readFile(`${dir}/${file}`)).format, "torch");
      },
    });
  }
}

// The whole path from the official file: read official_step.pt, infer the config from its shapes (plus the
// golden config's T, n, N_sup, heads and L, which no shape tells), import, and run the official eval forward.
for (const [variant, answers] of [["mlp", {}], ["att", { seqLen: 16, heads: 2 }]] as const) {
  Deno.test({
    name:
      `golden ${variant}: official_step.pt -> inferred config -> our model reproduces forward.safetensors`,
    ignore: sharedPath(`golden/${variant}`) === null,
    fn: async () => {
      const g = (await loadGolden(variant))!;
      const official = readTorchStateDict(
        await Deno.readFile(`${g.dir}/official_step.pt`),
        "official_step.pt",
      );
      const { spec, config } = referenceConfig(inferConfig(official), {
        ...answers,
        n: g.trmConfig.recursion.n,
        T: g.trmConfig.recursion.T,
        maxSteps: g.trmConfig.supervision.maxSteps,
      });
      assertEquals(spec, { ...g.spec, name: "reference" });
      using model = createTrm(spec, config);
      const puzzles = new PuzzleEmbedding(spec.numPuzzleIds, config.model.hidden);
      importReferenceState(official, model, puzzles);
      const steps = await goldenForward(model, puzzles, g.batch, g.supervisionSteps);
      const report = new GoldenReport(`${variant} from official_step.pt`);
      compareForward(report, "forward", steps, g.forward, g.forwardF64, "");
      report.print();
      report.assertPass();
    },
  });
}
