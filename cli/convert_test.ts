import { assert, assertEquals } from "@std/assert";
import {
  createTrm,
  namedVariables,
  PuzzleEmbedding,
  resolveConfig,
  TrainSession,
  type TrmConfigInput,
} from "../core/mod.ts";
import {
  loadCheckpoint,
  readSafetensorsFile,
  readTorchStateDict,
  saveCheckpoint,
  type StoredTensor,
} from "../io/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { hrm, singleZ, trmTwoNets } from "../plugins/schemes/mod.ts";
import { jsonSummary, runCli, testBackend } from "../tests/_helpers.ts";
import { sharedPath } from "../tests/_shared.ts";

await testBackend();

const bits = (d: StoredTensor["data"]) => new Uint32Array(d.buffer, d.byteOffset, d.length);

/** Asserts a failed run: exit 2, exactly one stderr line containing `text`, no stack trace. */
function assertOneLine(r: { code: number; stderr: string }, text: string) {
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert(r.stderr.includes(text), r.stderr);
  assert(!r.stderr.includes("    at "), "no stack trace");
}

Deno.test("convert refuses bad arguments and hostile or unsupported files with one line, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  const evil = new URL("../io/testdata/evil_os_system.pt", import.meta.url).pathname;
  assertOneLine(await runCli("convert", evil, `${dir}/x`), "refers to posix.system");
  assertOneLine(await runCli("convert", evil), "expected IN and OUT");
  assertOneLine(
    await runCli("convert", evil, `${dir}/x`, "--to", "onnx"),
    '--to: expected one of ours, torch, safetensors, got "onnx"',
  );
  assertOneLine(await runCli("convert", `${dir}/absent.pt`, `${dir}/x`), "absent.pt");
  const help = await runCli("convert", "--help");
  assertEquals(help.code, 0);
  assert(help.stdout.includes("--seq-len"));
});

Deno.test("convert's flags are on the typed schema: unknown names get the closest one, bad values one line", async () => {
  const dir = await Deno.makeTempDir();
  const pt = new URL("../io/testdata/evil_os_system.pt", import.meta.url).pathname; // never read: flags fail first
  const cases: [string[], string][] = [
    [["--seq-lne", "81"], 'unknown flag "--seq-lne"; did you mean --seq-len?'],
    [["--head", "2"], "did you mean --heads?"],
    [["--scheme", "hrm"], 'unknown flag "--scheme"'],
    [["--seq-len", "1.5"], '--seq-len: expected an integer >= 1, got "1.5"'],
    [["--seq-len", "-3"], '--seq-len: expected an integer >= 1, got "-3"'],
    [["--heads", "0"], '--heads: expected an integer >= 1, got "0"'],
    [["--n", "two"], '--n: expected an integer >= 1, got "two"'],
    [["--T", "1e400"], "--T: expected an integer >= 1"],
    [["--max-steps"], "--max-steps: expected an integer >= 1 after it"],
    [["--puzzle-emb-len", "0"], '--puzzle-emb-len: expected an integer >= 1, got "0"'],
    [["--positions", "learned"], '--positions: expected one of rope, none, got "learned"'],
    [["--init-dtype", "f16"], '--init-dtype: expected one of f32, bf16, got "f16"'],
    [["--prefix", ""], '--prefix: expected a non-empty value, got ""'],
    [["--to", "torch", "--to", "ours"], "--to: given more than once"],
    [["--help=yes"], '--help: expected no value, got "yes"'],
  ];
  for (const [flags, message] of cases) {
    assertOneLine(await runCli("convert", pt, `${dir}/out`, ...flags), message);
  }
  assertEquals([...Deno.readDirSync(dir)], [], "nothing written");
  const short = await runCli("convert", "-h");
  assertEquals([short.code, short.stdout.includes("Usage: deno task convert")], [0, true]);
});

