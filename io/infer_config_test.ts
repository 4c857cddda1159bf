import { assertEquals, assertThrows } from "@std/assert";
import { inferConfig, type InferredReference, referenceConfig } from "./infer_config.ts";
import { readSafetensorsFile, type StoredTensor } from "./safetensors.ts";
import { readTorchStateDict } from "./torch_file.ts";
import { sharedPath } from "../tests/_shared.ts";

const t = (...shape: number[]): StoredTensor => ({
  dtype: "F32",
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
});

/** A reference state dict of the official shapes (prefix `model.`), torch [out, in] layout. */
function reference(
  D: number,
  V: number,
  ids: number,
  width: number,
  layers: number,
  mlpT: [number, number] | null,
  scheme: { hLayers: number } | "singlez" | "trm" = "trm",
) {
  const m = new Map<string, StoredTensor>([
    ...(scheme === "singlez" ? [] : [["model.inner.H_init", t(D)] as const]),
    ["model.inner.L_init", t(D)],
    ["model.inner.embed_tokens.embedding_weight", t(V, D)],
    ["model.inner.lm_head.weight", t(V, D)],
    ["model.inner.q_head.weight", t(2, D)],
    ["model.inner.q_head.bias", t(2)],
    ["model.inner.puzzle_emb.weights", t(ids, D)],
  ]);
  const hLayers = typeof scheme === "object" ? scheme.hLayers : 0;
  for (const [level, count] of [["L", layers], ["H", hLayers]] as const) {
    for (let i = 0; i < count; i++) addLayer(m, `model.inner.${level}_level.layers.${i}`, D, width, mlpT);
  }
  return m;
}

/** One official block's weights at `l` (`...L_level.layers.i` or `...H_level.layers.i`). */
function addLayer(
  m: Map<string, StoredTensor>,
  l: string,
  D: number,
  width: number,
  mlpT: [number, number] | null,
) {
  if (mlpT) {
    m.set(`${l}.mlp_t.gate_up_proj.weight`, t(2 * mlpT[1], mlpT[0]));
    m.set(`${l}.mlp_t.down_proj.weight`, t(mlpT[0], mlpT[1]));
  } else {
    m.set(`${l}.self_attn.qkv_proj.weight`, t(3 * D, D));
    m.set(`${l}.self_attn.o_proj.weight`, t(D, D));
  }
  m.set(`${l}.mlp.gate_up_proj.weight`, t(2 * width, D));
  m.set(`${l}.mlp.down_proj.weight`, t(D, width));
}

const GOLDEN_SHAPES = { hidden: 64, expansion: 4, layers: 2, vocabSize: 11, numPuzzleIds: 5 };
const ATT = { mixer: "attention", fullSeqLen: null, mixerExpansion: null } as const;
/** What /work/shared/golden/README.md says each variant is (config.json `arch.*`). */
const WANT: Readonly<Record<string, InferredReference>> = {
  mlp: {
    scheme: "trm",
    mixer: "mlp-mixer",
    ...GOLDEN_SHAPES,
    hLayers: null,
    fullSeqLen: 32,
    mixerExpansion: 4,
  },
  att: { scheme: "trm", ...ATT, ...GOLDEN_SHAPES, hLayers: null },
  hrm: { scheme: "hrm", ...ATT, ...GOLDEN_SHAPES, hLayers: 2 },
  singlez: { scheme: "singlez", ...ATT, ...GOLDEN_SHAPES, hLayers: null },
};
for (const variant of ["mlp", "att", "hrm", "singlez"]) {
  const dir = sharedPath(`golden/${variant}`);
  Deno.test({
    name: `inferConfig() on golden ${variant} (safetensors and both .pt prefixes) gives the official config`,
    ignore: dir === null,
    fn: async () => {
      const sources = [(await readSafetensorsFile(`${dir}/weights.safetensors`)).tensors];
      for (const f of ["official_step.pt", "official_step_plain.pt"]) {
        sources.push(readTorchStateDict(await Deno.readFile(`${dir}/${f}`), f));
      }
      for (const s of sources) assertEquals(inferConfig(s), WANT[variant]);
    },
  });
}

Deno.test("inferConfig(): the scheme from the names (H_level -> hrm, no H_init -> singlez), layers per level", () => {
  const trm = inferConfig(reference(8, 11, 3, 256, 2, null));
  assertEquals([trm.scheme, trm.layers, trm.hLayers], ["trm", 2, null]);
  const h = inferConfig(reference(8, 11, 3, 256, 1, null, { hLayers: 3 }));
  assertEquals(h, {
    scheme: "hrm",
    ...ATT,
    hidden: 8,
    expansion: 4,
    layers: 1,
    hLayers: 3,
    vocabSize: 11,
    numPuzzleIds: 3,
  });
  const z = inferConfig(reference(8, 11, 3, 256, 2, [20, 256], "singlez"));
  assertEquals([z.scheme, z.mixer, z.layers, z.hLayers, z.fullSeqLen], ["singlez", "mlp-mixer", 2, null, 20]);
});

