/**
 * Inference throughput: solves a batch of generated 9x9 Sudokus with early halting (each puzzle stops at
 * the first supervision step whose halting logit is positive) and prints one JSON line
 * `{backend, batch, puzzles, seconds, puzzles_per_s, mean_steps, exact_accuracy}`.
 *
 * Without `--checkpoint` the model is the paper's Sudoku-Extreme TRM-MLP (presets `sudokuMlp`: D 512,
 * n 6, T 3, N_sup 16, L 81, V 11) with random weights: the speed is that of the real architecture, but
 * accuracy is ~0 and the Q head starts at weight 0, bias -5, so no puzzle halts early: mean_steps is 16,
 * the worst case of early halting.
 * With `--checkpoint DIR` (a 9x9 sudoku checkpoint from `deno task train`) the figures are meaningful.
 *
 * Usage: deno run -A bench/inference.ts [--backend wasm|cpu|webgpu|auto] [--batch 32] [--puzzles 64]
 *          [--checkpoint DIR] [--seed 0] [--blanks 50]
 *
 * @module
 */
import { parseArgs } from "@std/cli";
import {
  type BackendName,
  BACKENDS,
  createTrm,
  evaluate,
  initBackend,
  PuzzleEmbedding,
  resolveConfig,
  type TestSource,
} from "../core/mod.ts";
import { loadCheckpoint } from "../io/mod.ts";
import { sudokuMlp } from "../presets.ts";
import { generateSudokuSet, sudokuTask, sudokuTestSource } from "../tasks/sudoku/mod.ts";

const flags = parseArgs(Deno.args, {
  string: ["backend", "batch", "puzzles", "checkpoint", "seed", "blanks"],
  boolean: ["help"],
});
if (flags.help) {
  // deno-lint-ignore no-console
  console.log(
    "usage: bench/inference.ts [--backend wasm|cpu|webgpu|auto] [--batch B] [--puzzles N] [--checkpoint DIR] [--seed S] [--blanks K]",
  );
  Deno.exit(0);
}
const positive = (name: string, fallback: number): number => {
  const raw = flags[name as "batch"];
  const v = raw === undefined ? fallback : Number(raw);
  if (!(Number.isInteger(v) && v > 0)) {
    // deno-lint-ignore no-console
    console.error(`--${name}: expected a positive integer, got ${raw}`);
    Deno.exit(2);
  }
  return v;
};
const backendFlag = String(flags.backend ?? "wasm") as BackendName;
if (!BACKENDS.includes(backendFlag)) {
  // deno-lint-ignore no-console
  console.error(`--backend: expected one of ${BACKENDS.join(", ")}, got "${backendFlag}"`);
  Deno.exit(2);
}
const batch = positive("batch", 32);
const count = positive("puzzles", 64);
const seed = Number(flags.seed ?? 0);
// Default: the paper preset's minimum blanks; the generator proves every puzzle has a unique solution.
const preset = sudokuMlp();
const blanks = positive("blanks", preset.task.kind === "sudoku" ? preset.task.minBlanks : 50);

const backend = await initBackend(backendFlag);
const task = sudokuTask({ boxRows: 3, boxCols: 3 });

// The model and its puzzle-embedding table: a checkpoint's (EMA) weights, or the paper config at init.
const ckptDir = flags.checkpoint as string | undefined;
const loaded = ckptDir ? await loadCheckpoint(ckptDir) : null;
if (loaded && (loaded.model.spec.seqLen !== 81 || loaded.model.spec.vocabSize !== 11)) {
  loaded.model.dispose();
  // deno-lint-ignore no-console
  console.error(`${ckptDir}: not a 9x9 Sudoku checkpoint (seqLen ${loaded.model.spec.seqLen})`);
  Deno.exit(2);
}
const config = loaded?.config ?? resolveConfig(preset.config);
using model = loaded?.model ?? createTrm(task.spec, config, { seed });
// Generated puzzles all use identifier 0 (no per-puzzle embedding was learned for them).
const puzzles = loaded?.puzzles ?? new PuzzleEmbedding(task.spec.numPuzzleIds, config.model.hidden);

const genStart = performance.now();
const set = generateSudokuSet(seed, count, { boxRows: 3, boxCols: 3, blanks, minBlanks: blanks });
const source: TestSource = sudokuTestSource(task, set);
// deno-lint-ignore no-console
console.error(
  `${backend}: ${count} 9x9 puzzles (${blanks} blanks) generated in ${
    ((performance.now() - genStart) / 1000).toFixed(1)
  } s; ${loaded ? `checkpoint ${ckptDir}` : "random-init sudoku-mlp"}; batch ${batch}`,
);

// Warm-up on one batch: kernel compilation (WebGPU shaders, wasm setup) is not inference throughput.
await evaluate(model, source, puzzles, { batchSize: batch, earlyHalt: true, limit: Math.min(batch, count) });
const t0 = performance.now();
const r = await evaluate(model, source, puzzles, { batchSize: batch, earlyHalt: true });
const seconds = (performance.now() - t0) / 1000;
// deno-lint-ignore no-console
console.log(JSON.stringify({
  backend,
  batch,
  puzzles: r.count,
  seconds: Math.round(seconds * 1000) / 1000,
  // Four significant digits: a CPU run of the paper model manages a few hundredths of a puzzle per second.
  puzzles_per_s: Number((r.count / seconds).toPrecision(4)),
  mean_steps: r.meanSteps,
  exact_accuracy: r.exactAccuracy,
}));
