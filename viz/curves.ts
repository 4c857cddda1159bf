/**
 * Training curves from a `metrics.jsonl` as one self-contained SVG: train loss, exact accuracy (train,
 * over the rows that halted, and held-out at every evaluation), mean supervision steps used at halting,
 * and the learning rate, against the optimizer step.
 *
 * @module
 */
import { esc, extent, lineChart, type Series } from "./_chart.ts";
import {
  currentRun,
  type EvalRecord,
  type MetricsRecord,
  type RunRecord,
  type StepRecord,
} from "./metrics.ts";

export { currentRun, parseMetrics } from "./metrics.ts";
export type { EvalRecord, MetricsRecord, RunRecord, StepRecord } from "./metrics.ts";

/** Options of {@linkcode curvesSvg}. */
export interface CurvesOptions {
  /** Heading (default: preset, backend, steps and the last held-out result, from the records). */
  readonly title?: string;
  /** Width of each of the four panels in pixels (default 460). */
  readonly panelWidth?: number;
  /** Height of each panel in pixels (default 250). */
  readonly panelHeight?: number;
}

const COLOURS = { loss: "#c62828", train: "#2e7d32", heldOut: "#1565c0", halt: "#6a1b9a", lr: "#ef6c00" };

type Point = readonly [number, number];

/** (step, value) for every step with a finite value of `key`; `carry` repeats the last one over nulls. */
function pointsOf(steps: readonly StepRecord[], key: keyof StepRecord, carry: boolean): Point[] {
  const out: Point[] = [];
  let last: number | null = null;
  for (const r of steps) {
    const v = r[key];
    if (typeof v === "number") last = v;
    else if (!carry) continue;
    if (last !== null) out.push([r.step, last]);
  }
  return out;
}

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The default heading: what ran, how far, and the last held-out result. */
function heading(runs: readonly RunRecord[], last: number, planned: number, evals: readonly Point[]): string {
  const head = runs.at(-1);
  const parts = [head?.preset ?? "training run"];
  if (head?.backend) parts.push(`backend ${head.backend}`);
  parts.push(planned > last ? `step ${last} of ${planned}` : `${last} steps`);
  const resumes = runs.filter((r) => r.event === "resume").length;
  if (resumes > 0) parts.push(`resumed ${resumes}x`);
  const e = evals.at(-1);
  if (e) parts.push(`held-out exact ${percent(e[1])} at step ${e[0]}`);
  if (head?.run) parts.push(`run ${head.run.slice(0, 8)}`);
  return parts.join("  ·  ");
}

/**
 * Renders the current run of `records` (see {@linkcode currentRun}: the last fresh start and every
 * resume of it) as an SVG document with four panels. Train loss is drawn on a log scale when it spans
 * more than a decade. Train exact accuracy and halting steps are over the rows that halted at each step,
 * so a step where none halted (null) carries the last value on; held-out evaluations are dots (exact
 * accuracy, and the mean steps used where the eval records carry `meanSteps`). Resumes are dashed
 * vertical rules, N_sup a dashed horizontal one. Pure and deterministic: the same records give the same
 * bytes. Labels are laid out for the default panel size; much smaller panels may crowd them.
 *
 * @example
 * ```ts
 * import { curvesSvg, parseMetrics } from "@recursive/trm/viz";
 * const lines = [JSON.stringify({ event: "start", step: 0, preset: "demo", steps: 3 })];
 * for (let s = 1; s <= 3; s++) {
 *   lines.push(JSON.stringify({ event: "step", step: s, lr: 1e-3, loss: 2 / s, count: s - 1,
 *     exactAccuracy: s > 1 ? s / 4 : null, steps: s > 1 ? 2 : null }));
 * }
 * lines.push(JSON.stringify({ event: "eval", step: 3, exactAccuracy: 0.5, accuracy: 0.8, count: 10 }));
 * const svg = curvesSvg(parseMetrics(lines.join("\n") + "\n", "metrics.jsonl"));
 * if (!svg.startsWith("<svg") || (svg.match(/class="eval-point"/g) ?? []).length !== 1) throw new Error("curves");
 * ```
 */
