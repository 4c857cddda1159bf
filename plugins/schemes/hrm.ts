/**
 * HRM, the Hierarchical Reasoning Model (Wang et al. 2025; the official TRM repository's
 * `models/recursive_reasoning/hrm.py`), as a recursion scheme: two states z_H and z_L, two networks
 * H and L built from the same blocks and mixer, a 1-step gradient (only the last L and the last H
 * evaluation carry it) and Q-learning halting with a continue head.
 *
 * Per supervision step, with H_cycles = T and L_cycles = n: z_L <- L(z_L, z_H + x) for every (H, L)
 * cycle but the last, z_H <- H(z_H, z_L) after every H cycle but the last, all off the tape; then one
 * z_L and one z_H update on it. The heads read z_H.
 *
 * @module
 */
import type { RecursionScheme, StepPlan, Update } from "../../core/mod.ts";

/** Options of {@linkcode hrm}. */
export interface HrmOptions {
  /** Blocks of the H (high-level) network. Default: the config's `model.layers`. */
  readonly hLayers?: number;
  /** Blocks of the L (low-level) network. Default: the config's `model.layers`. */
  readonly lLayers?: number;
}

/** HRM's plan for H_cycles `T` and L_cycles `n` (exported for tests and other schemes). */
export function hrmPlan({ n, T }: { readonly n: number; readonly T: number }): StepPlan {
  const low: Update = { state: "zL", net: "L", inject: ["zH", "x"] };
  const high: Update = { state: "zH", net: "H", inject: ["zL"] };
  const offTape: Update[] = [];
  for (let h = 0; h < T; h++) {
    for (let l = 0; l < n; l++) if (!(h === T - 1 && l === n - 1)) offTape.push(low);
    if (h !== T - 1) offTape.push(high);
  }
  return { offTape, onTape: [low, high] };
}

/**
 * The HRM scheme. The L network is built first, so its parameters keep TRM's names (`block{i}/...`,
 * the official `L_level`); the H network's are `H/block{i}/...` (`H_level`).
 *
 * @example
 * ```ts
 * import { hrm } from "@recursive/trm/plugins/schemes";
 * const plan = hrm().plan({ n: 2, T: 2 });
 * // 4 L and 2 H evaluations per step, the last L and H on the tape.
 * if (plan.offTape.length !== 4 || plan.onTape.map((u) => u.net).join() !== "L,H") throw new Error("plan");
 * ```
 */
export function hrm(options: HrmOptions = {}): RecursionScheme {
  const { hLayers, lLayers } = options;
  return {
    kind: "hrm",
    options: { ...options },
    states: ["zH", "zL"],
    output: "zH",
    nets: {
      L: lLayers === undefined ? {} : { layers: lLayers },
      H: hLayers === undefined ? {} : { layers: hLayers },
    },
    plan: hrmPlan,
    halting: "q-learning",
  };
}
