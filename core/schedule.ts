/**
 * The learning-rate schedule (spec 5.3): linear warmup, then cosine down to `minRatio` of the base
 * rate; with `minRatio = 1` (every paper experiment) it is warmup then constant.
 *
 * @module
 */

/** Options of {@linkcode learningRate}. */
export interface ScheduleOptions {
  /** Base rate eta. */
  readonly base: number;
  /** Warmup steps W. */
  readonly warmupSteps: number;
  /** Total optimizer steps (for the cosine progress). */
  readonly totalSteps: number;
  /** Floor as a fraction of `base`; 1 = constant after warmup. */
  readonly minRatio: number;
}

/**
 * The rate at 1-based step `s`.
 *
 * @example
 * ```ts
 * import { learningRate } from "@recursive/trm/core";
 * const o = { base: 1e-4, warmupSteps: 2000, totalSteps: 10000, minRatio: 1 };
 * if (learningRate(1000, o) !== 5e-5 || learningRate(5000, o) !== 1e-4) throw new Error("schedule");
 * ```
 */
export function learningRate(s: number, o: ScheduleOptions): number {
  if (s < o.warmupSteps) return (o.base * s) / o.warmupSteps;
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (s - o.warmupSteps) / span);
  const r = o.minRatio;
  return o.base * (r + Math.max(0, (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress))));
}
