import { assert, assertEquals, assertThrows } from "@std/assert";
import { unzipSync } from "fflate";
import { createTrm, namedVariables } from "../core/model.ts";
import { resolveConfig } from "../core/config.ts";
import { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { inferConfig, referenceConfig } from "./infer_config.ts";
import type { StoredTensor } from "./safetensors.ts";
import { readTorchStateDict } from "./torch_file.ts";
import { importReferenceState } from "./torch_interop.ts";
import { encodeTorchStateDict, exportTorchCheckpoint, officialStateDict } from "./torch_write.ts";
import { assertNoLeak, testBackend } from "../tests/_helpers.ts";
import { sharedPath } from "../tests/_shared.ts";

await testBackend();

const bits = (d: StoredTensor["data"]) => new Uint32Array(d.buffer, d.byteOffset, d.length);
const f32 = (shape: number[], values: number[]): StoredTensor => ({
  dtype: "F32",
  shape,
  data: Float32Array.from(values),
});

Deno.test("encodeTorchStateDict() -> readTorchStateDict(): names, order, shapes and F32 bits survive", () => {
  const tensors = new Map<string, StoredTensor>([
    ["b.weight", f32([2, 3], [1, -2, 3.5, NaN, -0, 1e-40])],
    ["a", f32([], [7])],
    ["empty", f32([0, 5], [])],
    ["long", f32([70000], Array.from({ length: 70000 }, (_, i) => i))], // BININT for the element count
  ]);
  const back = readTorchStateDict(encodeTorchStateDict(tensors), "x.pt");
  assertEquals([...back.keys()], ["b.weight", "a", "empty", "long"]);
  for (const [name, t] of tensors) {
    assertEquals(back.get(name)!.shape, t.shape, name);
    assertEquals(bits(back.get(name)!.data), bits(t.data), name);
  }
});

Deno.test("encodeTorchStateDict(): BF16 from values (nearest even) or bits; refuses other dtypes", () => {
  // 1 + 2^-8 is halfway between two bf16 values: ties to even (1); 1 + 3 * 2^-9 rounds up.
  const t = new Map<string, StoredTensor>([
    ["v", { dtype: "BF16", shape: [3], data: Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -9, -2]) }],
    ["raw", { dtype: "BF16", shape: [1], data: Uint16Array.from([0x3f80]) }],
  ]);
  const back = readTorchStateDict(encodeTorchStateDict(t));
  assertEquals([back.get("v")!.torchDtype, Array.from(back.get("v")!.data as Float32Array)], ["bfloat16", [
    1,
    1 + 2 ** -7,
    -2,
  ]]);
  assertEquals(Array.from(back.get("raw")!.data as Float32Array), [1]);
  const i32 = new Map([["i", { dtype: "I32" as const, shape: [1], data: Int32Array.from([1]) }]]);
  assertThrows(() => encodeTorchStateDict(i32), RangeError, 'tensor "i": only F32 and BF16');
  assertThrows(() => encodeTorchStateDict(new Map([["s", f32([3], [1])]])), RangeError, "holds 3 values");
});

Deno.test("encodeTorchStateDict(): torch's archive layout, 64-byte aligned storages, equal bytes for equal input", () => {
  const t = new Map([["w", f32([3], [1, 2, 3])], ["x", f32([1], [4])]]);
  const bytes = encodeTorchStateDict(t, { archive: "step_5" });
  assertEquals(bytes, encodeTorchStateDict(t, { archive: "step_5" }));
  const names = Object.keys(unzipSync(bytes));
  assertEquals(names, [
    "step_5/data.pkl",
    "step_5/byteorder",
    "step_5/data/0",
    "step_5/data/1",
    "step_5/version",
  ]);
  // Walk the local headers: each entry's data starts at a multiple of 64.
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 0, i = 0; view.getUint32(at, true) === 0x04034b50; i++) {
    const size = view.getUint32(at + 18, true),
      start = at + 30 + view.getUint16(at + 26, true) +
        view.getUint16(at + 28, true);
    assertEquals(start % 64, 0, names[i]);
    at = start + size;
  }
});

