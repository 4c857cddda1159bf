/**
 * Analytic matmul FLOPs of one supervision step (forward, backward), for GFLOP/s figures. Element-wise
 * ops are ignored: they are a few percent of the matmul work at these shapes.
 */
import { swigluWidth, type TaskSpec, type TrmConfig } from "../core/mod.ts";

/** FLOPs of one evaluation of the shared network f on a batch of `B` rows. */
export function networkFlops(config: TrmConfig, spec: TaskSpec, B: number): number {
  const D = config.model.hidden, Lp = spec.seqLen + config.model.puzzleEmbLen, layers = config.model.layers;
  const channel = 2 * B * Lp * D * 3 * swigluWidth(D, config.model.expansion);
  let mixer: number;
  if (config.mixer.kind === "mlp-mixer") {
    const expansion = (config.mixer.options as { expansion?: number }).expansion ?? config.model.expansion;
    mixer = 2 * B * D * Lp * 3 * swigluWidth(Lp, expansion);
  } else {
    mixer = 2 * B * Lp * D * 4 * D + 4 * B * Lp * Lp * D; // projections + scores + weighted sum
  }
  return layers * (channel + mixer);
}

/**
 * FLOPs of one training step: T(n+1) evaluations of f forward (T-1 recursions without gradient, one
 * with), plus backward through the last n+1 (about twice their forward cost), plus the heads.
 */
export function trainStepFlops(config: TrmConfig, spec: TaskSpec, B: number): number {
  const { n, T } = config.recursion;
  const f = networkFlops(config, spec, B);
  const heads = 2 * B * spec.seqLen * config.model.hidden * spec.vocabSize * 3;
  return f * (T * (n + 1) + 2 * (n + 1)) + heads;
}