for (const mixer of [mlpMixer(), attention({ heads: 2 })]) {
  Deno.test(`convert ours -> torch -> ours (${mixer.kind}) is bit-exact; --to safetensors writes official names`, async () => {
    const dir = await Deno.makeTempDir();
    const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
    const config = resolveConfig({
      mixer,
      model: { hidden: 8, puzzleEmbLen: 2 },
      recursion: { n: 2, T: 2 },
      supervision: { maxSteps: 4 },
      optim: { batchSize: 2, emaDecay: null },
    });
    using model = createTrm(spec, config, { seed: 3 });
    const puzzles = new PuzzleEmbedding(3, 8);
    puzzles.weights.forEach((_, i) => (puzzles.weights[i] = Math.cos(i) / 3));
    using session = new TrainSession(model, { totalSteps: 1, puzzles });
    await saveCheckpoint(`${dir}/a`, { taskSpec: spec, config, session, seed: 0 });

    const toTorch = await runCli("convert", `${dir}/a`, `${dir}/a.pt`);
    assertEquals(toTorch.code, 0, toTorch.stderr);
    assertEquals(jsonSummary(toTorch.stdout).tensors, namedVariables(model).size + 1);
    // Attention: nothing is sized by L', so P is given; the MLP-mixer's L' = 8 and L = 6 imply P = 2.
    const heads = mixer.kind === "attention" ? ["--heads", "2", "--puzzle-emb-len", "2"] : [];
    const back = await runCli(
      "convert",
      `${dir}/a.pt`,
      `${dir}/b`,
      "--seq-len",
      "6",
      "--n",
      "2",
      "--T",
      "2",
      ...heads,
    );
    assertEquals(back.code, 0, back.stderr);
    assertEquals(jsonSummary(back.stdout).assumed.puzzleEmbLen, 2);
    using loaded = await loadCheckpoint(`${dir}/b`);
    assertEquals(loaded.meta.taskSpec, { ...spec, name: "reference" });
    assertEquals([loaded.config.recursion.n, loaded.config.recursion.T], [2, 2]);
    for (const [name, v] of namedVariables(model)) {
      assertEquals(bits(await namedVariables(loaded.model).get(name)!.data()), bits(await v.data()), name);
    }
    assertEquals(bits(loaded.puzzles.weights), bits(puzzles.weights));

    const st = await runCli("convert", `${dir}/a`, `${dir}/a.safetensors`);
    assertEquals(st.code, 0, st.stderr);
    const tensors = (await readSafetensorsFile(`${dir}/a.safetensors`)).tensors;
    const pt = readTorchStateDict(await Deno.readFile(`${dir}/a.pt`));
    assertEquals(
      [...tensors.keys()].sort(),
      [...pt.keys()].map((k) => k.replace("_orig_mod.model.", "")).sort(),
    );
  });
}

for (const [variant, extra] of [["mlp", []], ["att", ["--seq-len", "16", "--heads", "2"]]] as const) {
  const dir = sharedPath(`golden/${variant}`);
  Deno.test({
    name:
      `convert golden ${variant}/official_step.pt -> ours -> torch: the same tensors, bit for bit, and keys`,
    ignore: dir === null,
    fn: async () => {
      const out = await Deno.makeTempDir();
      const r1 = await runCli("convert", `${dir}/official_step.pt`, `${out}/ours`, ...extra);
      assertEquals(r1.code, 0, r1.stderr);
      const rep = jsonSummary(r1.stdout);
      assertEquals([rep.from, rep.to, rep.tensors, rep.config.hidden, rep.config.layers], [
        "torch",
        "ours",
        15,
        64,
        2,
      ]);
      assertEquals(rep.config.mixer, variant === "mlp" ? "mlp-mixer" : "attention");
      const r2 = await runCli("convert", `${out}/ours`, `${out}/step_0`);
      assertEquals(r2.code, 0, r2.stderr);
      const a = readTorchStateDict(await Deno.readFile(`${dir}/official_step.pt`));
      const b = readTorchStateDict(await Deno.readFile(`${out}/step_0`));
      assertEquals([...b.keys()], [...a.keys()]);
      for (const [name, t] of a) assertEquals(bits(b.get(name)!.data), bits(t.data), name);
      if (variant === "att") {
        assertOneLine(await runCli("convert", `${dir}/official_step.pt`, `${out}/x`), "--seq-len");
      }
    },
  });
}

