/**
 * Command-line flags shared by `train`, `eval` and `solve`, and their mapping onto typed config
 * overrides. Name-to-plugin lookups live at the edge, never in the core (a checkpoint's mixer is found by
 * the plugin registry, `plugins/registry.ts`).
 *
 * @module
 */
import type { TokenMixer, TrmConfigInput } from "../core/mod.ts";
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

/** Numeric flags and the config field each one sets. */
const NUMERIC: Readonly<Record<string, readonly [section: string, field: string]>> = {
  hidden: ["model", "hidden"],
  expansion: ["model", "expansion"],
  layers: ["model", "layers"],
  "puzzle-emb-len": ["model", "puzzleEmbLen"],
  n: ["recursion", "n"],
  T: ["recursion", "T"],
  "max-steps": ["supervision", "maxSteps"],
  exploration: ["supervision", "explorationProb"],
  "batch-size": ["optim", "batchSize"],
  lr: ["optim", "lr"],
  warmup: ["optim", "warmupSteps"],
  "min-lr-ratio": ["optim", "minLrRatio"],
  "weight-decay": ["optim", "weightDecay"],
  "puzzle-lr": ["optim", "puzzleEmbLr"],
  "puzzle-weight-decay": ["optim", "puzzleEmbWeightDecay"],
};

/** Every string flag the training CLI accepts. */
export const TRAIN_STRING_FLAGS: readonly string[] = [
  ...Object.keys(NUMERIC),
  "preset",
  "mixer",
  "scheme",
  "heads",
  "ema",
  "loss",
  "backend",
  "seed",
  "steps",
  "data",
  "out",
  "eval-every",
  "checkpoint-every",
  "keep",
  "resume",
  "train-size",
  "test-size",
  "eval-limit",
  "augmentations",
  "test-versions",
];

/** Raised for bad command-line input: the CLI prints its message alone and exits 2. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
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

/** Applies flag overrides to a preset's config input. */
export function configFromFlags(preset: Preset, flags: Record<string, unknown>): TrmConfigInput {
  const sections: Record<string, Record<string, unknown>> = {
    model: { ...preset.config.model },
    recursion: { ...preset.config.recursion },
    supervision: { ...preset.config.supervision },
    optim: { ...preset.config.optim },
  };
  for (const [flag, [section, field]] of Object.entries(NUMERIC)) {
    const v = numberFlag(flags, flag);
    if (v !== undefined) sections[section]![field] = v;
  }
  if (flags.ema !== undefined) {
    sections.optim!.emaDecay = flags.ema === "off" ? null : numberFlag(flags, "ema");
  }
  if (flags.loss !== undefined) {
    if (flags.loss !== "stablemax" && flags.loss !== "softmax") {
      throw new UsageError(`--loss: expected "stablemax" or "softmax", got "${String(flags.loss)}"`);
    }
    sections.optim!.loss = flags.loss;
  }
  if (flags.recompute === true) sections.optim!.recompute = true;
  let mixer = preset.config.mixer;
  const heads = numberFlag(flags, "heads");
  if (flags.mixer !== undefined) {
    const make = MIXERS[flags.mixer as keyof typeof MIXERS];
    if (!make) {
      throw new UsageError(
        `--mixer: expected one of ${Object.keys(MIXERS).join(", ")}, got "${String(flags.mixer)}"`,
      );
    }
    mixer = make(heads);
  } else if (heads !== undefined && mixer.kind === "attention") {
    mixer = attention({ ...(mixer.options as object), heads });
  }
  let scheme = preset.config.scheme;
  if (flags.scheme !== undefined) {
    const kind = String(flags.scheme);
    if (!schemeKinds().includes(kind)) {
      throw new UsageError(`--scheme: expected one of ${schemeKinds().join(", ")}, got "${kind}"`);
    }
    scheme = schemeFromJson(kind, {});
    // HRM's puzzle prefix is ceil(puzzle_emb_ndim / hidden) = 1 position (hrm.py has no puzzle_emb_len).
    if (kind === "hrm" && flags["puzzle-emb-len"] === undefined) sections.model!.puzzleEmbLen = 1;
  }
  return { ...sections, mixer, ...(scheme ? { scheme } : {}) } as TrmConfigInput;
}
