/**
 * The golden harness's comparison rule (`../shared/golden/README.md`, "Noise floor"), per tensor: ours
 * passes when it is within a plain tolerance of the official float32 value, OR when it is no farther from
 * the official float64 value than twice the official float32 value is:
 * `max|ours - f64| <= 2 * max|official_f32 - f64|`. Where the official float32 and float64 values agree
 * exactly (distance 0), only the plain tolerance can apply.
 */
// deno-lint-ignore-file no-console
import type { StoredTensor } from "../io/mod.ts";
import type { GoldenStep } from "./_golden.ts";

/** A plain tolerance: absolute, or relative to |official f32| (per element). */
export type GoldenTolerance = { readonly abs: number } | { readonly rel: number };

/** The harness's plain tolerances. */
export const GOLDEN_TOLERANCE = {
  /** logits, q_halt / q_continue, the carry z_H / z_L. */
  activations: { abs: 1e-4 },
  /** lm_loss, q_halt_loss, total_loss. */
  losses: { rel: 1e-5 },
  /** Weights and the puzzle table after training steps. */
  weights: { abs: 1e-6 },
  /** Exact flags, step counts, halted flags: equal. */
  flags: { abs: 0 },
  /**
   * HRM's target_q_continue = sigmoid(v) of a next-step q logit v (~0.007 here). Relative, because
   * d log sigmoid(v) / dv = 1 - sigmoid(v) ~ 1: this is a 1e-5 tolerance on v itself.
   */
  qTargets: { rel: 1e-5 },
  /** Learning rates (double precision on both sides). */
  lr: { rel: 1e-12 },
} as const satisfies Record<string, GoldenTolerance>;

/** The distances of one tensor and the verdict. */
export interface GoldenDistance {
  /** What was compared, e.g. `s2/logits`. */
  readonly name: string;
  /** max|ours - official f32| (relative to |f32| for a relative tolerance). */
  readonly plain: number;
  /** max|ours - official f64|. */
  readonly oursF64: number;
  /** max|official f32 - official f64| (the official run's own rounding). */
  readonly officialF64: number;
  /** Whether it passes, and by which rule. */
  readonly verdict: "plain" | "noise" | "FAIL";
  /** The plain tolerance used. */
  readonly tol: GoldenTolerance;
}

type Values = ArrayLike<number> | StoredTensor;

const valuesOf = (v: Values): ArrayLike<number> => "data" in v ? (v.data as ArrayLike<number>) : v;

/**
 * Distances of `ours` from the official float32 (`f32`) and float64 (`f64`) values, and the verdict of
 * the rule above. Throws naming `name` when the lengths differ.
 */
export function compareGolden(
  name: string,
  ours: Values,
  f32: Values,
  f64: Values,
  tol: GoldenTolerance,
): GoldenDistance {
  const o = valuesOf(ours), a = valuesOf(f32), b = valuesOf(f64);
  if (o.length !== a.length || a.length !== b.length) {
    throw new RangeError(`golden ${name}: ours has ${o.length} values, f32 ${a.length}, f64 ${b.length}`);
  }
  let plain = 0, oursF64 = 0, officialF64 = 0;
  for (let i = 0; i < o.length; i++) {
    const d = Math.abs(o[i]! - a[i]!);
    plain = Math.max(plain, "rel" in tol ? d / Math.max(Math.abs(a[i]!), 1e-30) : d);
    oursF64 = Math.max(oursF64, Math.abs(o[i]! - b[i]!));
    officialF64 = Math.max(officialF64, Math.abs(a[i]! - b[i]!));
  }
  if (Number.isNaN(plain + oursF64)) plain = oursF64 = Infinity;
  const limit = "rel" in tol ? tol.rel : tol.abs;
  const verdict = plain <= limit ? "plain" : oursF64 <= 2 * officialF64 ? "noise" : "FAIL";
  return { name, plain, oursF64, officialF64, verdict, tol };
}

const fmt = (x: number) => (x === 0 ? "0" : x.toExponential(1).replace(".0e", "e"));
const tolText = (t: GoldenTolerance) => ("rel" in t ? `${fmt(t.rel)} rel` : `${fmt(t.abs)} abs`);

/** Collects comparisons by group, prints one line per group, and fails listing every failed tensor. */
export class GoldenReport {
  /** The variant (first column of every line). */
  readonly variant: string;
  readonly #groups = new Map<string, GoldenDistance[]>();

  /** A report for `variant`. */
  constructor(variant: string) {
    this.variant = variant;
  }

