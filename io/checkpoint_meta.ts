/**
 * The JSON half of a checkpoint (`meta.json`): its fields, the run recipe, and a validator that names the
 * file and the field of the first problem in one line. Format 2 is written; format 1 (v0.1, with an
 * untyped `extra` and top-level `preset` and `rng`) is still read and migrated.
 *
 * @module
 */
import type { TaskSpec } from "../core/task.ts";

/** A checkpoint that is missing, malformed or does not fit the requested model. */
export class CheckpointError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** A checkpoint that would hold, or holds, a NaN or an infinity. */
export class NonFiniteCheckpointError extends CheckpointError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "NonFiniteCheckpointError";
  }
}

/** The newest major library version whose checkpoints this one reads. */
const READS_MAJOR = 0;

/** The `meta.json` format this library writes. */
export const FORMAT_VERSION = 2;

/** Format tag of `meta.json` from format 2 on (format 1 wrote `"recursive-trm-checkpoint/1"`). */
export const FORMAT_TAG = "recursive-trm-checkpoint";

/** How a run was set up, enough to rebuild its data and continue it. */
export interface RunRecipe {
  /** Task name (`"sudoku"`, `"maze"`, `"arc"`) or the module specifier of a task plugin. */
  readonly task: string;
  /** Preset name, or null for a run configured without one. */
  readonly preset: string | null;
  /** Where the data came from: `kind` (e.g. `"generated"`, `"files"`) and the kind's own JSON fields. */
  readonly data: { readonly kind: string; readonly [field: string]: unknown };
  /** Optimizer steps of the whole run. */
  readonly steps: number;
  /** Held-out evaluation: every `every` steps (0 = only at the end), on at most `limit` examples. */
  readonly eval: { readonly every: number; readonly limit: number | null };
  /** Seed of data, initialisation and exploration. */
  readonly seed: number;
}

/** `meta.json`, as read (format 1 files are migrated to these fields). */
export interface CheckpointMeta {
  /** Format tag. */
  readonly format: typeof FORMAT_TAG;
  /** The format the file was written in (1 or 2; the other fields are always those of format 2). */
  readonly formatVersion: number;
  /** Library version that wrote it. */
  readonly version: string;
  /** The task spec the model was built for. */
  readonly taskSpec: TaskSpec;
  /** Resolved config (the mixer as `{ kind, options }`). */
  readonly config: Record<string, unknown>;
  /** Seed of the run (weights and exploration). */
  readonly seed: number;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Whether `model/*` holds EMA weights. */
  readonly ema: boolean;
  /** How the run was set up (null for checkpoints saved without one). */
  readonly recipe: RunRecipe | null;
  /** The JSON half of the training state, by owner (`adam`, `ema`, `puzzle_emb`, `train`, ...). */
  readonly state: Readonly<Record<string, Record<string, unknown>>>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;

/**
 * Checks every field of a parsed `meta.json` and returns it with format 2's fields; throws a
 * {@linkcode CheckpointError} naming `file` and the field (`run/meta.json: step: expected an integer >= 0,
 * got "2"`). Rejects formats newer than {@linkcode FORMAT_VERSION}; migrates format 1.
 *
 * @example
 * ```ts
 * import { validateMeta } from "@recursive/trm/io";
 * try {
 *   validateMeta({ format: "recursive-trm-checkpoint", formatVersion: 9 }, "run/meta.json");
 *   throw new Error("accepted a future format");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("run/meta.json: formatVersion: 9 is newer")) throw e;
 * }
 * ```
 */
export function validateMeta(json: unknown, file: string): CheckpointMeta {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new CheckpointError(`${file}: ${field}: expected ${expected}, got ${show(got)}`);
  };
  if (!isObject(json)) return fail("(top level)", "a JSON object", json);
  const v1 = json.format === "recursive-trm-checkpoint/1" && json.formatVersion === undefined;
  if (!v1) {
    if (json.format !== FORMAT_TAG) {
      fail("format", `"${FORMAT_TAG}" (or format 1's "recursive-trm-checkpoint/1")`, json.format);
    }
    if (!isInt(json.formatVersion, 2)) fail("formatVersion", "an integer >= 2", json.formatVersion);
    if ((json.formatVersion as number) > FORMAT_VERSION) {
      throw new CheckpointError(
        `${file}: formatVersion: ${json.formatVersion} is newer than this library reads (1 to ${FORMAT_VERSION}); ` +
          "load it with a newer @recursive/trm",
      );
    }
  }
  const version = typeof json.version === "string" ? /^(\d+)\.\d+\.\d+/.exec(json.version) : null;
  if (!version) return fail("version", 'a version string like "0.1.0"', json.version);
  if (Number(version[1]) > READS_MAJOR) {
    throw new CheckpointError(
      `${file}: version: ${json.version} was written by a newer major version than this library reads ` +
        `(${READS_MAJOR}.x); load it with a newer @recursive/trm`,
    );
  }
  const spec = json.taskSpec;
  if (!isObject(spec)) return fail("taskSpec", "an object", spec);
  if (typeof spec.name !== "string" || spec.name === "") {
    fail("taskSpec.name", "a non-empty string", spec.name);
  }
  for (const f of ["vocabSize", "seqLen", "numPuzzleIds"]) {
    if (!isInt(spec[f], 1)) fail(`taskSpec.${f}`, "an integer >= 1", spec[f]);
  }
  const config = json.config;
  if (!isObject(config)) return fail("config", "an object", config);
  if (!isObject(config.mixer)) return fail("config.mixer", "an object { kind, options }", config.mixer);
  if (typeof config.mixer.kind !== "string") fail("config.mixer.kind", "a string", config.mixer.kind);
  if (!isObject(config.mixer.options)) fail("config.mixer.options", "an object", config.mixer.options);
  if (config.scheme !== undefined) { // absent before recursion schemes became plugins (format 1)
    if (!isObject(config.scheme)) return fail("config.scheme", "an object { kind, options }", config.scheme);
    if (typeof config.scheme.kind !== "string") fail("config.scheme.kind", "a string", config.scheme.kind);
    if (!isObject(config.scheme.options)) fail("config.scheme.options", "an object", config.scheme.options);
  }
  if (!Number.isSafeInteger(json.seed)) fail("seed", "an integer", json.seed);
  if (!isInt(json.step, 0)) fail("step", "an integer >= 0", json.step);
  if (typeof json.ema !== "boolean") fail("ema", "true or false", json.ema);
  const base = {
    format: FORMAT_TAG,
    version: json.version as string,
    taskSpec: spec as unknown as TaskSpec,
    config,
    seed: json.seed as number,
    step: json.step as number,
    ema: json.ema as boolean,
  } as const;
  if (v1) return { ...base, formatVersion: 1, ...migrateV1(json, fail) };
  const recipe = json.recipe === null ? null : validateRecipe(json.recipe, fail);
  const state = json.state;
  if (!isObject(state)) return fail("state", "an object", state);
  for (const [key, part] of Object.entries(state)) {
    if (!isObject(part)) fail(`state.${key}`, "an object", part);
  }
  if (!isObject(state.train)) fail("state.train", "an object { rng }", state.train);
  checkRng((state.train as Json).rng, "state.train.rng", fail);
  return {
    ...base,
    formatVersion: json.formatVersion as number,
    recipe,
    state: state as CheckpointMeta["state"],
  };
}

