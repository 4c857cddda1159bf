import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initBackend } from "./backend.ts";
import { resolveConfig, type TrmConfig } from "./config.ts";
import { chooseGradient, estimateStepBytes, MEMORY_MARGIN, wasmHeapLimitBytes } from "./memory_estimate.ts";
import { createTrm } from "./model.ts";
import type { TaskSpec } from "./task.ts";
import { TrainSession } from "./train_session.ts";
import { attention } from "../plugins/attention/mod.ts";
import { convMixer } from "../plugins/conv_mixer/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { hrm } from "../plugins/schemes/mod.ts";

const sudoku9: TaskSpec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
const sudoku4: TaskSpec = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
const sudokuMlp = resolveConfig({ mixer: mlpMixer(), recursion: { n: 6, T: 3 } });
const limit = wasmHeapLimitBytes();

/** Random configs over every mixer kind the estimate knows (and one it only bounds), and HRM. */
const configs = fc.record({
  mixer: fc.constantFrom("mlp", "att", "conv"),
  hidden: fc.constantFrom(16, 32, 64, 128, 512),
  seqLen: fc.integer({ min: 1, max: 900 }),
  vocabSize: fc.integer({ min: 2, max: 40 }),
  n: fc.integer({ min: 1, max: 8 }),
  T: fc.integer({ min: 1, max: 4 }),
  hrm: fc.boolean(),
  ema: fc.boolean(),
}).map((r): [TrmConfig, TaskSpec] => [
  resolveConfig({
    mixer: r.mixer === "mlp" ? mlpMixer() : r.mixer === "att" ? attention({ heads: 4 }) : convMixer(),
    model: { hidden: r.hidden },
    recursion: { n: r.n, T: r.T },
    optim: { emaDecay: r.ema ? 0.999 : null },
    ...(r.hrm ? { scheme: hrm() } : {}),
  }),
  { name: "t", vocabSize: r.vocabSize, seqLen: r.seqLen, numPuzzleIds: 1 },
]);

