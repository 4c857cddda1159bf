/**
 * Command-line flags shared by `train`, `eval` and `solve`, and their mapping onto typed config
 * overrides. Name-to-plugin lookups live at the edge, never in the core (a checkpoint's mixer is found by
 * the plugin registry, `plugins/registry.ts`).
 *
 * @module
 */
import {
  BACKENDS,
  DEFAULTS,
  type OptimConfigInput,
  type TokenMixer,
  type TrmConfigInput,
} from "../core/mod.ts";
import { type FlagTable, type ParsedFlags, UsageError } from "./schema.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { convMixer } from "../plugins/conv_mixer/mod.ts";
import { schemeFromJson, schemeKinds } from "../plugins/registry.ts";
import * as presets from "../presets.ts";
import type { Preset } from "../presets.ts";

/** Presets by CLI name. */
export const PRESETS: Readonly<Record<string, () => Preset>> = {
  "sudoku-small": presets.sudokuSmall,
  "sudoku-mlp": presets.sudokuMlp,
  "sudoku-att": presets.sudokuAtt,
  "maze-hard": presets.mazeHard,
  arc1: presets.arc1,
  arc2: presets.arc2,
  "hrm-sudoku": presets.hrmSudoku,
  "singlez-sudoku": presets.singlezSudoku,
};

/** Mixers by CLI name. */
export const MIXERS = {
  attention: (heads: number | undefined): TokenMixer => attention(heads ? { heads } : {}),
  "mlp-mixer": (): TokenMixer => mlpMixer(),
  "conv-mixer": (): TokenMixer => convMixer(),
} as const;

export { UsageError };

const int = (
  min: number,
  max?: number,
): { readonly kind: "int"; readonly min: number; readonly max?: number } =>
  max === undefined ? { kind: "int", min } : { kind: "int", min, max };
const positive = { kind: "number", min: 0, minExclusive: true } as const;
const nonNegative = { kind: "number", min: 0 } as const;
const fraction = { kind: "number", min: 0, max: 1 } as const;
const text = { kind: "string" } as const;
const flag = { kind: "boolean" } as const;

/** Every flag of `train` with its type and range: the one schema all of them are validated against. */
export const TRAIN_FLAGS = {
  preset: { kind: "choice", choices: Object.keys(PRESETS) },
  task: text, // a built-in task name or a module specifier (tasks/builtin.ts loadTaskPlugin)
  config: text,
  mixer: { kind: "choice", choices: Object.keys(MIXERS) },
  scheme: text, // checked against the plugin registry, which can grow at run time
  heads: int(1),
  hidden: int(1),
  expansion: positive,
  layers: int(1),
  "puzzle-emb-len": int(0),
  n: int(1),
  T: int(1),
  "max-steps": int(1),
  exploration: fraction,
  "batch-size": int(1),
  lr: positive,
  warmup: int(0),
  "min-lr-ratio": fraction,
  "weight-decay": nonNegative,
  "puzzle-lr": nonNegative,
  "puzzle-weight-decay": nonNegative,
  ema: { kind: "decay" },
  loss: { kind: "choice", choices: ["stablemax", "softmax"] },
  recompute: flag,
  workers: int(1),
  backend: { kind: "choice", choices: BACKENDS },
  seed: int(0, 2 ** 31 - 1),
  steps: int(1),
  data: text,
  out: text,
  "eval-every": int(0),
  "checkpoint-every": int(0),
  keep: int(1),
  resume: text,
  overwrite: flag,
  "train-size": int(1),
  "test-size": int(1),
  "eval-limit": int(1),
  augmentations: int(1),
  "test-versions": int(1),
  "skip-invalid": flag,
  quiet: flag,
  help: flag,
} as const satisfies FlagTable;

/** Parsed `train` flags. */
export type TrainFlags = ParsedFlags<typeof TRAIN_FLAGS>;

/** The flags `--resume` lets a user change; every other one comes from the checkpoint. */
export const RESUME_OVERRIDABLE: readonly string[] = [
  "resume",
  "steps",
  "eval-every",
  "eval-limit",
  "checkpoint-every",
  "keep",
  "backend",
  "workers",
  "quiet",
  "out",
  "help",
];

