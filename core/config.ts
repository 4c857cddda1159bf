/**
 * Typed, nested, readonly configuration with the paper's defaults (spec 1.2-1.4), resolved from
 * partial overrides. The token mixer is a plugin value, never a flag.
 *
 * @module
 */
import { type AnswerLoss, softmaxLoss, stablemaxLoss } from "./answer_loss.ts";
import { type GradientStrategy, reverseMode } from "./gradient.ts";
import type { TokenMixer } from "./mixer.ts";
import { recomputation } from "./recompute.ts";
import { type RecursionScheme, trm } from "./scheme.ts";

/** Network shape (spec 1.2). */
export interface ModelConfig {
  /** Hidden size D. Default 512. */
  readonly hidden: number;
  /** SwiGLU expansion. Default 4. */
  readonly expansion: number;
  /** Blocks in the one shared network f. Default 2. */
  readonly layers: number;
  /** Puzzle-embedding prefix positions P. Default 16. */
  readonly puzzleEmbLen: number;
}

/** The recursion (paper notation). */
export interface RecursionConfig {
  /** n: latent updates z <- f(x + y + z) per recursion. Default 6 (4 for ARC/Maze). */
  readonly n: number;
  /** T: recursions per supervision step, the first T-1 without gradient. Default 3. */
  readonly T: number;
}

/** Deep supervision and halting (spec 3.2). */
export interface SupervisionConfig {
  /** N_sup: maximum supervision steps per example. Default 16. */
  readonly maxSteps: number;
  /** Probability of forcing a minimum number of steps (uniform in 2..N_sup) during training. Default 0.1. */
  readonly explorationProb: number;
}

/** Optimisation (spec 5). */
export interface OptimConfig {
  /** Global batch size B (slots of the carry). Default 768. */
  readonly batchSize: number;
  /** AdamATan2 learning rate. Default 1e-4. */
  readonly lr: number;
  /** Linear warmup steps. Default 2000. */
  readonly warmupSteps: number;
  /** Cosine floor as a fraction of lr; 1 = constant after warmup (the paper). Default 1. */
  readonly minLrRatio: number;
  /** AdamATan2 beta1, beta2. Default 0.9, 0.95. */
  readonly betas: readonly [number, number];
  /** Decoupled weight decay of AdamATan2. Default 0.1 (ARC); Sudoku/Maze use 1.0. */
  readonly weightDecay: number;
  /** Sign-SGD learning rate of the puzzle-embedding table. Default 1e-2 (ARC); Sudoku/Maze 1e-4. */
  readonly puzzleEmbLr: number;
  /** Decoupled weight decay of the puzzle-embedding table. Default 0.1. */
  readonly puzzleEmbWeightDecay: number;
  /** EMA decay of the weights used for evaluation and saving; `null` disables EMA. Default 0.999. */
  readonly emaDecay: number | null;
  /** Loss on the answer tokens, a plugin value. Default `stablemaxLoss()` (the reference); `softmaxLoss()`. */
  readonly loss: AnswerLoss;
  /**
   * How the on-tape recursion is differentiated, a plugin value. Default `reverseMode()` (the reference:
   * keep every activation); `recomputation()` keeps only each evaluation's input (peak memory of one
   * evaluation of f instead of n+1, for about 20% more compute; same gradients up to summation order).
   */
  readonly gradient: GradientStrategy;
}

/**
 * Optimisation overrides: every field optional; `loss` and `gradient` also by name (`"stablemax"`,
 * `"softmax"`, `"reverse"`, `"recompute"`), as checkpoints store them; `recompute: true` is the v0.1
 * spelling of `gradient: "recompute"`.
 */
export type OptimConfigInput = Partial<Omit<OptimConfig, "loss" | "gradient">> & {
  /** The answer loss, or its built-in name. */
  readonly loss?: AnswerLoss | string;
  /** The gradient strategy, or its built-in name. */
  readonly gradient?: GradientStrategy | string;
  /** v0.1: true = `gradient: "recompute"`. */
  readonly recompute?: boolean;
};