Deno.test("inferConfig() names what is wrong in an HRM or single-z state dict, in one line", () => {
  const hrm = () => reference(8, 11, 3, 256, 2, null, { hLayers: 2 });
  const cases: [Map<string, StoredTensor>, (m: Map<string, StoredTensor>) => void, string][] = [
    [hrm(), (m) => m.delete("model.inner.H_init"), 'missing tensor "inner.H_init"'],
    [hrm(), (m) => m.delete("model.inner.L_init"), 'missing tensor "inner.L_init"'],
    [
      hrm(),
      (m) => m.delete("model.inner.H_level.layers.0.mlp.down_proj.weight"),
      'missing tensor "inner.H_level',
    ],
    [
      hrm(),
      (m) => m.set("model.inner.H_level.layers.3.mlp.down_proj.weight", t(8, 256)),
      "H_level layer indices",
    ],
    [
      hrm(),
      (m) => m.set("model.inner.H_level.layers.1.mlp.gate_up_proj.weight", t(1024, 8)),
      '"inner.H_level.layers.1.mlp.gate_up_proj.weight" has shape [1024,8], expected [512,8]',
    ],
    [
      hrm(),
      (m) => m.set("model.inner.H_level.layers.0.self_attn.o_proj.weight", t(8, 4)),
      '"inner.H_level.layers.0.self_attn.o_proj.weight" has shape [8,4], expected [8,8]',
    ],
    [
      reference(8, 11, 3, 256, 2, [20, 256], { hLayers: 1 }),
      () => {},
      "hrm.py's blocks are attention only",
    ],
    [
      reference(8, 11, 3, 256, 2, null, "singlez"),
      (m) => m.set("model.inner.L1_init", t(8)),
      "trm_hier6.py's separate latents",
    ],
    [reference(8, 11, 3, 256, 2, null, "singlez"), (m) => m.delete("model.inner.L_init"), "inner.L_init"],
    [
      reference(8, 11, 3, 256, 2, null, "singlez"),
      (m) => m.set("model.inner.q_head.weight", t(1, 8)),
      '"inner.q_head.weight" has shape [1,8], expected [2,8]',
    ],
  ];
  for (const [m, edit, message] of cases) {
    edit(m);
    const e = assertThrows(() => inferConfig(m), RangeError, message);
    assertEquals(e.message.includes("\n"), false);
  }
});

Deno.test("inferConfig(): expansion from the SwiGLU width (4 preferred, else the one that gives it)", () => {
  assertEquals(inferConfig(reference(512, 11, 1, 1536, 2, null)).expansion, 4);
  assertEquals(inferConfig(reference(512, 11, 1, 1024, 2, null)).expansion, 3);
  assertEquals(inferConfig(reference(512, 11, 1, 2560, 2, null)).expansion, 7.5); // none in the list: 3W / 2D
  const sudoku = inferConfig(reference(512, 11, 1, 1536, 3, [97, 512]));
  assertEquals([sudoku.mixer, sudoku.layers, sudoku.fullSeqLen, sudoku.mixerExpansion], [
    "mlp-mixer",
    3,
    97,
    4,
  ]);
  assertThrows(
    () => inferConfig(reference(512, 11, 1, 1000, 2, null)),
    RangeError,
    "mlp width 1000 is no SwiGLU",
  );
});

Deno.test("inferConfig() names the tensor that is unknown, missing, misshapen or unsupported", () => {
  const cases: [(m: Map<string, StoredTensor>) => void, string][] = [
    [(m) => m.set("model.inner.embed_pos.embedding_weight", t(32, 8)), "learned position embeddings"],
    [(m) => m.set("model.inner.extra", t(1)), 'unknown tensor "inner.extra"'],
    [(m) => m.delete("model.inner.q_head.bias"), 'missing tensor "inner.q_head.bias"'],
    [
      (m) => m.set("model.inner.lm_head.weight", t(12, 8)),
      '"inner.lm_head.weight" has shape [12,8], expected [11,8]',
    ],
    [(m) => m.set("model.inner.puzzle_emb.weights", t(3, 16)), "only puzzle_emb_ndim = hidden_size (8)"],
    [
      (m) => m.set("model.inner.L_level.layers.3.mlp.down_proj.weight", t(8, 256)),
      "L_level layer indices [0,1,3] are not 0..2",
    ],
    [
      (m) => m.set("model.inner.L_level.layers.1.self_attn.o_proj.weight", t(8, 4)),
      'o_proj.weight" has shape',
    ],
    [
      (m) => m.set("model.inner.L_level.layers.0.mlp_t.down_proj.weight", t(8, 4)),
      "both self_attn and mlp_t",
    ],
  ];
  for (const [edit, message] of cases) {
    const m = reference(8, 11, 3, 256, 2, null);
    edit(m);
    const e = assertThrows(() => inferConfig(m), RangeError, message);
    assertEquals(e.message.includes("\n"), false);
  }
});

