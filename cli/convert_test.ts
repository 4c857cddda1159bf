import { assert, assertEquals } from "@std/assert";
import { createTrm, namedVariables, PuzzleEmbedding, resolveConfig, TrainSession } from "../core/mod.ts";
import {
  loadCheckpoint,
  readSafetensorsFile,
  readTorchStateDict,
  saveCheckpoint,
  type StoredTensor,
} from "../io/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { runCli, testBackend } from "../tests/_helpers.ts";
import { sharedPath } from "../tests/_shared.ts";

await testBackend();

const bits = (d: StoredTensor["data"]) => new Uint32Array(d.buffer, d.byteOffset, d.length);
const report = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

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
    "--to: expected ours, torch or safetensors",
  );
  assertOneLine(await runCli("convert", `${dir}/absent.pt`, `${dir}/x`), "absent.pt");
  const help = await runCli("convert", "--help");
  assertEquals(help.code, 0);
  assert(help.stdout.includes("--seq-len"));
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
    assertEquals(report(toTorch.stdout).tensors, namedVariables(model).size + 1);
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
    assertEquals(report(back.stdout).assumed.puzzleEmbLen, 2);
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
      const rep = report(r1.stdout);
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
