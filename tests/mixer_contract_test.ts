/** The token-mixer contract, run over every mixer: shape kept, no leak, gradients reach its variables. */
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals } from "@std/assert";
import { createParamStore, createRng, type TokenMixer } from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { convMixer } from "../plugins/conv_mixer/mod.ts";
import { assertNoLeak, testBackend } from "./_helpers.ts";

await testBackend();

const MIXERS: readonly TokenMixer[] = [
  attention({ heads: 2 }),
  attention({ heads: 4, positions: "none" }),
  mlpMixer(),
  convMixer({ kernel: 11 }),
];

for (const mixer of MIXERS) {
  const label = `${mixer.kind} ${JSON.stringify(mixer.options)}`;
  Deno.test(`mixer contract: ${label} keeps [B, L', D], mixes across positions, leaks nothing, trains`, async () => {
    const store = createParamStore(createRng(0));
    const layer = mixer.build({ seqLen: 7, hidden: 8 }, store.factory.scope("mixer"));
    const h = tf.randomNormal([3, 7, 8], 0, 1, "float32", 1) as tf.Tensor3D;
    const out = layer.apply(h);
    assertEquals(out.shape, [3, 7, 8]);
    // Mixing across tokens: changing position 0 changes the output at position 5.
    const h2 = tf.concat(
      [tf.add(tf.slice(h, [0, 0, 0], [3, 1, 8]), 1), tf.slice(h, [0, 1, 0], [3, 6, 8])],
      1,
    ) as tf.Tensor3D;
    const diff = tf.sum(
      tf.abs(tf.sub(tf.slice(layer.apply(h2), [0, 5, 0], [3, 1, 8]), tf.slice(out, [0, 5, 0], [3, 1, 8]))),
    );
    assert((await diff.data())[0]! > 1e-4, "position 5 must depend on position 0");
    await assertNoLeak(() => layer.apply(h).dispose());
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(h))) as tf.Scalar, store.variables);
    assertEquals(Object.keys(grads).length, store.variables.length);
    for (const v of store.variables) {
      const g = await grads[v.name]!.data();
      assert(g.some((x) => x !== 0), `${v.name} got a zero gradient`);
    }
    tf.dispose([h, h2, out, diff, ...Object.values(grads), ...store.variables]);
  });
}
