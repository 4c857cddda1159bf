/**
 * The whole path from an official HRM or single-z file with nothing but the file: read
 * `official_step.pt`, infer the scheme and config from its names and shapes (`inferConfig`), fill in what
 * no shape tells from the golden `config.json` (T, n, N_sup, heads, L, but not the scheme, layers or
 * puzzle prefix: those must come from the file and the scheme's defaults), import, and run the official
 * eval forward: it must match `forward.safetensors` within the harness's rule. The inferred config is
 * also compared with `goldenTrmConfig`, which reads the same model from the official `config.json`.
 */
import { assertEquals } from "@std/assert";
import { createTrm, PuzzleEmbedding } from "../core/mod.ts";
import { importReferenceState, inferConfig, readTorchStateDict, referenceConfig } from "../io/mod.ts";
import { compareForward, goldenForward, GoldenReport, loadGolden } from "./_golden.ts";
import { testBackend } from "./_helpers.ts";
import { sharedPath } from "./_shared.ts";

await testBackend();

for (const variant of ["hrm", "singlez"] as const) {
  Deno.test({
    name:
      `golden ${variant}: official_step.pt -> inferred scheme and config -> our model reproduces forward.safetensors`,
    ignore: sharedPath(`golden/${variant}`) === null,
    fn: async () => {
      const g = (await loadGolden(variant))!;
      const official = readTorchStateDict(
        await Deno.readFile(`${g.dir}/official_step.pt`),
        "official_step.pt",
      );
      const { spec, config } = referenceConfig(inferConfig(official), {
        seqLen: g.spec.seqLen,
        heads: g.trmConfig.mixer.options.heads as number,
        n: g.trmConfig.recursion.n,
        T: g.trmConfig.recursion.T,
        maxSteps: g.trmConfig.supervision.maxSteps,
      });
      assertEquals(spec, { ...g.spec, name: "reference" });
      assertEquals(config.scheme.kind, g.trmConfig.scheme.kind);
      assertEquals(config.scheme.options ?? {}, g.trmConfig.scheme.options ?? {});
      assertEquals(config.model, g.trmConfig.model); // layers, hidden, expansion and the puzzle prefix
      assertEquals(config.mixer.kind, g.trmConfig.mixer.kind);
      using model = createTrm(spec, config);
      const puzzles = new PuzzleEmbedding(spec.numPuzzleIds, config.model.hidden);
      importReferenceState(official, model, puzzles);
      const steps = await goldenForward(model, puzzles, g.batch, g.supervisionSteps);
      const report = new GoldenReport(`${variant} from official_step.pt`);
      compareForward(report, "forward", steps, g.forward, g.forwardF64, "");
      report.print();
      report.assertPass();
    },
  });
}
