/** A training step gives the same losses and weights with the native BLAS matmul as with XNNPACK. */
import { assert } from "@std/assert";
import { createTrm, initBackend, matmulKernel, resolveConfig, TrainSession } from "../core/mod.ts";
import { openNativeBlas } from "../core/kernels/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

await initBackend("wasm", { nativeBlas: "off" });
const available = openNativeBlas().blas !== null;
const required = Deno.env.get("TRM_REQUIRE_BLAS") === "1";
if (!available && !required) {
  // deno-lint-ignore no-console
  console.log("skip: native BLAS training-step parity (no BLAS library; install libopenblas0-pthread)");
}

const spec = { name: "t", vocabSize: 6, seqLen: 24, numPuzzleIds: 2 };
const rows = (step: number) =>
  Array.from({ length: 8 }, (_, b) => {
    const input = Int32Array.from({ length: spec.seqLen }, (_, i) => 1 + ((i * 7 + b * 3 + step) % 5));
    return { input, label: input.map((v, i) => (i % 3 === 0 ? -100 : 1 + (v % 5))), puzzleId: b % 2 };
  });

/** Losses of 3 steps and the final weights, on the kernel chosen by `nativeBlas`. */
async function train(mixer: "mlp" | "att", nativeBlas: "off" | "require") {
  await initBackend("wasm", { nativeBlas });
  const config = resolveConfig({
    mixer: mixer === "mlp" ? mlpMixer() : attention({ heads: 4 }),
    model: { hidden: 64, puzzleEmbLen: 2 },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps: 3 },
    optim: { batchSize: 8, warmupSteps: 0, lr: 1e-2 },
  });
  using model = createTrm(spec, config, { seed: 3 });
  using session = new TrainSession(model, { totalSteps: 10 });
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) losses.push((await session.step(rows(s))).loss);
  const weights: Float32Array[] = [];
  for (const v of model.variables) weights.push((await v.data()) as Float32Array);
  return { kernel: matmulKernel(), losses, weights };
}

for (const mixer of ["mlp", "att"] as const) {
  Deno.test({
    name: `TrainSession steps (${mixer}) give the same losses and weights with native BLAS and XNNPACK`,
    ignore: !available && !required,
    fn: async () => {
      const off = await train(mixer, "off");
      const on = await train(mixer, "require");
      assert(off.kernel === "xnnpack" && on.kernel !== "xnnpack", `${off.kernel} / ${on.kernel}`);
      on.losses.forEach((l, i) =>
        assert(
          Math.abs(l - off.losses[i]!) <= 1e-4 * Math.abs(off.losses[i]!),
          `step ${i}: ${l} vs ${off.losses[i]}`,
        )
      );
      let worst = 0;
      on.weights.forEach((w, j) =>
        w.forEach((v, i) => worst = Math.max(worst, Math.abs(v - off.weights[j]![i]!)))
      );
      assert(worst < 1e-4, `weights differ by ${worst}`);
      await initBackend("wasm", { nativeBlas: "off" });
    },
  });
}
