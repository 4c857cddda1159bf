/**
 * The records of a `metrics.jsonl` (one JSON object a line, appended by `deno task train`), parsed and
 * checked field by field, and the rule that picks the current run out of a file that several runs wrote.
 *
 * @module
 */
import { DataError } from "../core/task.ts";

/** `start` (a fresh run) or `resume` (a run continued from a checkpoint at `step`). */
export interface RunRecord {
  /** Which kind of run record. */
  readonly event: "start" | "resume";
  /** Run id (files written before run ids existed have none). */
  readonly run?: string;
  /** Optimizer steps already taken when the run began (0 for a fresh start). */
  readonly step: number;
  /** Total steps the run was asked for, when recorded. */
  readonly steps?: number;
  /** Preset name, when recorded. */
  readonly preset?: string;
  /** Backend name, when recorded. */
  readonly backend?: string;
  /** Supervision steps N_sup from the recorded config, when present. */
  readonly maxSteps?: number;
}

/** One optimizer step. Accuracies and `steps` are over the rows that halted now; null when `count` is 0. */
export interface StepRecord {
  /** Record kind. */
  readonly event: "step";
  /** Run id. */
  readonly run?: string;
  /** 1-based optimizer step. */
  readonly step: number;
  /** Learning rate used. */
  readonly lr: number | null;
  /** Total loss per example. */
  readonly loss: number | null;
  /** Answer (stablemax/softmax) loss per example. */
  readonly lmLoss: number | null;
  /** Halting-head loss per example. */
  readonly qHaltLoss: number | null;
  /** Rows it was measured on (halted rows for steps, examples for evals). */
  readonly count: number | null;
  /** Mean token accuracy. */
  readonly accuracy: number | null;
  /** Fraction exactly right. */
  readonly exactAccuracy: number | null;
  /** Fraction where the halting decision matched exactness. */
  readonly qHaltAccuracy: number | null;
  /** Mean supervision steps used by the rows that halted. */
  readonly steps: number | null;
}

/** A held-out evaluation after `step`. */
export interface EvalRecord {
  /** Record kind. */
  readonly event: "eval";
  /** Run id. */
  readonly run?: string;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Fraction exactly right. */
  readonly exactAccuracy: number | null;
  /** Mean token accuracy. */
  readonly accuracy: number | null;
  /** Rows it was measured on (halted rows for steps, examples for evals). */
  readonly count: number | null;
  /** Fraction of legal answers by the task's validate (null without one). */
  readonly validRate: number | null;
  /** Mean supervision steps used on the held-out set (when the trainer records it). */
  readonly meanSteps: number | null;
}

/** One parsed line of `metrics.jsonl`. */
export type MetricsRecord = RunRecord | StepRecord | EvalRecord;

const STEP_FIELDS = [
  "lr",
  "loss",
  "lmLoss",
  "qHaltLoss",
  "count",
  "accuracy",
  "exactAccuracy",
  "qHaltAccuracy",
  "steps",
] as const;
const EVAL_FIELDS = ["exactAccuracy", "accuracy", "count", "validRate", "meanSteps"] as const;

/**
 * Parses the text of a `metrics.jsonl`. A line that is not a JSON object with a known `event`, or whose
 * `step` or a numeric field has the wrong type, throws a one-line {@linkcode DataError} naming
 * `file:line` and the field. Lines of other events are skipped (later versions may add some). A last line
 * without its newline is a write in progress or a crash mid-write: it is skipped when it does not parse.
 * JSON's `null` (what `JSON.stringify` writes for NaN) and numbers too large to be finite read as null.
 *
 * @example
 * ```ts
 * import { parseMetrics } from "@recursive/trm/viz";
 * const text = '{"event":"start","step":0}\n{"event":"step","step":1,"loss":2.5,"exactAccuracy":null}\n';
 * const records = parseMetrics(text, "metrics.jsonl");
 * if (records.length !== 2 || records[1]!.event !== "step") throw new Error("parsed");
 * try {
 *   parseMetrics('{"event":"step","step":"one"}\n', "m.jsonl");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("m.jsonl:1: step")) throw e;
 * }
 * ```
 */