/** The official state dict's key order (hrm.py / trm_singlez.py construct in this order; README there). */
function officialOrder(hasHInit: boolean, levels: [string, number][], parts: string[]): string[] {
  const head = ["L_init", "embed_tokens.embedding_weight", "lm_head.weight", "q_head.weight", "q_head.bias"]
    .concat(["puzzle_emb.weights"]);
  const keys = [...(hasHInit ? ["H_init"] : []), ...head];
  for (const [level, n] of levels) {
    for (let i = 0; i < n; i++) for (const p of parts) keys.push(`${level}_level.layers.${i}.${p}.weight`);
  }
  return keys.map((k) => `_orig_mod.model.inner.${k}`);
}

const ATT_PARTS = ["self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj"];
const MLP_PARTS = ["mlp_t.gate_up_proj", "mlp_t.down_proj", "mlp.gate_up_proj", "mlp.down_proj"];
const SCHEMES: [string, TrmConfigInput, string[], string[]][] = [
  // HRM with 3 H and 1 L blocks (model.layers = L_layers, as the official config maps); its puzzle prefix
  // is 1, the default convert assumes for HRM (not given).
  [
    "hrm",
    {
      mixer: attention({ heads: 2 }),
      scheme: hrm({ hLayers: 3, lLayers: 1 }),
      model: { puzzleEmbLen: 1, layers: 1 },
    },
    ["--heads", "2"],
    officialOrder(true, [["H", 3], ["L", 1]], ATT_PARTS),
  ],
  // single-z with the MLP-mixer: L' = 8 and --seq-len 6 imply P = 2.
  [
    "singlez",
    { mixer: mlpMixer(), scheme: singleZ(), model: { puzzleEmbLen: 2 } },
    [],
    officialOrder(false, [[
      "L",
      2,
    ]], MLP_PARTS),
  ],
];
for (const [kind, input, extra, keys] of SCHEMES) {
  Deno.test(`convert ours (${kind}) -> torch (official key order) -> ours finds the scheme from the names alone, bit-exact`, async () => {
    const dir = await Deno.makeTempDir();
    const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
    const config = resolveConfig({
      ...input,
      model: { hidden: 8, ...input.model },
      recursion: { n: 3, T: 2 },
      supervision: { maxSteps: 4 },
      optim: { batchSize: 2, emaDecay: null },
    });
    using model = createTrm(spec, config, { seed: 5 });
    const puzzles = new PuzzleEmbedding(3, 8);
    puzzles.weights.forEach((_, i) => (puzzles.weights[i] = Math.sin(i) / 3));
    using session = new TrainSession(model, { totalSteps: 1, puzzles });
    await saveCheckpoint(`${dir}/a`, { taskSpec: spec, config, session, seed: 0 });

    const toTorch = await runCli("convert", `${dir}/a`, `${dir}/a.pt`);
    assertEquals(toTorch.code, 0, toTorch.stderr);
    assertEquals(jsonSummary(toTorch.stdout).config.scheme, kind);
    assertEquals([...readTorchStateDict(await Deno.readFile(`${dir}/a.pt`)).keys()], keys);
    const back = await runCli(
      "convert",
      `${dir}/a.pt`,
      `${dir}/b`,
      "--seq-len",
      "6",
      "--n",
      "3",
      "--T",
      "2",
      ...extra,
    );
    assertEquals(back.code, 0, back.stderr);
    using loaded = await loadCheckpoint(`${dir}/b`);
    assertEquals([loaded.config.scheme.kind, loaded.config.scheme.options], [
      config.scheme.kind,
      config.scheme.options,
    ]);
    assertEquals(loaded.config.model, config.model);
    assertEquals([loaded.config.recursion.n, loaded.config.recursion.T], [3, 2]);
    const want = namedVariables(model), got = namedVariables(loaded.model);
    assertEquals([...got.keys()].sort(), [...want.keys()].sort());
    for (const [name, v] of want) assertEquals(bits(await got.get(name)!.data()), bits(await v.data()), name);
    assertEquals(bits(loaded.puzzles.weights), bits(puzzles.weights));
  });
}

