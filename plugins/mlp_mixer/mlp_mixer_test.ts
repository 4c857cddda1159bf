import { assertEquals, assertThrows } from "@std/assert";
import { createTrm, largestTensorBytes, namedVariables, resolveConfig } from "../../core/mod.ts";
import { exportReferenceState, importReferenceState } from "../../io/torch_interop.ts";
import { mlpMixer } from "./mod.ts";
import { testBackend } from "../../tests/_helpers.ts";

await testBackend();

/** The reference's SwiGLU width, models/layers.py: _find_multiple(round(expansion * hidden * 2 / 3), 256). */
const officialInter = (hidden: number, expansion: number) =>
  Math.ceil(Math.round((expansion * hidden * 2) / 3) / 256) * 256;

// L' = 184 + 16 = 200: expansion 2 gives 512, expansion 4 would give 768, so the two cannot be confused.
const spec = { name: "t", vocabSize: 5, seqLen: 184, numPuzzleIds: 1 };

Deno.test("mlpMixer() sizes its sequence SwiGLU from the model's expansion, as the reference's mlp_t", async () => {
  const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, expansion: 2, puzzleEmbLen: 16 } });
  using model = createTrm(spec, config);
  const Lp = model.seqLen, inter = officialInter(Lp, 2);
  assertEquals([Lp, inter], [200, 512]);
  const named = namedVariables(model);
  assertEquals(named.get("block0/mixer/gate_up")!.shape, [Lp, 2 * inter]); // ours: [in, out]
  assertEquals(named.get("block0/mixer/down")!.shape, [inter, Lp]);
  // In the reference's names and torch layout [out, in]: mlp_t.gate_up_proj [2 inter, L'], down_proj [L', inter].
  const state = await exportReferenceState(model, null);
  for (const i of [0, 1]) {
    assertEquals(state.get(`inner.L_level.layers.${i}.mlp_t.gate_up_proj.weight`)!.shape, [2 * inter, Lp]);
    assertEquals(state.get(`inner.L_level.layers.${i}.mlp_t.down_proj.weight`)!.shape, [Lp, inter]);
  }
  // The channel SwiGLU follows the same expansion (D 8 -> 256).
  assertEquals(state.get("inner.L_level.layers.0.mlp.gate_up_proj.weight")!.shape, [
    2 * officialInter(8, 2),
    8,
  ]);
  // A state of exactly those shapes imports.
  using other = createTrm(spec, config, { seed: 5 });
  importReferenceState(state, other, null);
  assertEquals(
    await namedVariables(other).get("block1/mixer/down")!.data(),
    await named.get("block1/mixer/down")!.data(),
  );
  // The memory estimate uses the same width ([B * D, inter]), and the model hands it the expansion.
  assertEquals(config.mixer.largestTensor!({ seqLen: Lp, hidden: 8, expansion: 2 }, 3), 3 * 8 * inter);
  const wide = resolveConfig({ mixer: mlpMixer(), model: { hidden: 300, expansion: 2, puzzleEmbLen: 16 } });
  assertEquals(largestTensorBytes(wide, spec, 3), 4 * 3 * 300 * inter);
});

Deno.test("mlpMixer({ expansion }) overrides the model's and is the only option a checkpoint stores", () => {
  assertEquals(mlpMixer().options, {});
  assertEquals(mlpMixer({ expansion: 4 }).options, { expansion: 4 });
  const config = resolveConfig({
    mixer: mlpMixer({ expansion: 4 }),
    model: { hidden: 8, expansion: 2, puzzleEmbLen: 16 },
  });
  using model = createTrm(spec, config);
  assertEquals(namedVariables(model).get("block0/mixer/down")!.shape, [officialInter(200, 4), 200]);
  assertThrows(() => mlpMixer({ expansion: 0 }), RangeError, "expansion must be > 0");
});