/** A fully resolved TRM configuration. */
export interface TrmConfig {
  /** Network shape. */
  readonly model: ModelConfig;
  /** The token mixer plugin (e.g. `attention()` or `mlpMixer()`). */
  readonly mixer: TokenMixer;
  /** The recursion scheme plugin. Default `trm()` (the paper); HRM and single-z are plugins. */
  readonly scheme: RecursionScheme;
  /** n and T. */
  readonly recursion: RecursionConfig;
  /** N_sup and exploration. */
  readonly supervision: SupervisionConfig;
  /** Optimisers, schedule, EMA, loss. */
  readonly optim: OptimConfig;
}

/** Overrides accepted by {@linkcode resolveConfig}: every field optional, the mixer required. */
export interface TrmConfigInput {
  /** Network shape overrides. */
  readonly model?: Partial<ModelConfig>;
  /** The token mixer plugin. */
  readonly mixer: TokenMixer;
  /** The recursion scheme plugin (default `trm()`). */
  readonly scheme?: RecursionScheme;
  /** n and T overrides. */
  readonly recursion?: Partial<RecursionConfig>;
  /** N_sup and exploration overrides. */
  readonly supervision?: Partial<SupervisionConfig>;
  /** Optimisation overrides. */
  readonly optim?: OptimConfigInput;
}

/** The paper's defaults (without a mixer: the caller picks one). */
export const DEFAULTS: Omit<TrmConfig, "mixer"> = {
  scheme: trm(),
  model: { hidden: 512, expansion: 4, layers: 2, puzzleEmbLen: 16 },
  recursion: { n: 6, T: 3 },
  supervision: { maxSteps: 16, explorationProb: 0.1 },
  optim: {
    batchSize: 768,
    lr: 1e-4,
    warmupSteps: 2000,
    minLrRatio: 1,
    betas: [0.9, 0.95],
    weightDecay: 0.1,
    puzzleEmbLr: 1e-2,
    puzzleEmbWeightDecay: 0.1,
    emaDecay: 0.999,
    loss: stablemaxLoss(),
    gradient: reverseMode(),
  },
};

function check(ok: boolean, field: string, expected: string, got: unknown): void {
  if (!ok) throw new RangeError(`config.${field}: expected ${expected}, got ${JSON.stringify(got)}`);
}

const isPosInt = (v: number) => Number.isInteger(v) && v > 0;

/**
 * Merges overrides over {@linkcode DEFAULTS} and validates every field (throws `RangeError` naming it).
 *
 * @example
 * ```ts
 * import { resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const c = resolveConfig({ mixer: mlpMixer(), recursion: { n: 2 } });
 * if (c.recursion.n !== 2 || c.recursion.T !== 3 || c.model.hidden !== 512) throw new Error("merge");
 * ```
 */
