/**
 * Pure helpers of `deno task reproduce`: per-variant summaries of the runs, the paper's ordering
 * claims checked against them, a Markdown table and an SVG bar chart. No tensors, no files.
 *
 * @module
 */
import type { Variant } from "./reproduce_variants.ts";

/** The result of one variant x seed run (what `runs/reproduce/<tag>/<variant>-seed<k>.json` holds). */
export interface RunResult {
  /** Variant name. */
  readonly variant: string;
  /** Seed of init, exploration and augmentation order. */
  readonly seed: number;
  /** Held-out exact accuracy (whole grid right), in [0, 1]. */
  readonly exact: number;
  /** Held-out token accuracy. */
  readonly accuracy: number;
  /** Trainable parameters. */
  readonly params: number;
  /** Optimizer steps. */
  readonly steps: number;
  /** Wall seconds of training and evaluation. */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads) of training and evaluation. */
  readonly cpuSeconds?: number;
  /** The loss training ended with diverged (non-finite); `exact` is then 0. */
  readonly diverged?: boolean;
}

/** One row of the table. */
export interface VariantSummary {
  /** Variant name. */
  readonly variant: string;
  /** What changes from the base. */
  readonly change: string;
  /** The paper's figure. */
  readonly paper: string;
  /** Seeds run, ascending. */
  readonly seeds: number[];
  /** Held-out exact accuracy per seed (same order as `seeds`). */
  readonly exact: number[];
  /** Mean of `exact`. */
  readonly mean: number;
  /** Sample standard deviation of `exact` (0 with one seed). */
  readonly sd: number;
  /** Mean held-out token accuracy. */
  readonly accuracy: number;
  /** Trainable parameters. */
  readonly params: number;
  /** Optimizer steps. */
  readonly steps: number;
  /** Mean wall seconds per run. */
  readonly seconds: number;
  /** Mean CPU seconds per run (NaN when a run did not record it). */
  readonly cpuSeconds: number;
  /** Seeds whose training diverged. */
  readonly diverged: number[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * One summary per variant that has results, in `variants` order.
 *
 * @example
 * ```ts
 * import { summarize } from "./reproduce_report.ts";
 * import { VARIANTS } from "./reproduce_variants.ts";
 * const r = [0.5, 0.7].map((exact, seed) => ({ variant: "trm", seed, exact, accuracy: 1, params: 1, steps: 1, seconds: 2 }));
 * if (Math.abs(summarize(VARIANTS, r)[0]!.mean - 0.6) > 1e-12) throw new Error("mean");
 * ```
 */
export function summarize(variants: readonly Variant[], results: readonly RunResult[]): VariantSummary[] {
  const out: VariantSummary[] = [];
  for (const v of variants) {
    const rs = results.filter((r) => r.variant === v.name).sort((a, b) => a.seed - b.seed);
    if (rs.length === 0) continue;
    const exact = rs.map((r) => r.exact);
    out.push({
      variant: v.name,
      change: v.change,
      paper: v.paper,
      seeds: rs.map((r) => r.seed),
      exact,
      mean: mean(exact),
      sd: sd(exact),
      accuracy: mean(rs.map((r) => r.accuracy)),
      params: rs[0]!.params,
      steps: rs[0]!.steps,
      seconds: mean(rs.map((r) => r.seconds)),
      cpuSeconds: mean(rs.map((r) => r.cpuSeconds ?? NaN)),
      diverged: rs.filter((r) => r.diverged).map((r) => r.seed),
    });
  }
  return out;
}

/** One of the paper's ordering claims, checked. */
export interface OrderingCheck {
  /** The claim, in words. */
  readonly claim: string;
  /** The paper's Sudoku-Extreme figures for it. */
  readonly paper: string;
  /** The variant that should be better (or, with `orEqual`, not worse). */
  readonly better: string;
  /** The variant that should be worse. */
  readonly worse: string;
  /** mean(better) - mean(worse); null when either has no result. */
  readonly diff: number | null;
  /** Standard error of `diff` (seed spread, or the held-out binomial error with one seed). */
  readonly se: number | null;
  /** Whether the claim's sign holds here (null when not measured). */
  readonly holds: boolean | null;
  /** "holds", "holds within noise", "reversed within noise", "does not hold", "not separated", "not run". */
  readonly verdict: string;
}

/** The claims the issue asks about: [claim, paper, better, worse, orEqual]. */
export const CLAIMS: readonly (readonly [string, string, string, string, boolean])[] = [
  ["full recursion > 1-step gradient", "87.4 vs 56.5", "trm", "1-step-grad", false],
  ["EMA helps", "87.4 vs 79.9", "trm", "no-ema", false],
  ["recursion beats no recursion", "87.4 vs 63.2", "trm", "no-recursion", false],
  ["MLP-mixer > attention on Sudoku", "87.4 vs 74.7", "trm", "attention", false],
  ["one net >= two nets", "87.4 vs 82.4", "trm", "two-nets", true],
];

/** Standard error of a summary's mean: seed spread / sqrt(k), or the binomial error of one run. */
function standardError(s: VariantSummary, testSize: number): number {
  if (s.exact.length >= 2) return s.sd / Math.sqrt(s.exact.length);
  return Math.sqrt(s.mean * (1 - s.mean) / Math.max(1, testSize));
}

/**
 * Checks every claim of {@linkcode CLAIMS} on `summaries`: "holds" when the difference has the
 * claimed sign and exceeds 2 standard errors, "within noise" when it does not exceed them.
 *
 * @example
 * ```ts
 * import { orderingChecks, type VariantSummary } from "./reproduce_report.ts";
 * const row = (variant: string, exact: number[]): VariantSummary => ({ variant, change: "", paper: "", seeds: [0, 1], exact,
 *   mean: (exact[0]! + exact[1]!) / 2, sd: Math.abs(exact[0]! - exact[1]!) / Math.SQRT2, accuracy: 0, params: 1, steps: 1, seconds: 1, cpuSeconds: 1, diverged: [] });
 * const c = orderingChecks([row("trm", [0.8, 0.82]), row("no-ema", [0.4, 0.42])], 500);
 * if (c[1]!.verdict !== "holds" || c[0]!.verdict !== "not run") throw new Error(JSON.stringify(c));
 * ```
 */
export function orderingChecks(summaries: readonly VariantSummary[], testSize: number): OrderingCheck[] {
  return CLAIMS.map(([claim, paper, better, worse, orEqual]) => {
    const a = summaries.find((s) => s.variant === better), b = summaries.find((s) => s.variant === worse);
    if (!a || !b) {
      return { claim, paper, better, worse, diff: null, se: null, holds: null, verdict: "not run" };
    }
    const diff = a.mean - b.mean;
    const se = Math.hypot(standardError(a, testSize), standardError(b, testSize));
    const clear = Math.abs(diff) > 2 * se;
    let holds: boolean, verdict: string;
    if (diff === 0 && se === 0) [holds, verdict] = [orEqual, orEqual ? "holds (equal)" : "not separated"];
    else if (diff > 0) [holds, verdict] = [true, clear ? "holds" : "holds within noise"];
    else if (orEqual && !clear) [holds, verdict] = [true, "holds (equal within noise)"];
    else [holds, verdict] = [false, clear ? "does not hold" : "reversed within noise"];
    return { claim, paper, better, worse, diff, se, holds, verdict };
  });
}

const pct = (x: number) => (100 * x).toFixed(1);

/**
 * The results as a Markdown table (one row per variant).
 *
 * @example
 * ```ts
 * import { markdownTable } from "./reproduce_report.ts";
 * const t = markdownTable([{ variant: "trm", change: "base", paper: "87.4", seeds: [0], exact: [0.5], mean: 0.5, sd: 0,
 *   accuracy: 0.9, params: 1000, steps: 10, seconds: 3, cpuSeconds: 5, diverged: [] }]);
 * if (!t.includes("| trm ") || !t.includes("50.0")) throw new Error(t);
 * ```
 */
export function markdownTable(summaries: readonly VariantSummary[]): string {
  const head = [
    "| variant | change | params | steps | seeds | held-out exact % per seed | mean % | sd | token % | s/run | CPU s/run | paper % |",
    "| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  const rows = summaries.map((s) =>
    `| ${s.variant} | ${s.change} | ${s.params.toLocaleString("en")} | ${s.steps} | ${s.seeds.join(",")} | ` +
    `${s.exact.map(pct).join(", ")}${s.diverged.length ? ` (diverged: ${s.diverged.join(",")})` : ""} | ` +
    `**${pct(s.mean)}** | ${pct(s.sd)} | ${pct(s.accuracy)} | ${s.seconds.toFixed(0)} | ` +
    `${Number.isNaN(s.cpuSeconds) ? "-" : s.cpuSeconds.toFixed(0)} | ${s.paper} |`
  );
  return [...head, ...rows].join("\n");
}

/** The ordering checks as a Markdown table. */
export function checksTable(checks: readonly OrderingCheck[]): string {
  const f = (x: number | null) => (x === null ? "-" : pct(x));
  return [
    "| paper's claim | paper % | here: difference (points) | 2 SE | verdict |",
    "| --- | --- | ---: | ---: | --- |",
    ...checks.map((c) =>
      `| ${c.claim} | ${c.paper} | ${f(c.diff)} | ${c.se === null ? "-" : pct(2 * c.se)} | ${c.verdict} |`
    ),
  ].join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A bar chart of mean held-out exact accuracy per variant, each seed's value as a dot.
 *
 * @example
 * ```ts
 * import { barChartSvg } from "./reproduce_report.ts";
 * const svg = barChartSvg([{ variant: "trm", change: "", paper: "", seeds: [0, 1], exact: [0.4, 0.6], mean: 0.5, sd: 0.1,
 *   accuracy: 0.9, params: 1, steps: 1, seconds: 1, cpuSeconds: 1, diverged: [] }], "title");
 * if ((svg.match(/<rect class="bar"/g) ?? []).length !== 1 || (svg.match(/<circle/g) ?? []).length !== 2) throw new Error(svg);
 * ```
 */
export function barChartSvg(summaries: readonly VariantSummary[], title: string): string {
  const bar = 56, gap = 24, left = 44, top = 36, plotH = 200, bottom = 44;
  const W = left + summaries.length * (bar + gap) + gap, H = top + plotH + bottom;
  const y = (v: number) => top + plotH * (1 - v);
  const text = (x: number, yy: number, s: string, size: number, anchor = "middle") =>
    `<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}" font-size="${size}" text-anchor="${anchor}" ` +
    `font-family="sans-serif">${esc(s)}</text>`;
  let body = `<rect width="${W}" height="${H}" fill="#fff"/>` + text(W / 2, 20, title, 13);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    body += `<line x1="${left}" x2="${W - gap / 2}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>` +
      text(left - 6, y(t) + 4, `${t * 100}%`, 10, "end");
  }
  summaries.forEach((s, i) => {
    const x = left + gap + i * (bar + gap), colour = s.variant === "trm" ? "#2e7d32" : "#607d8b";
    body += `<rect class="bar" x="${x}" y="${y(s.mean).toFixed(1)}" width="${bar}" ` +
      `height="${(plotH * s.mean).toFixed(1)}" fill="${colour}"/>`;
    s.exact.forEach((e, k) => {
      const cx = x + bar * (k + 1) / (s.exact.length + 1);
      body += `<circle cx="${cx.toFixed(1)}" cy="${y(e).toFixed(1)}" r="3" fill="#000" fill-opacity="0.7"/>`;
    });
    body += text(x + bar / 2, y(s.mean) - 6, pct(s.mean), 11) +
      text(x + bar / 2, top + plotH + 16, s.variant, 10);
  });
  body += text(W / 2, H - 8, "held-out exact accuracy: bar = mean over seeds, dots = seeds", 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body}</svg>`;
}
