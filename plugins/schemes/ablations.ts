/**
 * Two of the paper's TRM ablations (Table 1) as recursion schemes, for `deno task reproduce`:
 *
 * - {@linkcode trmOneStep}: TRM with HRM's 1-step gradient. The same evaluations as TRM, but only the
 *   last latent update and the answer update are on the tape (HRM keeps its last L and last H there);
 *   TRM keeps its whole last recursion (n + 1 evaluations) there. Paper: 87.4% -> 56.5% on Sudoku.
 * - {@linkcode trmTwoNets}: TRM with separate networks for the latent update (`fz`) and the answer
 *   update (`fy`) instead of one shared f. Paper: 82.4% with two full-size networks (twice the
 *   parameters); `layers` lets a comparison keep the parameter count equal (one block each instead of
 *   TRM's two shared ones).
 *
 * @module
 */
import { type RecursionScheme, type StepPlan, trmPlan, type Update } from "../../core/mod.ts";

/** The plan of {@linkcode trmOneStep}: TRM's evaluations, only the last z and the y update on the tape. */
export function oneStepPlan({ n, T }: { readonly n: number; readonly T: number }): StepPlan {
  const all = [...trmPlan({ n, T }).offTape, ...trmPlan({ n, T }).onTape];
  return { offTape: all.slice(0, -2), onTape: all.slice(-2) };
}

/**
 * TRM with the 1-step gradient of HRM: T(n+1) evaluations per supervision step, the last two (the
 * last z <- f(z + y + x) and y <- f(y + z)) on the tape.
 *
 * @example
 * ```ts
 * import { trmOneStep } from "@recursive/trm/plugins/schemes";
 * const plan = trmOneStep().plan({ n: 3, T: 2 });
 * if (plan.offTape.length !== 6 || plan.onTape.map((u) => u.state).join() !== "z,y") throw new Error("plan");
 * ```
 */
export function trmOneStep(): RecursionScheme {
  return {
    kind: "trm-1step",
    states: ["y", "z"],
    output: "y",
    nets: { f: {} },
    plan: oneStepPlan,
    halting: "q-halt",
  };
}

/** Options of {@linkcode trmTwoNets}. */
export interface TwoNetsOptions {
  /** Blocks of each of the two networks. Default: the config's `model.layers` (twice TRM's parameters). */
  readonly layers?: number;
}

/** The plan of {@linkcode trmTwoNets}: TRM's, with z updated by `fz` and y by `fy`. */
export function twoNetsPlan(recursion: { readonly n: number; readonly T: number }): StepPlan {
  const rename = (u: Update): Update => ({ ...u, net: u.state === "z" ? "fz" : "fy" });
  const plan = trmPlan(recursion);
  return { offTape: plan.offTape.map(rename), onTape: plan.onTape.map(rename) };
}

/**
 * TRM with two networks: `fz` for the n latent updates, `fy` for the answer update. `fz` is built
 * first, so its parameters keep TRM's names (`block{i}/...`); `fy`'s are `fy/block{i}/...`.
 *
 * @example
 * ```ts
 * import { trmTwoNets } from "@recursive/trm/plugins/schemes";
 * const s = trmTwoNets({ layers: 1 });
 * const nets = s.plan({ n: 2, T: 1 }).onTape.map((u) => u.net).join();
 * if (nets !== "fz,fz,fy" || s.nets.fy?.layers !== 1) throw new Error(nets);
 * ```
 */
export function trmTwoNets(options: TwoNetsOptions = {}): RecursionScheme {
  const { layers } = options;
  if (layers !== undefined && !(Number.isInteger(layers) && layers > 0)) {
    throw new RangeError(`trmTwoNets: layers must be a positive integer, got ${layers}`);
  }
  const net = layers === undefined ? {} : { layers };
  return {
    kind: "trm-2net",
    options: { ...options },
    states: ["y", "z"],
    output: "y",
    nets: { fz: net, fy: net },
    plan: twoNetsPlan,
    halting: "q-halt",
  };
}
