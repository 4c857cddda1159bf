import * as tf from "@tensorflow/tfjs-core";
import { assertEquals, assertThrows } from "@std/assert";
import { createTrm, namedVariables } from "../core/model.ts";
import { resolveConfig } from "../core/config.ts";
import { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
import { exportReferenceState, importReferenceState, referenceName } from "./torch_interop.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { testBackend } from "../tests/_helpers.ts";

await testBackend();

Deno.test("referenceName() maps every parameter of both mixers onto the reference's state-dict keys", () => {
  assertEquals(referenceName("block1/mixer/qkv"), {
    name: "inner.L_level.layers.1.self_attn.qkv_proj.weight",
    transpose: true,
  });
  assertEquals(
    referenceName("block0/mixer/gate_up").name,
    "inner.L_level.layers.0.mlp_t.gate_up_proj.weight",
  );
  assertEquals(referenceName("block0/mlp/down").name, "inner.L_level.layers.0.mlp.down_proj.weight");
  assertEquals(referenceName("embed_tokens"), {
    name: "inner.embed_tokens.embedding_weight",
    transpose: false,
  });
  assertThrows(() => referenceName("nope"), RangeError, "nope");
});

for (const mixer of [attention({ heads: 2 }), mlpMixer()]) {
  Deno.test(`export -> safetensors -> import (${mixer.kind}) reproduces the model, torch layout [out, in]`, async () => {
    const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 3 };
    const config = resolveConfig({ mixer, model: { hidden: 8, puzzleEmbLen: 2 } });
    using a = createTrm(spec, config, { seed: 1 });
    using b = createTrm(spec, config, { seed: 2 });
    const ta = new PuzzleEmbedding(3, 8), tb = new PuzzleEmbedding(3, 8);
    ta.weights.forEach((_, i) => (ta.weights[i] = i / 10));
    const state = await exportReferenceState(a, ta);
    // torch Linear layout: lm_head.weight is [V, D], the transpose of ours.
    const lm = state.get("inner.lm_head.weight")!,
      ours = await namedVariables(a).get("lm_head")!.array() as number[][];
    assertEquals(lm.shape, [5, 8]);
    assertEquals(lm.data[1 * 8 + 3], Math.fround(ours[3]![1]!));
    // Through a file, with torch.compile's key prefix, as a converted reference checkpoint would be.
    const file = encodeSafetensors(
      Object.fromEntries(
        [...state].map(([k, v]) => [`_orig_mod.model.${k}`, { shape: v.shape, data: v.data }]),
      ),
    );
    importReferenceState(decodeSafetensors(file).tensors, b, tb);
    for (const [name, v] of namedVariables(a)) {
      assertEquals(await namedVariables(b).get(name)!.data(), await v.data(), name);
    }
    assertEquals(tb.weights, ta.weights);
    const x = tf.randomNormal([2, 8, 8]) as tf.Tensor3D;
    assertEquals(await a.f(x, x).data(), await b.f(x, x).data());
  });
}

Deno.test("importReferenceState() names a missing or misshapen tensor", () => {
  const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 1 };
  using m = createTrm(spec, resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 2 } }));
  assertThrows(
    () => importReferenceState(new Map(), m, null),
    RangeError,
    'missing tensor "inner.embed_tokens.embedding_weight"',
  );
  const bad = new Map([["inner.embed_tokens.embedding_weight", {
    dtype: "F32" as const,
    shape: [4, 8],
    data: new Float32Array(32),
  }]]);
  assertThrows(
    () => importReferenceState(bad, m, null),
    RangeError,
    "has shape [4,8], the model needs [5,8]",
  );
});
