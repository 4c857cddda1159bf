/**
 * A line chart as an SVG panel: linear or log y axis with "nice" ticks (1, 2, 5 x 10^k), grid, title,
 * legend, lines, dot markers and reference lines.
 *
 * Hand-written rather than taken from d3-scale/d3-array: the tick rule is twenty lines, and `viz/` is
 * published with no runtime dependency beyond tfjs; d3-scale would bring six packages for it.
 *
 * @module
 */
import type { Panel } from "./svg.ts";

/** A series of (x, y) points, drawn as a line, as dot markers, or both. */
export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw the connecting line (default true). */
  readonly line?: boolean;
  /** Draw a dot at every point, with this class (never thinned out). */
  readonly markers?: string;
}

/** A dashed reference line across the plot, labelled. */
export interface Rule {
  readonly at: number;
  readonly label: string;
}

/** What {@linkcode lineChart} draws. */
export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly width: number;
  readonly height: number;
  readonly xDomain: readonly [number, number];
  /** The y range to show, widened to whole ticks (default: the data's range). */
  readonly yDomain?: readonly [number, number];
  readonly log?: boolean;
  readonly series: readonly Series[];
  /** Vertical rules at x values. */
  readonly xRules?: readonly Rule[];
  /** Horizontal rules at y values. */
  readonly yRules?: readonly Rule[];
}

const FONT = `font-family="sans-serif"`;
const MARGIN = { left: 56, right: 14, top: 46, bottom: 38 };

/** XML-escapes text and attribute values. */
export const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Smallest and largest value ([Infinity, -Infinity] when none), without spreading a long array. */
export function extent(values: Iterable<number>): [min: number, max: number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The 1-2-5 step nearest to `span / count`; at least 1 when `integer`. */
export function niceStep(span: number, count: number, integer = false): number {
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** Multiples of `step` within [lo, hi], rounded to 15 digits so that 0.1 * 3 is 0.3. */
export function ticksIn(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i <= Math.floor(hi / step + 1e-9); i++) {
    out.push(Number((i * step).toPrecision(15)));
  }
  return out;
}

/**
 * A label for each tick: plain decimals, thousands as "k", exponents for tiny or huge values; in each
 * case with the fewest digits that print every tick to within a thousandth of the tick spacing.
 */
export function formatTicks(ticks: readonly number[]): string[] {
  const [lo, hi] = extent(ticks.map(Math.abs));
  const big = Math.max(0, hi);
  const spacing = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.max(lo, 1e-300);
  const exact = (print: (t: number, d: number) => string, d: number) =>
    ticks.every((t) => Math.abs(Number(print(t, d)) - t) <= spacing * 1e-3);
  if (ticks.every(Number.isInteger) && big >= 10_000 && ticks.every((t) => t % 1000 === 0)) {
    return ticks.map((t) => (t === 0 ? "0" : `${t / 1000}k`));
  }
  const exponent = big >= 1e5 || (big > 0 && big < 1e-2);
  const print = exponent
    ? (t: number, d: number) => t.toExponential(d)
    : (t: number, d: number) => t.toFixed(d);
  let d = 0;
  while (d < 20 && !exact(print, d)) d++;
  return ticks.map((t) => (exponent ? (t === 0 ? "0" : print(t, d).replace("e+", "e")) : print(t, d)));
}

interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly major: readonly number[];
  readonly minor: readonly number[];
}

/**
 * A linear axis over the data's range, widened to whole ticks. A span too small to divide into ticks
 * gets room around its centre instead: equal values, a span below 1e-200 (where 10^k underflows), or
 * one below 1e-7 of the values (float32 rounding: the metrics are float32 numbers).
 */
