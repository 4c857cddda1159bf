import { assert, assertEquals, assertThrows } from "@std/assert";
import { resolveConfig, type TrmConfigInput } from "./config.ts";
import { runLengthWarnings, smallConfig } from "./small_config.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";

const spec = { name: "t", vocabSize: 5, seqLen: 6, numPuzzleIds: 1 };
const resolve = (c: Partial<TrmConfigInput>) => resolveConfig({ mixer: mlpMixer(), ...c });

Deno.test("smallConfig: horizon and warmup fit the run; overrides win field by field", () => {
  for (const steps of [40, 100, 400, 4000]) {
    const c = resolve(smallConfig(spec, steps));
    assertEquals(runLengthWarnings(c, steps), [], `steps ${steps}`);
    assert(1 / (1 - c.optim.emaDecay!) <= Math.max(10, steps / 4) + 1e-9);
  }
  const c = resolve(smallConfig(spec, 400, { optim: { lr: 1e-3 }, recursion: { T: 3 } }));
  assertEquals([c.optim.lr, c.optim.batchSize, c.recursion.n, c.recursion.T], [1e-3, 64, 2, 3]);
  assertThrows(() => smallConfig(spec, 0), RangeError, "steps");
});

Deno.test("runLengthWarnings: the paper's defaults on a short run warn about warmup and EMA", () => {
  const w = runLengthWarnings(resolve({}), 300);
  assertEquals(w.length, 2);
  assert(
    w[0]!.startsWith("warmup (2000 steps)") && w[1]!.includes("1000 steps exceeds the run"),
    w.join("\n"),
  );
  assertEquals(runLengthWarnings(resolve({ optim: { emaDecay: null, warmupSteps: 10 } }), 300), []);
});
