/**
 * A synthetic `metrics.jsonl` shaped like what `deno task train` writes (same records, same fields, NaN
 * written as null by `JSON.stringify`), for the curves and `plot` tests: loss decaying over decades with
 * noise, warmup then a constant learning rate, rows halting only after the first steps, held-out
 * evaluations every `evalEvery` steps and at the end, and optional resumes.
 */
import { createRng } from "../core/rng.ts";

/** What {@linkcode syntheticMetrics} writes. */
export interface SyntheticRun {
  readonly steps: number;
  readonly evalEvery: number;
  readonly seed?: number;
  /** Steps at which the run was interrupted and resumed from a checkpoint `redo` steps earlier. */
  readonly resumes?: readonly { readonly at: number; readonly redo: number }[];
  /** Steps before any row halts (count 0, NaN metrics). Default 5. */
  readonly silent?: number;
  readonly maxSteps?: number;
}

/** The JSONL text of `run` (one JSON object a line, trailing newline). */
export function syntheticMetrics(run: SyntheticRun): string {
  const rng = createRng(run.seed ?? 0);
  const maxSteps = run.maxSteps ?? 8,
    silent = run.silent ?? 5,
    warmup = Math.max(1, Math.floor(run.steps / 8));
  const lines: string[] = [];
  let runId = "00000000-0000-4000-8000-000000000000";
  const log = (r: Record<string, unknown>) => lines.push(JSON.stringify({ run: runId, ...r }));
  const header = (event: string, step: number) =>
    log({
      event,
      preset: "sudoku-small",
      backend: "wasm",
      params: 148354,
      config: { supervision: { maxSteps, explorationProb: 0.1 } },
      seed: run.seed ?? 0,
      steps: run.steps,
      step,
    });
  header("start", 0);
  const resumes = [...(run.resumes ?? [])];
  for (let s = 1; s <= run.steps; s++) {
    const t = s / run.steps;
    const loss = 2 * Math.exp(-6 * t) * (1 + 0.25 * (rng.float() - 0.5)) + 0.002;
    const count = s <= silent ? 0 : rng.int(0, 16);
    const exact = count === 0 ? NaN : Math.min(1, Math.max(0, t + 0.2 * (rng.float() - 0.5)));
    log({
      event: "step",
      step: s,
      lr: 3e-3 * Math.min(1, s / warmup),
      loss,
      lmLoss: loss * 0.99,
      qHaltLoss: loss * 0.02,
      qContinueLoss: 0,
      count,
      accuracy: count === 0 ? NaN : Math.min(1, exact + 0.3),
      exactAccuracy: exact,
      qHaltAccuracy: count === 0 ? NaN : 0.9,
      steps: count === 0 ? NaN : maxSteps - (maxSteps - 1) * t,
    });
    if ((run.evalEvery > 0 && s % run.evalEvery === 0) || s === run.steps) {
      log({
        event: "eval",
        step: s,
        exactAccuracy: Math.min(1, t * 1.05),
        accuracy: 0.5 + t / 2,
        count: 500,
        meanSteps: maxSteps - (maxSteps - 1.5) * t,
      });
    }
    const r = resumes[0];
    if (r && r.at === s) {
      resumes.shift();
      runId = `00000000-0000-4000-8000-${String(lines.length).padStart(12, "0")}`;
      header("resume", s - r.redo);
      s -= r.redo;
    }
  }
  return lines.join("\n") + "\n";
}