export function parseMetrics(text: string, file: string): MetricsRecord[] {
  const lines = text.split("\n");
  const out: MetricsRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const torn = i === lines.length - 1; // no newline after it
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (torn) break;
      throw new DataError(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const record = toRecord(value, `${file}:${i + 1}`);
    if (record) out.push(record);
  }
  return out;
}

type Json = Readonly<Record<string, unknown>>;

function toRecord(value: unknown, where: string): MetricsRecord | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataError(
      `${where}: expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  const o = value as Json;
  if (typeof o.event !== "string") throw new DataError(`${where}: event: expected a string`);
  if (o.run !== undefined && typeof o.run !== "string") {
    throw new DataError(`${where}: run: expected a string`);
  }
  const run = o.run === undefined ? {} : { run: o.run as string };
  const event = o.event;
  if (event !== "start" && event !== "resume" && event !== "step" && event !== "eval") return null;
  const step = o.step ?? (event === "start" ? 0 : undefined);
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
    throw new DataError(
      `${where}: step: expected an integer >= 0, got ${JSON.stringify(o.step) ?? "nothing"}`,
    );
  }
  if (event === "step") {
    const fields = Object.fromEntries(STEP_FIELDS.map((k) => [k, num(o, k, where)]));
    return { event, ...run, step, ...fields } as StepRecord;
  }
  if (event === "eval") {
    const fields = Object.fromEntries(EVAL_FIELDS.map((k) => [k, num(o, k, where)]));
    return { event, ...run, step, ...fields } as EvalRecord;
  }
  const supervision = (o.config as Json | undefined)?.supervision as Json | undefined;
  const maxSteps = supervision?.maxSteps;
  return {
    event,
    ...run,
    step,
    ...(typeof o.steps === "number" && Number.isFinite(o.steps) ? { steps: o.steps } : {}),
    ...(typeof o.preset === "string" ? { preset: o.preset } : {}),
    ...(typeof o.backend === "string" ? { backend: o.backend } : {}),
    ...(typeof maxSteps === "number" && Number.isFinite(maxSteps) ? { maxSteps } : {}),
  };
}

/** A numeric field: a finite number, or null when absent, null or not finite; anything else throws. */
function num(o: Json, key: string, where: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number") {
    throw new DataError(`${where}: ${key}: expected a number or null, got ${JSON.stringify(v)}`);
  }
  return Number.isFinite(v) ? v : null;
}

/**
 * The records of the current run: from the last `start` (or the first line, when there is none) to the
 * end, where each `resume` at step k first drops the step and eval records after k that came before it
 * (the resumed run redoes those steps from its checkpoint). A `--resume` appends to the same file, so the
 * current run is the last fresh start and every continuation of it.
 *
 * @example
 * ```ts
 * import { currentRun, type MetricsRecord } from "@recursive/trm/viz";
 * const records: MetricsRecord[] = [
 *   { event: "start", step: 0 },
 *   { event: "eval", step: 3, exactAccuracy: 0.1, accuracy: 0.5, count: 9, validRate: null, meanSteps: 4 },
 *   { event: "resume", step: 2 },
 * ];
 * if (currentRun(records).some((r) => r.event === "eval")) throw new Error("eval at 3 was redone");
 * ```
 */
export function currentRun(records: readonly MetricsRecord[]): MetricsRecord[] {
  let from = 0;
  for (let i = 0; i < records.length; i++) if (records[i]!.event === "start") from = i;
  const out: MetricsRecord[] = [];
  for (const r of records.slice(from)) {
    if (r.event === "resume") {
      const kept = out.filter((p) => (p.event !== "step" && p.event !== "eval") || p.step <= r.step);
      out.length = 0;
      out.push(...kept);
    }
    out.push(r);
  }
  return out;
}
