/**
 * `deno task plot METRICS.jsonl [--out curves.svg]`: the training curves of a run (loss, exact accuracy,
 * halting steps, learning rate) as one SVG file, by default `curves.svg` beside the metrics file. The last
 * line is a one-line JSON summary.
 *
 * @module
 */
import { DataError } from "../core/task.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { curvesSvg, parseMetrics } from "../viz/curves.ts";
import { currentRun, type MetricsRecord } from "../viz/metrics.ts";
import { UsageError } from "./flags.ts";
import { parseFlags } from "./schema.ts";

const HELP = `Draw the training curves of a run as an SVG.

Usage: deno task plot METRICS.jsonl [--out FILE.svg]

METRICS.jsonl  the metrics file deno task train writes (or the run folder holding it)
--out FILE     where the SVG goes (default: curves.svg beside the metrics file)

Panels: train loss (log scale when it spans more than a decade), exact accuracy (train, over the rows
that halted at each step, and held-out at each evaluation, as dots), mean supervision steps used at
halting, and the learning rate. A file that several runs appended to (--resume) is plotted from its last
fresh start on, with each resume taking over from the step it resumed at.
`;

const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".");

/** Reads and parses `path`, with one-line errors for a missing file and a file without records. */
async function readRecords(path: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`${path}: no such file`);
    if (e instanceof Deno.errors.IsADirectory) throw new UsageError(`${path}: a folder, expected a file`);
    throw e;
  }
  const records = parseMetrics(text, path);
  if (records.length === 0) throw new DataError(`${path}: no metrics records (expected lines of JSON)`);
  return records;
}

/** Renders and writes; returns the current run's records (for the summary). */
async function render(metricsPath: string, svgPath: string): Promise<MetricsRecord[]> {
  const records = await readRecords(metricsPath);
  await writeFileAtomic(svgPath, curvesSvg(records));
  return currentRun(records);
}

/**
 * Reads the metrics file at `metricsPath` and writes its curves to `svgPath` atomically (a reader never
 * sees half a file; on failure the old SVG, if any, is left as it was). Bad records throw a one-line
 * `DataError` naming `file:line`.
 *
 * @example
 * ```ts
 * import { writeCurves } from "./plot.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"event":"start","step":0}\n{"event":"step","step":1,"loss":1}\n');
 * await writeCurves(`${dir}/metrics.jsonl`, `${dir}/curves.svg`);
 * if (!(await Deno.readTextFile(`${dir}/curves.svg`)).includes("<polyline")) throw new Error("written");
 * ```
 */
export async function writeCurves(metricsPath: string, svgPath: string): Promise<void> {
  await render(metricsPath, svgPath);
}

/** Runs the plot command; returns the exit code. */
export async function plotCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, { out: { kind: "string" }, help: { kind: "boolean" } } as const);
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags._.length === 0) throw new UsageError("expected the metrics file: deno task plot METRICS.jsonl");
  if (flags._.length > 1) throw new UsageError(`unexpected argument "${flags._[1]}" (see --help)`);
  let metrics = flags._[0]!;
  if ((await Deno.stat(metrics).catch(() => null))?.isDirectory) {
    metrics = `${metrics.replace(/\/+$/, "")}/metrics.jsonl`;
  }
  const out = flags.out ?? `${dirOf(metrics)}/curves.svg`;
  const outInfo = await Deno.stat(out).catch(() => null);
  if (outInfo?.isDirectory) {
    throw new UsageError(`--out: ${out} is a folder; expected a file path such as curves.svg`);
  }
  const outDir = await Deno.stat(dirOf(out)).catch(() => null);
  if (!outDir?.isDirectory) throw new UsageError(`--out: the folder of ${out} does not exist`);
  const run = await render(metrics, out);
  const evals = run.filter((r) => r.event === "eval");
  // deno-lint-ignore no-console
  console.log(JSON.stringify({
    svg: out,
    steps: run.filter((r) => r.event === "step").length,
    evaluations: evals.length,
    runs: run.filter((r) => r.event === "start" || r.event === "resume").length,
  }));
  return 0;
}