Deno.test("convert refuses, in one line and before writing, a scheme or mixer the official code has no counterpart for", async () => {
  const dir = await Deno.makeTempDir();
  const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 1 };
  const save = async (name: string, input: TrmConfigInput) => {
    const config = resolveConfig({
      ...input,
      model: { hidden: 8, puzzleEmbLen: 1 },
      optim: { emaDecay: null },
    });
    using model = createTrm(spec, config, { seed: 1 });
    using session = new TrainSession(model, { totalSteps: 1, puzzles: new PuzzleEmbedding(1, 8) });
    await saveCheckpoint(`${dir}/${name}`, { taskSpec: spec, config, session, seed: 0 });
  };
  await save("twonets", { mixer: mlpMixer(), scheme: trmTwoNets() });
  assertOneLine(
    await runCli("convert", `${dir}/twonets`, `${dir}/x.pt`),
    'the checkpoint\'s scheme "trm-2net" has no counterpart in the official code',
  );
  // hrm.py's blocks are attention only: an HRM with the MLP-mixer cannot be an official file.
  await save("hrm-mlp", { mixer: mlpMixer(), scheme: hrm() });
  assertOneLine(
    await runCli("convert", `${dir}/hrm-mlp`, `${dir}/x.pt`),
    "hrm.py's blocks are attention only",
  );
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["hrm-mlp", "twonets"]);
});

for (const variant of ["hrm", "singlez"] as const) {
  const dir = sharedPath(`golden/${variant}`);
  Deno.test({
    name:
      `convert golden ${variant}/official_step.pt -> ours (scheme from the names, not asked) -> torch: bit for bit, same keys`,
    ignore: dir === null,
    fn: async () => {
      const out = await Deno.makeTempDir();
      const r1 = await runCli(
        "convert",
        `${dir}/official_step.pt`,
        `${out}/ours`,
        "--seq-len",
        "16",
        "--heads",
        "2",
      );
      assertEquals(r1.code, 0, r1.stderr);
      const rep = jsonSummary(r1.stdout);
      assertEquals([rep.from, rep.tensors, rep.config.scheme, rep.config.layers, rep.config.hLayers], [
        "torch",
        variant === "hrm" ? 23 : 14,
        variant,
        2,
        variant === "hrm" ? 2 : null,
      ]);
      // The puzzle prefix is the scheme's own: hrm.py derives 1, trm_singlez.yaml's puzzle_emb_len is 16.
      assertEquals(rep.assumed.puzzleEmbLen, variant === "hrm" ? 1 : 16);
      using loaded = await loadCheckpoint(`${out}/ours`);
      assertEquals(loaded.config.scheme.kind, variant);
      if (variant === "hrm") assertEquals(loaded.config.scheme.options, { hLayers: 2, lLayers: 2 });
      const r2 = await runCli("convert", `${out}/ours`, `${out}/step_0`);
      assertEquals(r2.code, 0, r2.stderr);
      const a = readTorchStateDict(await Deno.readFile(`${dir}/official_step.pt`));
      const b = readTorchStateDict(await Deno.readFile(`${out}/step_0`));
      assertEquals([...b.keys()], [...a.keys()]);
      for (const [name, t] of a) assertEquals(bits(b.get(name)!.data), bits(t.data), name);
    },
  });
}
