// Pure helpers of `deno task reproduce`: the variants' parameter counts and configs, the summaries,
// the ordering verdicts, the table and the bar chart. Trains nothing.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initBackend, resolveConfig } from "../core/mod.ts";
import { sudokuTask } from "../tasks/sudoku/mod.ts";
import {
  barChartSvg,
  markdownTable,
  orderingChecks,
  type RunResult,
  summarize,
  type VariantSummary,
} from "./reproduce_report.ts";
import {
  PARAM_TOLERANCE,
  paramCount,
  type ReproduceSettings,
  selectVariants,
  VARIANTS,
} from "./reproduce_variants.ts";

await initBackend("cpu");
const spec = sudokuTask({ boxRows: 2, boxCols: 3 }).spec;
const settings: ReproduceSettings = { steps: 300, hidden: 64, n: 3, T: 2, maxSteps: 8, batchSize: 64 };

Deno.test("reproduce: every variant has the base's parameter count within the tolerance", () => {
  for (const s of [settings, { ...settings, hidden: 96 }]) {
    const base = paramCount(spec, VARIANTS[0]!.config(spec, s));
    for (const v of VARIANTS) {
      const p = paramCount(spec, v.config(spec, s));
      assert(Math.abs(p - base) / base <= PARAM_TOLERANCE, `${v.name} at D ${s.hidden}: ${p} vs ${base}`);
      // Only attention changes the architecture's size; the others are exactly the base network.
      if (v.name !== "attention") assertEquals(p, base, v.name);
    }
  }
});

Deno.test("reproduce: each variant changes only what it names", () => {
  const c = Object.fromEntries(VARIANTS.map((v) => [v.name, resolveConfig(v.config(spec, settings))]));
  const base = c.trm!;
  assertEquals([base.recursion.n, base.recursion.T, base.mixer.kind, base.scheme.kind], [
    3,
    2,
    "mlp-mixer",
    "trm",
  ]);
  assert(base.optim.emaDecay !== null);
  assertEquals([c["no-recursion"]!.recursion.n, c["no-recursion"]!.recursion.T], [1, 1]);
  assertEquals(c["no-ema"]!.optim.emaDecay, null);
  assertEquals(c["1-step-grad"]!.scheme.plan(base.recursion).onTape.length, 2);
  assertEquals(base.scheme.plan(base.recursion).onTape.length, 4);
  assertEquals(c["two-nets"]!.scheme.kind, "trm-2net");
  assertEquals(c.attention!.mixer.kind, "attention");
  for (const v of VARIANTS) {
    const x = c[v.name]!;
    // Equal optimizer steps and data per step: schedule, batch and N_sup are shared.
    assertEquals([x.optim.batchSize, x.optim.lr, x.optim.warmupSteps, x.supervision.maxSteps], [
      64,
      base.optim.lr,
      base.optim.warmupSteps,
      8,
    ]);
  }
  assertThrows(() => selectVariants(["trm", "nope"]), RangeError, 'unknown "nope"');
  assertEquals(selectVariants([]).length, VARIANTS.length);
});

const run = (variant: string, seed: number, exact: number): RunResult => ({
  variant,
  seed,
  exact,
  accuracy: 0.9,
  params: 100,
  steps: 10,
  seconds: 1,
});

Deno.test("reproduce: summaries are per variant in table order, seeds sorted, mean and sample sd", () => {
  const s = summarize(VARIANTS, [
    run("no-ema", 1, 0.3),
    run("trm", 1, 0.6),
    run("trm", 0, 0.8),
    run("no-ema", 0, 0.5),
  ]);
  assertEquals(s.map((x) => x.variant), ["trm", "no-ema"]);
  assertEquals(s[0]!.seeds, [0, 1]);
  assertEquals(s[0]!.exact, [0.8, 0.6]);
  assertAlmostEquals(s[0]!.mean, 0.7, 1e-12);
  assertAlmostEquals(s[0]!.sd, Math.sqrt(0.02), 1e-12);
});

const summary = (variant: string, exact: number[]): VariantSummary =>
  summarize(VARIANTS, exact.map((e, seed) => run(variant, seed, e)))[0]!;

Deno.test("reproduce: ordering verdicts follow the sign and 2 standard errors of the difference", () => {
  const checks = orderingChecks([
    summary("trm", [0.8, 0.82, 0.81]),
    summary("1-step-grad", [0.3, 0.31, 0.32]), // clearly worse: holds
    summary("no-ema", [0.7, 0.9, 0.85]), // slightly better on average, wide spread: reversed within noise
    summary("no-recursion", [0.9, 0.91, 0.92]), // clearly better: does not hold
    summary("two-nets", [0.8, 0.84, 0.82]), // a little better, within noise: "one net >= two nets" holds
  ], 500);
  const by = Object.fromEntries(checks.map((c) => [c.worse, c.verdict]));
  assertEquals(by, {
    "1-step-grad": "holds",
    "no-ema": "reversed within noise",
    "no-recursion": "does not hold",
    attention: "not run",
    "two-nets": "holds (equal within noise)",
  });
  // One seed each: the held-out binomial error stands in for the seed spread.
  const one = orderingChecks([summary("trm", [0.5]), summary("no-ema", [0.48])], 500)[1]!;
  assertAlmostEquals(one.se!, Math.hypot(Math.sqrt(0.25 / 500), Math.sqrt(0.48 * 0.52 / 500)), 1e-12);
  assertEquals(one.verdict, "holds within noise");
});

Deno.test("reproduce: the table has one row per variant with its per-seed values and mean", () => {
  const t = markdownTable([summary("trm", [0.5, 0.75]), summary("no-ema", [0.25])]).split("\n");
  assertEquals(t.length, 4);
  assert(t[2]!.startsWith("| trm |") && t[2]!.includes("50.0, 75.0") && t[2]!.includes("**62.5**"), t[2]);
  assert(t[3]!.startsWith("| no-ema |") && t[3]!.includes("**25.0**"), t[3]);
});

Deno.test("reproduce: bar heights are proportional to the means, one dot per seed", () => {
  const svg = barChartSvg([summary("trm", [0.5, 1]), summary("no-ema", [0.25])], "t <&>");
  const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([0-9.]+)"/g)].map((m) => Number(m[1]));
  assertEquals(heights.length, 2);
  assertAlmostEquals(heights[0]! / heights[1]!, 3, 1e-9);
  assertEquals((svg.match(/<circle/g) ?? []).length, 3);
  assert(svg.includes("t &lt;&amp;&gt;") && svg.startsWith("<svg"), "escaped title, a document");
});