  /** Compares one tensor (see {@linkcode compareGolden}) into `group`; returns the distances. */
  check(
    group: string,
    name: string,
    ours: Values,
    f32: Values,
    f64: Values,
    tol: GoldenTolerance,
  ): GoldenDistance {
    const d = compareGolden(name, ours, f32, f64, tol);
    if (!this.#groups.has(group)) this.#groups.set(group, []);
    this.#groups.get(group)!.push(d);
    return d;
  }

  /** Every comparison so far, by group. */
  get groups(): ReadonlyMap<string, readonly GoldenDistance[]> {
    return this.#groups;
  }

  /** Markdown table rows, each starting with `| golden`: per group the max of each distance. */
  lines(): string[] {
    const out = [
      "| golden | group | tensors | max plain (ours-f32) | max ours-f64 | max f32-f64 | plain tol | verdict |",
      "| golden | --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const [group, ds] of this.#groups) {
      const max = (k: "plain" | "oursF64" | "officialF64") => Math.max(...ds.map((d) => d[k]));
      const fails = ds.filter((d) => d.verdict === "FAIL").length;
      const noise = ds.filter((d) => d.verdict === "noise").length;
      const verdict = fails ? `FAIL ${fails}` : noise ? `ok (${noise} by the f64 rule)` : "ok";
      out.push(
        `| golden ${this.variant} | ${group} | ${ds.length} | ${fmt(max("plain"))} | ${
          fmt(max("oursF64"))
        } | ` +
          `${fmt(max("officialF64"))} | ${tolText(ds[0]!.tol)} | ${verdict} |`,
      );
    }
    return out;
  }

  /** Prints {@linkcode GoldenReport.lines}. */
  print(): void {
    for (const l of this.lines()) console.log(l);
  }

  /** Throws one message naming every failed group / tensor with its distances. */
  assertPass(): void {
    const bad: string[] = [];
    for (const [group, ds] of this.#groups) {
      for (const d of ds.filter((d) => d.verdict === "FAIL")) {
        bad.push(
          `${this.variant} ${group} ${d.name}: max|ours - f32| ${fmt(d.plain)} > ${tolText(d.tol)}, and ` +
            `max|ours - f64| ${fmt(d.oursF64)} > 2 * max|official f32 - f64| = 2 * ${fmt(d.officialF64)}`,
        );
      }
    }
    if (bad.length) throw new Error(`golden mismatch (${bad.length} tensors):\n  ${bad.join("\n  ")}`);
  }
}

/**
 * Compares eval-forward steps with the files' `{prefix}s{s}/...` tensors and `{prefix}lm_loss` etc.
 * (index s-1) into groups `{phase} logits`, `{phase} q_halt`, ... The carry (z_H and z_L for TRM and
 * HRM, z_L for single-z) is compared when the files hold it (`forward*`; `post/` has none); a carry the
 * files hold that our scheme has no state for, or the other way round, throws.
 */
export function compareForward(
  report: GoldenReport,
  phase: string,
  steps: readonly GoldenStep[],
  f32: ReadonlyMap<string, StoredTensor>,
  f64: ReadonlyMap<string, StoredTensor>,
  prefix: string,
): void {
  const get = (m: ReadonlyMap<string, StoredTensor>, name: string, file: string) => {
    const t = m.get(prefix + name);
    if (!t) throw new Error(`golden ${file}: no tensor "${prefix}${name}"`);
    return t;
  };
  const T = GOLDEN_TOLERANCE;
  const carry = (k: string) => (s: GoldenStep) => s.carry[k];
  const parts: [string, (s: GoldenStep) => Float32Array | undefined, GoldenTolerance][] = [
    ["logits", (s) => s.logits, T.activations],
    ["q_halt_logits", (s) => s.qHalt, T.activations],
    ["q_continue_logits", (s) => s.qContinue, T.activations],
    ["z_H", carry("z_H"), T.activations],
    ["z_L", carry("z_L"), T.activations],
    ["exact", (s) => s.exact, T.flags],
  ];
  steps.forEach((step, i) => {
    const stored = (file: string) => f32.has(`${prefix}s${i + 1}/${file}`);
    const filesCarry = ["z_H", "z_L"].filter(stored);
    if (filesCarry.length > 0 && Object.keys(step.carry).sort().join() !== filesCarry.join()) {
      throw new Error(
        `golden ${prefix}s${i + 1}: the files carry ${filesCarry}, our scheme ${Object.keys(step.carry)}`,
      );
    }
    for (const [file, pick, tol] of parts) {
      const name = `s${i + 1}/${file}`;
      if (file.startsWith("z_") && !stored(file)) continue;
      const group = `${phase} ${file.replace("_logits", "")}`;
      report.check(group, name, pick(step)!, get(f32, name, "f32"), get(f64, name, "f64"), tol);
    }
  });
  const losses: [string, (s: GoldenStep) => number][] = [
    ["lm_loss", (s) => s.lmLoss],
    ["q_halt_loss", (s) => s.qHaltLoss],
    ["total_loss", (s) => s.totalLoss],
  ];
  for (const [name, pick] of losses) {
    const ours = steps.map(pick), a = get(f32, name, "f32"), b = get(f64, name, "f64");
    const n = steps.length; // the files hold 3 steps; compare the ones run
    const head = (t: StoredTensor) => Array.from(t.data as ArrayLike<number>).slice(0, n);
    report.check(`${phase} losses`, name, ours, head(a), head(b), T.losses);
  }
}
