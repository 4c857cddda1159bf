/**
 * The ACT halting rule of training (spec 3.2 steps 3-4), as a pure function of the bookkeeping.
 *
 * @module
 */
import type { Rng } from "./rng.ts";

/**
 * Whether a row halts after its `steps`-th supervision step during training: at N_sup always; before
 * that when q_halt > 0 (the predicted probability of being exactly right exceeds 0.5), unless
 * exploration (probability `explorationProb`) drew a minimum step count m ~ U{2..N_sup} not yet reached.
 * The exploration draw happens for every row at every step, as in the reference.
 *
 * @example
 * ```ts
 * import { createRng, shouldHalt } from "@recursive/trm/core";
 * const rng = createRng(0);
 * if (!shouldHalt(16, -5, 16, 0.1, rng)) throw new Error("always halts at N_sup");
 * if (shouldHalt(3, -1, 16, 0, rng)) throw new Error("q_halt <= 0 keeps going");
 * ```
 */
export function shouldHalt(
  steps: number,
  qHalt: number,
  maxSteps: number,
  explorationProb: number,
  rng: Rng,
): boolean {
  let halt = steps >= maxSteps;
  if (maxSteps > 1) {
    halt ||= qHalt > 0;
    const minSteps = rng.float() < explorationProb ? rng.int(2, maxSteps) : 0;
    halt &&= steps >= minSteps;
  }
  return halt;
}