type Fail = (field: string, expected: string, got: unknown) => never;

function show(v: unknown): string {
  const s = v === undefined ? "nothing" : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function checkRng(rng: unknown, field: string, fail: Fail): void {
  // xoroshiro128+'s state: four 32-bit words.
  const int32 = (x: unknown) =>
    Number.isSafeInteger(x) && (x as number) >= -(2 ** 31) && (x as number) < 2 ** 32;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every(int32)) {
    fail(field, "an RNG state (an array of four 32-bit integers)", rng);
  }
}

function validateRecipe(r: unknown, fail: Fail): RunRecipe {
  if (!isObject(r)) return fail("recipe", "an object or null", r);
  if (typeof r.task !== "string" || r.task === "") fail("recipe.task", "a non-empty string", r.task);
  if (r.preset !== null && typeof r.preset !== "string") fail("recipe.preset", "a string or null", r.preset);
  if (!isObject(r.data)) return fail("recipe.data", "an object { kind, ... }", r.data);
  if (typeof r.data.kind !== "string" || r.data.kind === "") {
    fail("recipe.data.kind", "a non-empty string", r.data.kind);
  }
  if (!isInt(r.steps, 0)) fail("recipe.steps", "an integer >= 0", r.steps);
  if (!isObject(r.eval)) return fail("recipe.eval", "an object { every, limit }", r.eval);
  if (!isInt(r.eval.every, 0)) fail("recipe.eval.every", "an integer >= 0", r.eval.every);
  if (r.eval.limit !== null && !isInt(r.eval.limit, 1)) {
    fail("recipe.eval.limit", "an integer >= 1 or null", r.eval.limit);
  }
  if (!Number.isSafeInteger(r.seed)) fail("recipe.seed", "an integer", r.seed);
  return r as unknown as RunRecipe;
}

/**
 * Format 1 (v0.1): `preset`, `rng` and `extra` at the top level; `extra` was what the CLI stored,
 * `{ data: { data?: path, seed, trainSize, testSize, augmentations?, testVersions?, skipInvalid? }, steps }`,
 * or `{}` from the library API. The tensor layout is migrated where the tensors are read.
 */
function migrateV1(json: Json, fail: Fail): Pick<CheckpointMeta, "recipe" | "state"> {
  if (json.preset !== null && typeof json.preset !== "string") {
    fail("preset", "a string or null", json.preset);
  }
  checkRng(json.rng, "rng", fail);
  const extra = json.extra ?? {};
  if (!isObject(extra)) return fail("extra", "an object", extra);
  const state = { train: { rng: json.rng } };
  if (extra.data === undefined && extra.steps === undefined) return { recipe: null, state };
  if (!isObject(extra.data)) return fail("extra.data", "an object", extra.data);
  if (!isInt(extra.steps, 0)) fail("extra.steps", "an integer >= 0", extra.steps);
  const { data: path, seed: _seed, ...rest } = extra.data;
  if (path !== undefined && typeof path !== "string") fail("extra.data.data", "a path string", path);
  const recipe: RunRecipe = {
    task: (json.taskSpec as TaskSpec).name,
    preset: (json.preset as string | null) ?? null,
    data: path === undefined ? { kind: "generated", ...rest } : { kind: "files", path, ...rest },
    steps: extra.steps as number,
    eval: { every: 0, limit: null }, // format 1 did not record the evaluation settings
    seed: json.seed as number,
  };
  return { recipe, state };
}