export function resolveConfig(input: TrmConfigInput): TrmConfig {
  const c: TrmConfig = {
    model: { ...DEFAULTS.model, ...input.model },
    mixer: input.mixer,
    scheme: input.scheme ?? DEFAULTS.scheme,
    recursion: { ...DEFAULTS.recursion, ...input.recursion },
    supervision: { ...DEFAULTS.supervision, ...input.supervision },
    optim: resolveOptim(input.optim ?? {}),
  };
  const { model: m, recursion: r, supervision: s, optim: o } = c;
  check(typeof c.mixer?.build === "function", "mixer", "a TokenMixer plugin value", c.mixer?.kind);
  check(typeof c.scheme?.plan === "function", "scheme", "a RecursionScheme plugin value", c.scheme?.kind);
  check(isPosInt(m.hidden), "model.hidden", "a positive integer", m.hidden);
  check(m.expansion > 0, "model.expansion", "> 0", m.expansion);
  check(isPosInt(m.layers), "model.layers", "a positive integer", m.layers);
  check(isPosInt(m.puzzleEmbLen), "model.puzzleEmbLen", "a positive integer", m.puzzleEmbLen);
  check(isPosInt(r.n), "recursion.n", "a positive integer", r.n);
  check(isPosInt(r.T), "recursion.T", "a positive integer", r.T);
  check(isPosInt(s.maxSteps), "supervision.maxSteps", "a positive integer", s.maxSteps);
  check(
    s.explorationProb >= 0 && s.explorationProb <= 1,
    "supervision.explorationProb",
    "in [0, 1]",
    s.explorationProb,
  );
  check(isPosInt(o.batchSize), "optim.batchSize", "a positive integer", o.batchSize);
  check(o.lr >= 0, "optim.lr", ">= 0", o.lr);
  check(
    Number.isInteger(o.warmupSteps) && o.warmupSteps >= 0,
    "optim.warmupSteps",
    "an integer >= 0",
    o.warmupSteps,
  );
  check(o.minLrRatio >= 0 && o.minLrRatio <= 1, "optim.minLrRatio", "in [0, 1]", o.minLrRatio);
  check(o.betas.every((b) => b >= 0 && b < 1), "optim.betas", "two numbers in [0, 1)", o.betas);
  check(o.weightDecay >= 0, "optim.weightDecay", ">= 0", o.weightDecay);
  check(o.puzzleEmbLr >= 0, "optim.puzzleEmbLr", ">= 0", o.puzzleEmbLr);
  check(o.puzzleEmbWeightDecay >= 0, "optim.puzzleEmbWeightDecay", ">= 0", o.puzzleEmbWeightDecay);
  check(
    o.emaDecay === null || (o.emaDecay >= 0 && o.emaDecay < 1),
    "optim.emaDecay",
    "null or in [0, 1)",
    o.emaDecay,
  );
  check(typeof o.loss?.tokenLoss === "function", "optim.loss", "an AnswerLoss value", o.loss?.kind);
  check(
    typeof o.gradient?.gradients === "function",
    "optim.gradient",
    "a GradientStrategy",
    o.gradient?.kind,
  );
  return c;
}

const LOSSES: Readonly<Record<string, () => AnswerLoss>> = { stablemax: stablemaxLoss, softmax: softmaxLoss };
const GRADIENTS: Readonly<Record<string, () => GradientStrategy>> = {
  reverse: reverseMode,
  recompute: recomputation,
};

function byName<T>(table: Readonly<Record<string, () => T>>, field: string, v: T | string): T {
  if (typeof v !== "string") return v;
  const make = table[v];
  check(make !== undefined, field, Object.keys(table).map((k) => JSON.stringify(k)).join(" or "), v);
  return make!();
}

function resolveOptim(input: OptimConfigInput): OptimConfig {
  const { loss, gradient, recompute, ...rest } = input;
  check(
    recompute === undefined || typeof recompute === "boolean",
    "optim.recompute",
    "true or false",
    recompute,
  );
  return {
    ...DEFAULTS.optim,
    ...rest,
    loss: byName(LOSSES, "optim.loss", loss ?? DEFAULTS.optim.loss),
    gradient: byName(
      GRADIENTS,
      "optim.gradient",
      gradient ?? (recompute ? "recompute" : DEFAULTS.optim.gradient),
    ),
  };
}

/**
 * The JSON form of a config (the mixer as `{ kind, options }`, the loss and gradient strategy by kind),
 * for checkpoints and logs; `resolveConfig` reads it back.
 */
export function configToJson(config: TrmConfig): Record<string, unknown> {
  return {
    ...config,
    mixer: { kind: config.mixer.kind, options: config.mixer.options },
    scheme: { kind: config.scheme.kind, options: config.scheme.options ?? {} },
    optim: { ...config.optim, loss: config.optim.loss.kind, gradient: config.optim.gradient.kind },
  };
}
