/**
 * A CPU-sized run for any task spec, and warnings for runs too short for their schedule. The paper's
 * defaults (warmup 2000, EMA 0.999, batch 768) make a run of a few hundred steps learn nothing: at step
 * 1 the learning rate is lr/2000 and the EMA weights are still almost the initial ones.
 *
 * @module
 */
import type { TrmConfig, TrmConfigInput } from "./config.ts";
import type { TaskSpec } from "./task.ts";

/** Optimizer steps of a small run unless told otherwise. */
export const SMALL_STEPS = 400;

/**
 * Merges config overrides section by section (`model`, `recursion`, `supervision`, `optim` field by
 * field; `mixer` and `scheme` replaced).
 *
 * @example
 * ```ts
 * import { mergeConfigInput } from "@recursive/trm/core";
 * const m = mergeConfigInput({ recursion: { n: 2, T: 2 } }, { recursion: { T: 1 } });
 * if (m.recursion?.n !== 2 || m.recursion?.T !== 1) throw new Error("merged");
 * ```
 */
export function mergeConfigInput(
  base: Partial<TrmConfigInput>,
  over: Partial<TrmConfigInput> = {},
): Partial<TrmConfigInput> {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const k of ["model", "recursion", "supervision", "optim"] as const) {
    if (base[k] || over[k]) out[k] = { ...base[k], ...over[k] };
  }
  return out as Partial<TrmConfigInput>;
}

/**
 * The small profile for `spec` (the recipe of the `sudoku-small` preset, which reaches 100% on 4x4
 * Sudoku in 400 steps on 2 CPU cores, scaled to the run): D 64, n 2 / T 2, N_sup 8, batch 64 (at most
 * the run's examples), lr 3e-3 with warmup min(50, steps/10), EMA decay with a horizon 1/(1-decay) of
 * a quarter of the run (0.9 to 0.999), weight decay 0.1, puzzle-embedding lr 1e-3. The architecture
 * stays the paper's. `overrides` (any field; the mixer is required somewhere) win. The mixer is not
 * picked here (the core knows no mixer): `presets.small(spec)` adds the MLP-mixer.
 *
 * @example
 * ```ts
 * import { resolveConfig, smallConfig, type TrmConfigInput } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 8, numPuzzleIds: 1 };
 * const c = resolveConfig(smallConfig(spec, 200, { mixer: mlpMixer() }) as TrmConfigInput);
 * if (c.model.hidden !== 64 || c.optim.warmupSteps !== 20 || c.optim.emaDecay !== 0.98) throw new Error("small");
 * ```
 */
export function smallConfig(
  spec: TaskSpec,
  steps: number = SMALL_STEPS,
  overrides: Partial<TrmConfigInput> = {},
): Partial<TrmConfigInput> {
  if (!(Number.isInteger(steps) && steps > 0)) {
    throw new RangeError(`smallConfig(${spec.name}): steps must be a positive integer, got ${steps}`);
  }
  const horizon = steps / 4;
  const emaDecay = Math.min(0.999, Math.max(0.9, Math.round((1 - 1 / horizon) * 1000) / 1000));
  return mergeConfigInput({
    model: { hidden: 64 },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps: 8 },
    optim: {
      batchSize: 64,
      lr: 3e-3,
      warmupSteps: Math.min(50, Math.floor(steps / 10)),
      weightDecay: 0.1,
      puzzleEmbLr: 1e-3,
      emaDecay,
    },
  }, overrides);
}

/**
 * Why a run of `steps` optimizer steps may learn little with `config`, as sentences (empty when
 * fine): warmup longer than half the run, or an EMA horizon 1/(1-decay) longer than the run (the
 * evaluated weights would still be mostly the initial ones). Returned, not printed: the caller decides.
 *
 * @example
 * ```ts
 * import { resolveConfig, runLengthWarnings } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const w = runLengthWarnings(resolveConfig({ mixer: mlpMixer() }), 100); // the paper's warmup 2000, EMA 0.999
 * if (w.length !== 2 || !w[0]!.includes("warmup")) throw new Error(w.join("\n"));
 * ```
 */
export function runLengthWarnings(config: TrmConfig, steps: number): string[] {
  const out: string[] = [], o = config.optim;
  if (o.warmupSteps > steps / 2) {
    out.push(
      `warmup (${o.warmupSteps} steps) exceeds half the run (${steps} steps): the learning rate stays ` +
        `below ${((Math.min(steps, o.warmupSteps) / Math.max(1, o.warmupSteps)) * o.lr).toPrecision(2)} ` +
        `(set optim.warmupSteps, or use smallConfig)`,
    );
  }
  if (o.emaDecay !== null) {
    const horizon = 1 / (1 - o.emaDecay);
    if (horizon > steps) {
      const initShare = Math.pow(o.emaDecay, steps);
      out.push(
        `EMA horizon 1/(1-${o.emaDecay}) = ${Math.round(horizon)} steps exceeds the run (${steps} steps): ` +
          `${(initShare * 100).toFixed(0)}% of the evaluated weights are still the initial ones ` +
          `(set optim.emaDecay, or use smallConfig)`,
      );
    }
  }
  return out;
}