export function linearAxis(lo: number, hi: number, widen = true, integer = false): Axis {
  if (!(hi - lo > Math.max(1e-200, 1e-7 * Math.max(Math.abs(lo), Math.abs(hi))))) {
    const c = (lo + hi) / 2;
    [lo, hi] = Math.abs(c) >= 1e-199
      ? [Math.min(lo, c - Math.abs(c) * 0.1), Math.max(hi, c + Math.abs(c) * 0.1)]
      : [lo < 0 ? -1 : 0, hi > 0 || lo >= 0 ? 1 : 0];
  }
  if (integer && hi - lo < 1) [lo, hi] = [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
  const step = niceStep(hi - lo, 5, integer);
  // The tolerance keeps float noise from adding a tick; min/max keep the data inside all the same.
  if (widen) {
    [lo, hi] = [
      Math.min(lo, Math.floor(lo / step + 1e-9) * step),
      Math.max(hi, Math.ceil(hi / step - 1e-9) * step),
    ];
  }
  return { lo, hi, major: ticksIn(lo, hi, step), minor: [] };
}

/**
 * A log axis over whole decades: labelled powers of ten (every `stride`-th one past 8 decades, so labels
 * never crowd), unlabelled grid lines at the other powers, or at 2..9 multiples when there are few.
 */
export function logAxis(lo: number, hi: number): Axis {
  const a = Math.floor(Math.log10(lo) + 1e-9), b = Math.max(a + 1, Math.ceil(Math.log10(hi) - 1e-9));
  const stride = Math.ceil((b - a) / 8);
  const major: number[] = [], minor: number[] = [];
  const pow = (k: number, m = 1) => Number((m * 10 ** k).toPrecision(15));
  for (let k = a; k <= b; k++) {
    if (stride === 1) {
      major.push(pow(k));
      if (k < b && b - a <= 4) { for (let m = 2; m <= 9; m++) minor.push(pow(k, m)); }
    } else (k % stride === 0 ? major : minor).push(pow(k));
  }
  return { lo: 10 ** a, hi: 10 ** b, major, minor };
}

/** At most two points per pixel column (its min and max, in x order): the line's envelope survives. */
function thin(points: readonly (readonly [number, number])[], px: (x: number) => number, columns: number) {
  if (points.length <= 2 * columns) return points;
  const out: (readonly [number, number])[] = [];
  let col = NaN, lo: readonly [number, number] | null = null, hi: readonly [number, number] | null = null;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
  };
  for (const p of points) {
    const c = Math.floor(px(p[0]));
    if (c !== col) {
      flush();
      col = c;
      lo = hi = p;
    } else if (p[1] < lo![1]) lo = p;
    else if (p[1] > hi![1]) hi = p;
  }
  flush();
  return out;
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/**
 * Draws `spec` as a panel of `spec.width` x `spec.height` pixels.
 *
 * @example
 * ```ts
 * import { lineChart } from "./_chart.ts";
 * const p = lineChart({
 *   title: "loss", xLabel: "step", width: 300, height: 200, xDomain: [0, 2],
 *   series: [{ label: "loss", colour: "#c00", points: [[1, 2], [2, 1]] }],
 * });
 * if (!p.body.includes("<polyline")) throw new Error("drawn");
 * ```
 */
export function lineChart(spec: ChartSpec): Panel {
  const { width: W, height: H } = spec;
  const x0 = MARGIN.left, x1 = W - MARGIN.right, y0 = H - MARGIN.bottom, y1 = MARGIN.top;
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1])).concat(
    (spec.yRules ?? []).map((r) => r.at),
  );
  // A log axis needs positive values whose decades a double can hold (10^-324 underflows to 0).
  const [yMin, yMax] = extent(ys);
  const log = spec.log === true && ys.length > 0 && yMin >= 1e-300 && yMax <= 1e300;
  const yAxis = log
    ? logAxis(yMin, yMax)
    : spec.yDomain
    ? linearAxis(spec.yDomain[0], spec.yDomain[1])
    : ys.length
    ? linearAxis(yMin, yMax)
    : linearAxis(0, 1);
  const xAxis = linearAxis(spec.xDomain[0], spec.xDomain[1], false, true);
  const tx = (x: number) => x0 + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (x1 - x0);
  const t = log ? Math.log10 : (v: number) => v;
  const ty = (y: number) => y0 - ((t(y) - t(yAxis.lo)) / (t(yAxis.hi) - t(yAxis.lo))) * (y0 - y1);

  let body = `<rect width="${W}" height="${H}" fill="#fff" stroke="#ddd"/>`;
  body += `<text x="${x0}" y="18" font-size="13" font-weight="bold" ${FONT}>${esc(spec.title)}</text>`;
  // Legend: one swatch per series, in a row under the title.
  let lx = x0;
  for (const s of spec.series) {
    const dot = s.markers ? `<circle cx="${lx + 8}" cy="31" r="3" fill="${s.colour}"/>` : "";
    const mark = (s.line === false
      ? ""
      : `<line x1="${lx}" y1="31" x2="${lx + 16}" y2="31" stroke="${s.colour}" stroke-width="2"/>`) + dot;
    body += `<g class="legend">${mark}<text x="${lx + 21}" y="35" font-size="11" ${FONT}>${
      esc(s.label)
    }</text></g>`;
    lx += 30 + 6.2 * s.label.length;
  }
  // Grid and ticks.
  for (const v of yAxis.minor) {
    body += `<line x1="${x0}" y1="${fmt(ty(v))}" x2="${x1}" y2="${fmt(ty(v))}" stroke="#f2f2f2"/>`;
  }
  const yLabels = log ? formatLog(yAxis.major) : formatTicks(yAxis.major);
  yAxis.major.forEach((v, i) => {
    const y = fmt(ty(v));
    body += `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e4e4e4"/>` +
      `<text class="tick" x="${x0 - 5}" y="${y}" dy="3.5" font-size="10" text-anchor="end" ${FONT}>${
        yLabels[i]
      }</text>`;
  });
  const xLabels = formatTicks(xAxis.major);
  xAxis.major.forEach((v, i) => {
    const x = fmt(tx(v));
    body += `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#555"/>` +
      `<text class="tick" x="${x}" y="${y0 + 15}" font-size="10" text-anchor="middle" ${FONT}>${
        xLabels[i]
      }</text>`;
  });
  body += `<text x="${(x0 + x1) / 2}" y="${H - 6}" font-size="11" text-anchor="middle" ${FONT}>${
    esc(spec.xLabel)
  }</text>`;
  body += `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#888"/>`;
  for (const r of spec.xRules ?? []) {
    const x = fmt(tx(r.at));
    body +=
      `<line class="rule" x1="${x}" y1="${y1}" x2="${x}" y2="${y0}" stroke="#999" stroke-dasharray="4 3"/>` +
      `<text x="${x}" y="${y1 + 10}" dx="3" font-size="9" fill="#777" ${FONT}>${esc(r.label)}</text>`;
  }
  for (const r of spec.yRules ?? []) {
    const y = fmt(ty(r.at));
    body +=
      `<line class="rule" x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#999" stroke-dasharray="4 3"/>` +
      `<text x="${x1 - 3}" y="${y}" dy="-3" font-size="9" fill="#777" text-anchor="end" ${FONT}>${
        esc(r.label)
      }</text>`;
  }
  for (const s of spec.series) {
    if (s.line !== false && s.points.length > 0) {
      const pts = thin(s.points, tx, x1 - x0).map(([x, y]) => `${fmt(tx(x))},${fmt(ty(y))}`).join(" ");
      body +=
        `<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" stroke-linejoin="round" points="${pts}"/>`;
    }
    if (s.markers) {
      for (const [x, y] of s.points) {
        body += `<circle class="${esc(s.markers)}" data-step="${x}" cx="${fmt(tx(x))}" cy="${
          fmt(ty(y))
        }" r="3.5" fill="${s.colour}" stroke="#fff"><title>step ${x}: ${y}</title></circle>`;
      }
    }
  }
  if (spec.series.every((s) => s.points.length === 0)) {
    body += `<text x="${(x0 + x1) / 2}" y="${
      (y0 + y1) / 2
    }" font-size="12" fill="#999" text-anchor="middle" ${FONT}>no data</text>`;
  }
  return { body, width: W, height: H };
}

/** Powers of ten as plain numbers from 0.001 to 10000, as 1e-5 style beyond. */
function formatLog(ticks: readonly number[]): string[] {
  return ticks.map((t) => {
    const k = Math.round(Math.log10(t));
    return k >= -3 && k <= 4 ? t.toFixed(Math.max(0, -k)) : `1e${k}`;
  });
}