Deno.test("officialStateDict(): official key order and the requested prefix, whatever prefix came in", () => {
  const t = f32([1], [0]);
  const sd = officialStateDict(
    new Map([
      ["model.inner.L_level.layers.1.mlp.down_proj.weight", t],
      ["_orig_mod.model.inner.L_level.layers.0.mlp.gate_up_proj.weight", t],
      ["inner.L_level.layers.0.self_attn.qkv_proj.weight", t],
      ["inner.q_head.bias", t],
      ["inner.H_init", t],
    ]),
    "model.",
  );
  assertEquals([...sd.keys()], [
    "model.inner.H_init",
    "model.inner.q_head.bias",
    "model.inner.L_level.layers.0.self_attn.qkv_proj.weight",
    "model.inner.L_level.layers.0.mlp.gate_up_proj.weight",
    "model.inner.L_level.layers.1.mlp.down_proj.weight",
  ]);
});

for (const mixer of [attention({ heads: 2 }), mlpMixer()]) {
  Deno.test(`ours -> torch file -> ours (${mixer.kind}) is bit-exact, every variable and the puzzle table`, async () => {
    const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
    const config = resolveConfig({ mixer, model: { hidden: 8, puzzleEmbLen: 2 } });
    using a = createTrm(spec, config, { seed: 1 });
    using b = createTrm(spec, config, { seed: 2 });
    const ta = new PuzzleEmbedding(3, 8), tb = new PuzzleEmbedding(3, 8);
    ta.weights.forEach((_, i) => (ta.weights[i] = Math.sin(i) / 7));
    const file = readTorchStateDict(await exportTorchCheckpoint(a, ta), "ours.pt");
    assert([...file.keys()].every((k) => k.startsWith("_orig_mod.model.inner.")));
    assertEquals(
      [...file.keys()].slice(0, 3),
      ["H_init", "L_init", "embed_tokens.embedding_weight"].map((k) => `_orig_mod.model.inner.${k}`),
    );
    importReferenceState(file, b, tb);
    for (const [name, v] of namedVariables(a)) {
      assertEquals(bits(await namedVariables(b).get(name)!.data()), bits(await v.data()), name);
    }
    assertEquals(bits(tb.weights), bits(ta.weights));
    await assertNoLeak(() => exportTorchCheckpoint(a, ta));
  });
}

Deno.test("exportTorchCheckpoint({ initDtype: BF16, prefix }) writes bf16 H_init/L_init and F32 elsewhere", async () => {
  const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 1 };
  using m = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
  const file = readTorchStateDict(
    await exportTorchCheckpoint(m, null, { initDtype: "BF16", prefix: "model." }),
  );
  const dtypes = new Map([...file].map(([k, v]) => [k, v.torchDtype]));
  assertEquals(dtypes.get("model.inner.H_init"), "bfloat16");
  assertEquals(dtypes.get("model.inner.L_init"), "bfloat16");
  assertEquals(dtypes.get("model.inner.lm_head.weight"), "float32");
  assertEquals(file.has("model.inner.puzzle_emb.weights"), false);
});

const GOLDEN: readonly [string, { seqLen?: number; heads?: number }][] = [["mlp", {}], ["att", {
  seqLen: 16,
  heads: 2,
}]];
for (const [variant, answers] of GOLDEN) {
  const dir = sharedPath(`golden/${variant}`);
  for (const file of ["official_step.pt", "official_step_plain.pt"]) {
    Deno.test({
      name:
        `golden ${variant}/${file} -> our model (importReferenceState) -> torch file: bit-exact, same keys in order`,
      ignore: dir === null,
      fn: async () => {
        const official = readTorchStateDict(await Deno.readFile(`${dir}/${file}`), file);
        const { spec, config } = referenceConfig(inferConfig(official), answers);
        using model = createTrm(spec, config);
        const puzzles = new PuzzleEmbedding(spec.numPuzzleIds, config.model.hidden);
        importReferenceState(official, model, puzzles);
        const prefix = file === "official_step.pt" ? "_orig_mod.model." : "model.";
        const back = readTorchStateDict(await exportTorchCheckpoint(model, puzzles, { prefix }), "back.pt");
        assertEquals([...back.keys()], [...official.keys()]);
        for (const [name, t] of official) {
          assertEquals(back.get(name)!.shape, t.shape, name);
          assertEquals(bits(back.get(name)!.data), bits(t.data), name);
        }
      },
    });
  }
}