/** `value` without its undefined fields (for exact optional properties). */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: { [K in keyof T]?: Exclude<T[K], undefined> } = {};
  for (const k of Object.keys(value) as (keyof T)[]) {
    const v = value[k];
    if (v !== undefined) out[k] = v as Exclude<T[keyof T], undefined>;
  }
  return out;
}

/** Applies flag overrides to a preset's config input; throws a {@linkcode UsageError} for a bad value. */
export function configFromFlags(preset: Pick<Preset, "config">, f: TrainFlags): TrmConfigInput {
  const base = preset.config;
  const model: {
    -readonly [K in keyof NonNullable<TrmConfigInput["model"]>]: NonNullable<TrmConfigInput["model"]>[K];
  } = {
    ...base.model,
    ...defined({
      hidden: f.hidden,
      expansion: f.expansion,
      layers: f.layers,
      puzzleEmbLen: f["puzzle-emb-len"],
    }),
  };
  const hidden = model.hidden ?? DEFAULTS.model.hidden,
    expansion = model.expansion ?? DEFAULTS.model.expansion;
  if (Math.round((expansion * hidden * 2) / 3) < 1) {
    throw new UsageError(
      `--expansion: ${expansion} gives a SwiGLU of width 0 at hidden ${hidden}; expected >= ${1.5 / hidden}`,
    );
  }
  const recursion: NonNullable<TrmConfigInput["recursion"]> = {
    ...base.recursion,
    ...defined({ n: f.n, T: f.T }),
  };
  const supervision: NonNullable<TrmConfigInput["supervision"]> = {
    ...base.supervision,
    ...defined({ maxSteps: f["max-steps"], explorationProb: f.exploration }),
  };
  const optim: OptimConfigInput = {
    ...base.optim,
    ...defined({
      batchSize: f["batch-size"],
      lr: f.lr,
      warmupSteps: f.warmup,
      minLrRatio: f["min-lr-ratio"],
      weightDecay: f["weight-decay"],
      puzzleEmbLr: f["puzzle-lr"],
      puzzleEmbWeightDecay: f["puzzle-weight-decay"],
      loss: f.loss,
    }),
    ...(f.ema !== undefined ? { emaDecay: f.ema } : {}),
    ...(f.recompute === true ? { recompute: true } : {}),
  };
  let mixer = base.mixer;
  const heads = f.heads;
  if (f.mixer !== undefined) {
    mixer = MIXERS[f.mixer as keyof typeof MIXERS](heads);
  } else if (heads !== undefined && mixer.kind === "attention") {
    mixer = attention({ ...(mixer.options as object), heads });
  } else if (heads !== undefined) {
    throw new UsageError(`--heads: the ${mixer.kind} mixer has no heads (add --mixer attention)`);
  }
  let scheme = base.scheme;
  if (f.scheme !== undefined) {
    const kind = f.scheme;
    if (!schemeKinds().includes(kind)) {
      throw new UsageError(`--scheme: expected one of ${schemeKinds().join(", ")}, got "${kind}"`);
    }
    scheme = schemeFromJson(kind, {});
    // HRM's puzzle prefix is ceil(puzzle_emb_ndim / hidden) = 1 position (hrm.py has no puzzle_emb_len).
    if (kind === "hrm" && f["puzzle-emb-len"] === undefined) model.puzzleEmbLen = 1;
  }
  return { model, recursion, supervision, optim, mixer, ...(scheme ? { scheme } : {}) };
}

/** Parses a numeric flag, or throws a {@linkcode UsageError} naming it. */
export function numberFlag(flags: Record<string, unknown>, name: string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(v)) {
    throw new UsageError(`--${name}: expected a number, got "${String(raw)}"`);
  }
  return v;
}

/** Looks up a preset by name, or throws a {@linkcode UsageError} listing the choices. */
export function presetByName(name: string): Preset {
  const make = PRESETS[name];
  if (!make) {
    throw new UsageError(
      `--preset: unknown preset "${name}"; choose one of ${Object.keys(PRESETS).join(", ")}`,
    );
  }
  return make();
}