Deno.test("referenceConfig(): the MLP-mixer's L' splits by the given P or L; attention needs L; defaults", () => {
  const mlp = inferConfig(reference(8, 11, 3, 256, 2, [97, 256]));
  const d = referenceConfig(mlp);
  assertEquals([d.spec.seqLen, d.config.model.puzzleEmbLen], [81, 16]);
  assertEquals([d.config.recursion.n, d.config.recursion.T, d.config.supervision.maxSteps], [6, 3, 16]);
  assertEquals(d.spec, { name: "reference", vocabSize: 11, seqLen: 81, numPuzzleIds: 3 });
  assertEquals(referenceConfig(mlp, { seqLen: 96 }).config.model.puzzleEmbLen, 1);
  assertEquals(referenceConfig(mlp, { puzzleEmbLen: 1 }).spec.seqLen, 96);
  assertThrows(() => referenceConfig(mlp, { seqLen: 81, puzzleEmbLen: 1 }), RangeError, "L' = 97");
  const att = inferConfig(reference(8, 11, 3, 256, 2, null));
  assertThrows(() => referenceConfig(att), RangeError, "do not tell seq_len");
  const a = referenceConfig(att, { seqLen: 900, heads: 2, n: 4, T: 2, maxSteps: 8, positions: "none" });
  assertEquals(a.config.mixer.options, { heads: 2, positions: "none", ropeBase: 10000 });
  assertEquals([a.spec.seqLen, a.config.recursion.n, a.config.recursion.T, a.config.supervision.maxSteps], [
    900,
    4,
    2,
    8,
  ]);
  assertEquals(referenceConfig(att, { seqLen: 4 }).config.mixer.options.heads, 8);
});

Deno.test("referenceConfig(): the inferred scheme's plugin, and its official defaults for what shapes do not tell", () => {
  const h = referenceConfig(inferConfig(reference(8, 11, 3, 256, 1, null, { hLayers: 3 })), { seqLen: 9 });
  assertEquals([h.config.scheme.kind, h.config.scheme.options, h.config.scheme.halting], [
    "hrm",
    { hLayers: 3, lLayers: 1 },
    "q-learning",
  ]);
  // hrm.yaml: H_cycles 2, L_cycles 2, and P = ceil(puzzle_emb_ndim / hidden_size) = 1.
  assertEquals([h.config.model.layers, h.config.recursion, h.config.model.puzzleEmbLen], [
    1,
    { n: 2, T: 2 },
    1,
  ]);
  const given = referenceConfig(inferConfig(reference(8, 11, 3, 256, 1, null, { hLayers: 3 })), {
    seqLen: 9,
    n: 3,
    T: 4,
    puzzleEmbLen: 2,
  });
  assertEquals([given.config.recursion, given.config.model.puzzleEmbLen], [{ n: 3, T: 4 }, 2]);
  const z = referenceConfig(inferConfig(reference(8, 11, 3, 256, 2, null, "singlez")), { seqLen: 9 });
  assertEquals([z.config.scheme.kind, z.config.scheme.states, z.config.scheme.halting], [
    "singlez",
    ["z"],
    "q-halt",
  ]);
  assertEquals([z.config.recursion, z.config.model.puzzleEmbLen], [{ n: 6, T: 3 }, 16]);
  const t = referenceConfig(inferConfig(reference(8, 11, 3, 256, 2, null)), { seqLen: 9 });
  assertEquals([t.config.scheme.kind, t.config.scheme.states], ["trm", ["y", "z"]]);
  // An MLP-mixer single-z: L' = 20 with the default P = 16 leaves L = 4.
  const zm = referenceConfig(inferConfig(reference(8, 11, 3, 256, 2, [20, 256], "singlez")));
  assertEquals([zm.spec.seqLen, zm.config.model.puzzleEmbLen, zm.config.scheme.kind], [4, 16, "singlez"]);
});