Deno.test("estimateStepBytes: both estimates grow with the batch, and recomputation never needs more", () => {
  fc.assert(
    fc.property(
      configs,
      fc.integer({ min: 1, max: 512 }),
      fc.integer({ min: 1, max: 64 }),
      ([c, spec], b, k) => {
        const a = estimateStepBytes(c, spec, b), z = estimateStepBytes(c, spec, b + k);
        // Non-decreasing: at small batches the optimizer step (batch-independent) can be the peak.
        assert(a.plain <= z.plain && a.recompute <= z.recompute, `batch ${b} -> ${b + k}`);
        // Past the optimizer's peak, every row adds at least its [L', D] activations to plain's.
        const far = estimateStepBytes(c, spec, 4096);
        assert(far.plain > z.plain, "grows without bound");
        assert(a.recompute <= a.plain && z.recompute <= z.plain, "recompute <= plain");
        assert(Number.isFinite(z.plain) && a.recompute > 0);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("estimateStepBytes: more on-tape evaluations cost plain reverse mode more, recomputation less", () => {
  const at = (n: number) =>
    estimateStepBytes(resolveConfig({ mixer: mlpMixer(), recursion: { n } }), sudoku9, 8);
  const [n2, n6] = [at(2), at(6)];
  // Plain keeps every evaluation's activations; recomputation only each one's input ([B, L', D]).
  assert(n6.plain - n2.plain > 10 * (n6.recompute - n2.recompute), JSON.stringify({ n2, n6 }));
});

Deno.test("estimateStepBytes: the attention scores scale with heads * L'^2", () => {
  const spec: TaskSpec = { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 1 };
  const at = (heads: number) =>
    estimateStepBytes(resolveConfig({ mixer: attention({ heads }), recursion: { n: 4 } }), spec, 1).plain;
  // Two [B, H, L', L'] tensors per block, 2 blocks, 5 on-tape evaluations, float32, times fragmentation.
  const perHead = 2 * 2 * 5 * 916 * 916 * 4;
  const d = (at(16) - at(8)) / 8;
  assert(d > perHead && d < 1.5 * perHead, `${d} vs ${perHead}`);
});

Deno.test("chooseGradient: the known cases (Sudoku-MLP batch 8 and 32 plain, 40 recompute, sudoku-small plain)", () => {
  const b8 = chooseGradient(sudokuMlp, sudoku9, 8, limit);
  assertEquals(b8.gradient, "reverse", b8.reason);
  const b32 = chooseGradient(sudokuMlp, sudoku9, 32, limit);
  assertEquals(b32.gradient, "reverse", b32.reason);
  const b40 = chooseGradient(sudokuMlp, sudoku9, 40, limit);
  assertEquals(b40.gradient, "recompute", b40.reason);
  assert(b40.fits, b40.reason);
  const small = resolveConfig({ mixer: mlpMixer(), model: { hidden: 64 }, recursion: { n: 2, T: 2 } });
  assertEquals(chooseGradient(small, sudoku4, 64, limit).gradient, "reverse");
  // The measured Sudoku-MLP heaps bracket the estimate: 821 MiB at batch 8 (bench/memory_bench.ts).
  assert(b8.estimate.plain > 821 * 2 ** 20 && b8.estimate.plain < 1.5 * 2 ** 30, b8.reason);
  // Batch 32 plain measured 2993 MiB: above it, and under the margin below the cap.
  assert(b32.estimate.plain > 2993 * 2 ** 20 && b32.estimate.plain < MEMORY_MARGIN * limit, b32.reason);
});

Deno.test("chooseGradient: recompute exactly where plain is over the margin, one line, neither fits", () => {
  fc.assert(
    fc.property(
      configs,
      fc.integer({ min: 1, max: 256 }),
      fc.double({ min: 0.5, max: 2, noNaN: true }),
      ([c, s], b, f) => {
        // Limits around the plain estimate, so the margin's band (90-100% of the limit) is drawn often.
        const l = f * estimateStepBytes(c, s, b).plain;
        const r = chooseGradient(c, s, b, l);
        assertEquals(r.gradient, r.estimate.plain <= MEMORY_MARGIN * l ? "reverse" : "recompute");
        assertEquals(
          r.fits,
          (r.gradient === "reverse" ? r.estimate.plain : r.estimate.recompute) <= MEMORY_MARGIN * l,
        );
        assert(!r.reason.includes("\n") && r.reason.startsWith(`gradient ${r.gradient}`), r.reason);
      },
    ),
    { numRuns: 200 },
  );
  const tiny = chooseGradient(sudokuMlp, sudoku9, 32, 2 ** 28);
  assert(!tiny.fits && /neither/.test(tiny.reason), tiny.reason);
  assertThrows(() => chooseGradient(sudokuMlp, sudoku9, 8, 0), RangeError, "limitBytes");
  assertThrows(() => estimateStepBytes(sudokuMlp, sudoku9, 0), RangeError, "batch");
});

/** Live tensor bytes the wasm backend mallocs during `run`, at their peak (see bench/memory_bench.ts). */
async function peakMallocBytes(run: () => Promise<unknown>): Promise<number> {
  const w =
    (tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } }).wasm;
  w._free(w._malloc(8)); // emscripten swaps in the raw export on the first call
  const malloc = w._malloc, free = w._free, sizes = new Map<number, number>();
  let live = 0, peak = 0;
  w._malloc = (n) => {
    const p = malloc(n);
    sizes.set(p, n);
    peak = Math.max(peak, live += n);
    return p;
  };
  w._free = (p) => {
    live -= sizes.get(p) ?? 0;
    sizes.delete(p);
    free(p);
  };
  try {
    await run();
  } finally {
    Object.assign(w, { _malloc: malloc, _free: free });
  }
  return peak;
}

Deno.test("estimateStepBytes: above the live tensor bytes of a real wasm step, within 1.5x of them", async () => {
  await initBackend("wasm", { nativeBlas: "off" });
  for (
    const [gradient, mixer] of [["reverse", mlpMixer()], ["recompute", mlpMixer()], [
      "reverse",
      attention(),
    ]] as const
  ) {
    const config = resolveConfig({
      mixer,
      model: { hidden: 64 },
      recursion: { n: 2, T: 2 },
      optim: { batchSize: 32, gradient },
    });
    using model = createTrm(sudoku4, config);
    using session = new TrainSession(model, { totalSteps: 2 });
    const ex = { input: new Int32Array(16).fill(1), label: new Int32Array(16).fill(2), puzzleId: 0 };
    const rows = Array.from({ length: 32 }, () => ex);
    await session.step(rows); // the first step has no carry yet
    const before = tf.memory().numBytes;
    const peak = await peakMallocBytes(() => session.step(rows));
    const e = estimateStepBytes(config, sudoku4, 32);
    const est = gradient === "recompute" ? e.recompute : e.plain;
    // The estimate is of the whole heap (module base included); the tensors alive before the step
    // (weights, moments, EMA, carry) were malloc'd earlier and are not in `peak`.
    const measured = peak + before;
    assert(
      est > measured && est < 1.5 * measured + 32 * 2 ** 20,
      `${mixer.kind} ${gradient}: ${est} vs ${measured}`,
    );
  }
});
