/**
 * The two golden tests every variant gets (see tests/golden_test.ts and tests/golden_schemes_test.ts):
 * the eval forward of 3 supervision steps (at the initial and at the official trained weights), and 3
 * `TrainSession` steps with the forward after them.
 */
import type { StoredTensor } from "../io/mod.ts";
import { compareForward, goldenForward, goldenModel, GoldenReport, loadGolden } from "./_golden.ts";
import type { GoldenVariant } from "./_golden_config.ts";
import { goldenTrain } from "./_golden_train.ts";

/** Registers the forward and training golden tests of `variant` (ignored when `absent`). */
export function goldenSuite(variant: GoldenVariant, backend: string, absent: boolean): void {
  Deno.test({
    name: `golden ${variant} (${backend}): eval forward of 3 supervision steps equals the official code's`,
    ignore: absent,
    fn: async () => {
      const g = (await loadGolden(variant))!;
      using m = goldenModel(g, g.weights);
      const steps = await goldenForward(m.model, m.puzzles, g.batch, g.supervisionSteps);
      const report = new GoldenReport(variant);
      compareForward(report, "forward", steps, g.forward, g.forwardF64, "");
      // The same forward at the official run's trained weights (after_step3, table included): checks the
      // forward at a trained point apart from our own training's rounding, which the MLP model amplifies.
      const trained = new Map<string, StoredTensor>();
      for (const [k, t] of g.train) if (k.startsWith("after_step3/")) trained.set(k.slice(12), t);
      using t = goldenModel(g, trained);
      const post = await goldenForward(t.model, t.puzzles, g.batch, g.supervisionSteps);
      compareForward(report, "post@official-weights", post, g.train, g.trainF64, "post/");
      report.print();
      report.assertPass();
    },
  });

  Deno.test({
    name:
      `golden ${variant} (${backend}): 3 TrainSession steps and the forward after them equal the official code's`,
    ignore: absent,
    fn: async () => {
      const g = (await loadGolden(variant))!;
      const report = new GoldenReport(variant);
      await goldenTrain(g, report);
      report.print();
      report.assertPass();
    },
  });
}
