/**
 * Pinned to the official code: for TRM-MLP (`mlp/`) and TRM-Att (`att/`), our model with the official
 * initial weights (imported through the public interop API) must reproduce the official eval forward
 * (3 supervision steps on the carry), 3 `TrainSession` steps (losses, lr, carry flags, weights and puzzle
 * table after steps 1 and 3) and the eval forward after training, per tensor within the harness's rule
 * (`tests/_golden_compare.ts`). Each test prints one `| golden ...` line per group:
 * `deno test -A tests/golden_test.ts 2>&1 | grep golden`.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { compareGolden, GoldenReport, goldenTrmConfig } from "./_golden.ts";
import { goldenSuite } from "./_golden_suite.ts";
import { testBackend } from "./_helpers.ts";
import { sharedPath } from "./_shared.ts";

const backend = await testBackend();
const absent = sharedPath("golden") === null;

Deno.test("compareGolden() passes by the plain tolerance or the f64 rule, and fails naming both distances", () => {
  const f64 = [1, 2], f32 = [1.001, 2]; // the official f32 run is 1e-3 from f64
  assertEquals(compareGolden("a", [1.00005, 2], [1, 2], f64, { abs: 1e-4 }).verdict, "plain");
  assertEquals(compareGolden("b", [1.0015, 2], f32, f64, { abs: 1e-4 }).verdict, "noise"); // 1.5e-3 <= 2e-3
  const bad = compareGolden("c", [0.997, 2], f32, f64, { abs: 1e-4 });
  assertEquals([bad.verdict, bad.oursF64, bad.officialF64.toFixed(6)], ["FAIL", 1 - 0.997, "0.001000"]);
  assertEquals(compareGolden("d", [10.0001], [10], [10], { rel: 1e-5 }).verdict, "plain");
  assertEquals(compareGolden("e", [NaN], [1], [1], { abs: 1 }).verdict, "FAIL");
  assertThrows(() => compareGolden("f", [1], [1, 2], [1, 2], { abs: 0 }), RangeError, "golden f");
  const report = new GoldenReport("unit");
  report.check("g", "c", [0.997, 2], f32, f64, { abs: 1e-4 });
  assertThrows(
    () => report.assertPass(),
    Error,
    "unit g c: max|ours - f32| 4e-3 > 1e-4 abs, and max|ours - f64| 3e-3 > 2 * max|official f32 - f64| = 2 * 1e-3",
  );
  assertEquals(report.lines().every((l) => l.startsWith("| golden")), true);
});

Deno.test({
  name: "goldenTrmConfig() maps the official config and refuses what our TRM cannot express",
  ignore: absent,
  fn: async () => {
    const config = JSON.parse(await Deno.readTextFile(`${sharedPath("golden")}/config.json`));
    const { spec, trmConfig: c } = goldenTrmConfig(config, "att");
    assertEquals(spec, { name: "golden-att", vocabSize: 11, seqLen: 16, numPuzzleIds: 5 });
    assertEquals([c.model.hidden, c.model.expansion, c.model.layers, c.model.puzzleEmbLen], [64, 4, 2, 16]);
    assertEquals([c.recursion.n, c.recursion.T, c.supervision.maxSteps, c.supervision.explorationProb], [
      2,
      2,
      4,
      0,
    ]);
    assertEquals(c.mixer.options, { heads: 2, positions: "rope", ropeBase: 10000 });
    const o = c.optim;
    assertEquals([o.batchSize, o.lr, o.warmupSteps, o.minLrRatio, o.weightDecay], [4, 1e-3, 2, 0.5, 1]);
    assertEquals([o.puzzleEmbLr, o.puzzleEmbWeightDecay, o.emaDecay, o.betas], [0.01, 1, null, [0.9, 0.95]]);
    assertEquals([goldenTrmConfig(config, "mlp").trmConfig.mixer.kind, c.scheme.kind], ["mlp-mixer", "trm"]);
    const arch = (changes: Record<string, unknown>) => ({
      ...config,
      arch: { att: { ...config.arch.att, ...changes } },
    });
    assertThrows(() => goldenTrmConfig(arch({ name: "x@Other" }), "att"), Error, "arch.att: name x@Other");
    assertThrows(() => goldenTrmConfig(arch({ no_ACT_continue: false }), "att"), Error, "no_ACT_continue");
    assertThrows(() => goldenTrmConfig(arch({ puzzle_emb_ndim: 32 }), "att"), Error, "puzzle_emb_ndim");
  },
});

for (const variant of ["mlp", "att"] as const) goldenSuite(variant, backend, absent);