export function curvesSvg(records: readonly MetricsRecord[], options: CurvesOptions = {}): string {
  const W = options.panelWidth ?? 460, H = options.panelHeight ?? 250, gap = 12, top = 40;
  const run = currentRun(records);
  const steps = run.filter((r): r is StepRecord => r.event === "step");
  const evals = run.filter((r): r is EvalRecord => r.event === "eval");
  const runs = run.filter((r): r is RunRecord => r.event === "start" || r.event === "resume");
  const last = Math.max(0, extent(steps.map((r) => r.step))[1], extent(evals.map((r) => r.step))[1]);
  const plannedRaw = runs.at(-1)?.steps;
  const planned = plannedRaw !== undefined && Number.isInteger(plannedRaw) ? plannedRaw : last;
  const xDomain = [0, Math.max(1, last, planned)] as const;
  const xRules = runs.filter((r) => r.event === "resume").map((r) => ({ at: r.step, label: "resumed" }));

  const loss = pointsOf(steps, "loss", false);
  const [lossMin, lossMax] = extent(loss.map((p) => p[1]));
  const log = loss.length > 0 && lossMin >= 1e-300 && lossMax <= 1e300 && lossMax / lossMin > 10;
  const evalPoints = (key: "exactAccuracy" | "meanSteps"): Point[] =>
    evals.flatMap((r) => (r[key] === null ? [] : [[r.step, r[key]]] as const));
  const heldOut = evalPoints("exactAccuracy"), heldOutSteps = evalPoints("meanSteps");
  const halt = pointsOf(steps, "steps", true);
  const nSup = runs.findLast((r) => r.maxSteps !== undefined)?.maxSteps;
  const lr = pointsOf(steps, "lr", false);

  const common = { xLabel: "optimizer step", width: W, height: H, xDomain, xRules };
  const series = (label: string, colour: string, points: Point[], markers?: string): Series =>
    markers ? { label, colour, points, markers } : { label, colour, points };
  const panels = [
    lineChart({
      ...common,
      title: `train loss${log ? " (log scale)" : ""}`,
      log,
      ...(log ? {} : { yDomain: [0, Math.max(0, lossMax)] as const }),
      series: [series("loss per row", COLOURS.loss, loss)],
    }),
    lineChart({
      ...common,
      title: "exact accuracy",
      yDomain: [0, 1],
      series: [
        series("train (rows that halted)", COLOURS.train, pointsOf(steps, "exactAccuracy", true)),
        series("held-out (evaluations)", COLOURS.heldOut, heldOut, "eval-point"),
      ],
    }),
    lineChart({
      ...common,
      title: "supervision steps used at halting (mean)",
      yDomain: [0, Math.max(1, nSup ?? 0, extent(halt.concat(heldOutSteps).map((p) => p[1]))[1])],
      series: [
        series("train (rows that halted)", COLOURS.halt, halt),
        series("held-out (evaluations)", COLOURS.heldOut, heldOutSteps, "eval-steps"),
      ],
      ...(nSup !== undefined ? { yRules: [{ at: nSup, label: `N_sup = ${nSup}` }] } : {}),
    }),
    lineChart({
      ...common,
      title: "learning rate",
      yDomain: [0, Math.max(0, extent(lr.map((p) => p[1]))[1])],
      series: [series("lr", COLOURS.lr, lr)],
    }),
  ];
  const width = 2 * W + 3 * gap, height = top + 2 * H + 2 * gap;
  let body = `<rect width="100%" height="100%" fill="#fafafa"/>` +
    `<text x="${gap}" y="26" font-size="15" font-family="sans-serif">${
      esc(options.title ?? heading(runs, last, planned, heldOut))
    }</text>`;
  panels.forEach((p, i) => {
    const x = gap + (i % 2) * (W + gap), y = top + Math.floor(i / 2) * (H + gap);
    body += `<g transform="translate(${x},${y})">${p.body}</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>\n`;
}
