/**
 * Analytic matmul FLOPs of one supervision step (forward, backward), for GFLOP/s figures and the CLI's
 * time estimate of a paper-sized run; and the measured matmul rate of the active backend. Element-wise
 * ops are ignored: they are a few percent of the matmul work at these shapes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TrmConfig } from "./config.ts";
import { swigluWidth } from "./layers.ts";
import type { TaskSpec } from "./task.ts";

/**
 * FLOPs of one evaluation of the shared network f on a batch of `B` rows.
 *
 * @example
 * ```ts
 * import { networkFlops, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "s", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
 * if (!(networkFlops(resolveConfig({ mixer: mlpMixer() }), spec, 1) > 1e8)) throw new Error("flops");
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { networkFlops, resolveConfig, trainStepFlops } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "s", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 }, c = resolveConfig({ mixer: mlpMixer() });
 * if (trainStepFlops(c, spec, 8) < 8 * networkFlops(c, spec, 8)) throw new Error("at least T(n+1) evaluations");
 * ```
 */
export function trainStepFlops(config: TrmConfig, spec: TaskSpec, B: number): number {
  const { n, T } = config.recursion;
  const f = networkFlops(config, spec, B);
  const heads = 2 * B * spec.seqLen * config.model.hidden * spec.vocabSize * 3;
  return f * (T * (n + 1) + 2 * (n + 1)) + heads;
}

/**
 * Best GFLOP/s of a `size`^3 2-D matmul on the active backend's registered kernel, over `reps` runs after
 * a warm-up.
 *
 * @example
 * ```ts
 * import { initBackend, measureMatmulGflops } from "@recursive/trm/core";
 * await initBackend("cpu");
 * if (!(await measureMatmulGflops(64, 1) > 0)) throw new Error("a rate");
 * ```
 */
export async function measureMatmulGflops(size = 1024, reps = 4): Promise<number> {
  const a = tf.randomNormal([size, size]), b = tf.randomNormal([size, size]);
  let best = Infinity;
  try {
    for (let i = 0; i < reps + 1; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      const ms = performance.now() - t0;
      c.dispose();
      if (i > 0) best = Math.min(best, ms); // the first run warms up
    }
  } finally {
    tf.dispose([a, b]);
  }
  return (2 * size ** 3) / (Math.max(best, 1e-3) / 1000) / 1e9;
}
