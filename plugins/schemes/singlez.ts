/**
 * TRM with a single latent (the official `models/recursive_reasoning/trm_singlez.py`), as a recursion
 * scheme: one state z, one network f. A recursion is z <- f(z + x) n times, then z <- f(z) (no
 * injection); T-1 recursions off the tape and the last on it; the heads read z; q_halt halting as TRM.
 * The paper's "single z" ablation (Table 1) compares it with TRM's separate y and z.
 *
 * @module
 */
import type { RecursionScheme, StepPlan, Update } from "../../core/mod.ts";

/** The single-z plan for n and T (exported for tests). */
export function singleZPlan({ n, T }: { readonly n: number; readonly T: number }): StepPlan {
  const one: Update[] = [
    ...Array.from({ length: n }, (): Update => ({ state: "z", net: "f", inject: ["x"] })),
    { state: "z", net: "f", inject: [] },
  ];
  return { offTape: Array.from({ length: T - 1 }, () => one).flat(), onTape: one };
}

/**
 * The single-z scheme.
 *
 * @example
 * ```ts
 * import { singleZ } from "@recursive/trm/plugins/schemes";
 * const plan = singleZ().plan({ n: 2, T: 2 });
 * if (plan.offTape.length !== 3 || plan.onTape.length !== 3) throw new Error("n + 1 evaluations per recursion");
 * ```
 */
export function singleZ(): RecursionScheme {
  return {
    kind: "singlez",
    states: ["z"],
    output: "z",
    nets: { f: {} },
    plan: singleZPlan,
    halting: "q-halt",
  };
}
