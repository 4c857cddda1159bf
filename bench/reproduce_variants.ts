/**
 * The variants of `deno task reproduce` (the paper's Table 1, small): one base recipe (TRM with the
 * MLP-mixer, the `sudoku-small` recipe with the paper's n and T scaled down) and one change each.
 * Every variant trains for the same optimizer steps with the same batch; parameter counts are equal
 * except for attention, whose hidden size is chosen to come closest to the base's (within
 * {@linkcode PARAM_TOLERANCE}).
 *
 * @module
 */
import {
  createTrm,
  resolveConfig,
  smallConfig,
  type TaskSpec,
  type TrmConfig,
  type TrmConfigInput,
} from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { trmOneStep, trmTwoNets } from "../plugins/schemes/mod.ts";

/** Largest relative difference of a variant's parameter count from the base's that we accept. */
export const PARAM_TOLERANCE = 0.03;

/** Attention heads of the attention variant (head size hidden / 4, even). */
export const ATTENTION_HEADS = 4;

/** What every variant shares. */
export interface ReproduceSettings {
  /** Optimizer steps of every run. */
  readonly steps: number;
  /** Hidden size D of the base (the attention variant picks its own, see {@linkcode matchedHidden}). */
  readonly hidden: number;
  /** Latent updates per recursion of the base. */
  readonly n: number;
  /** Recursions per supervision step of the base. */
  readonly T: number;
  /** N_sup. */
  readonly maxSteps: number;
  /** Batch size. */
  readonly batchSize: number;
}

/** One row of the ablation table. */
export interface Variant {
  /** Short name (file names, `--variants`). */
  readonly name: string;
  /** What changes from the base, one line. */
  readonly change: string;
  /** The paper's Sudoku-Extreme figure for this row (Table 1), for the report. */
  readonly paper: string;
  /** The config input of this variant for `spec`. */
  readonly config: (spec: TaskSpec, s: ReproduceSettings) => TrmConfigInput;
}

/** The base recipe: TRM, MLP-mixer, the small profile (lr 3e-3, EMA horizon a quarter of the run). */
export function baseConfig(
  spec: TaskSpec,
  s: ReproduceSettings,
  over: Partial<TrmConfigInput> = {},
): TrmConfigInput {
  return smallConfig(spec, s.steps, {
    mixer: mlpMixer(),
    model: { hidden: s.hidden, ...over.model },
    recursion: { n: s.n, T: s.T, ...over.recursion },
    supervision: { maxSteps: s.maxSteps },
    optim: { batchSize: s.batchSize, ...over.optim },
    ...(over.mixer ? { mixer: over.mixer } : {}),
    ...(over.scheme ? { scheme: over.scheme } : {}),
  }) as TrmConfigInput;
}

/** Trainable parameters of a model built from `input` for `spec` (built on the current backend, then freed). */
export function paramCount(spec: TaskSpec, input: TrmConfigInput | TrmConfig): number {
  using model = createTrm(spec, resolveConfig(input as TrmConfigInput));
  return model.variables.reduce((n, v) => n + v.size, 0);
}

/**
 * The attention variant's hidden size: the multiple of 2 x {@linkcode ATTENTION_HEADS} between D/2
 * and 2D whose parameter count is closest to the base's (the MLP-mixer's sequence SwiGLU holds more
 * weights than attention's Q, K, V, O at small D, so attention at the same D would be smaller).
 */
export function matchedHidden(spec: TaskSpec, s: ReproduceSettings): number {
  const target = paramCount(spec, baseConfig(spec, s));
  const step = 2 * ATTENTION_HEADS;
  let best = s.hidden, bestGap = Infinity;
  for (let d = Math.max(step, Math.ceil(s.hidden / 2 / step) * step); d <= 2 * s.hidden; d += step) {
    const gap = Math.abs(paramCount(spec, attentionConfig(spec, s, d)) - target);
    if (gap < bestGap) [best, bestGap] = [d, gap];
  }
  return best;
}

function attentionConfig(spec: TaskSpec, s: ReproduceSettings, hidden: number): TrmConfigInput {
  return baseConfig(spec, s, { mixer: attention({ heads: ATTENTION_HEADS }), model: { hidden } });
}

/** Cache of {@linkcode matchedHidden} per spec and settings (it builds a few dozen small models). */
const hiddenCache = new Map<string, number>();

/**
 * The six variants: TRM; no recursion (T = 1, n = 1); 1-step gradient; no EMA; attention instead of
 * the MLP-mixer (hidden size matched for parameters); two networks of half the depth (one block
 * each for z and y, so the same parameters as TRM's one two-block network).
 *
 * @example
 * ```ts
 * import { VARIANTS } from "./reproduce_variants.ts";
 * if (VARIANTS[0]!.name !== "trm" || VARIANTS.length !== 6) throw new Error("variants");
 * ```
 */
export const VARIANTS: readonly Variant[] = [
  {
    name: "trm",
    change: "TRM: MLP-mixer, one shared 2-block net, last recursion on the tape, EMA",
    paper: "87.4",
    config: (spec, s) => baseConfig(spec, s),
  },
  {
    name: "no-recursion",
    change: "T = 1, n = 1 (deep supervision kept)",
    paper: "63.2 (T=1, n=2, Table 3)",
    config: (spec, s) => baseConfig(spec, s, { recursion: { n: 1, T: 1 } }),
  },
  {
    name: "1-step-grad",
    change: "only the last z and y updates on the tape (HRM's 1-step gradient)",
    paper: "56.5",
    config: (spec, s) => baseConfig(spec, s, { scheme: trmOneStep() }),
  },
  {
    name: "no-ema",
    change: "no EMA: the live weights are evaluated",
    paper: "79.9",
    config: (spec, s) => baseConfig(spec, s, { optim: { emaDecay: null } }),
  },
  {
    name: "attention",
    change: `self-attention (RoPE, ${ATTENTION_HEADS} heads) instead of the MLP-mixer, D matched for params`,
    paper: "74.7",
    config: (spec, s) => {
      const key = JSON.stringify([spec, s]);
      if (!hiddenCache.has(key)) hiddenCache.set(key, matchedHidden(spec, s));
      return attentionConfig(spec, s, hiddenCache.get(key)!);
    },
  },
  {
    name: "two-nets",
    change: "separate nets for z and y, 1 block each (TRM: one shared 2-block net)",
    paper: "82.4 (2 full nets, 2x params)",
    config: (spec, s) => baseConfig(spec, s, { scheme: trmTwoNets({ layers: 1 }) }),
  },
];

/** The variants named in `names` (all when empty); throws a `RangeError` naming an unknown one. */
export function selectVariants(names: readonly string[]): Variant[] {
  if (names.length === 0) return [...VARIANTS];
  return names.map((n) => {
    const v = VARIANTS.find((x) => x.name === n);
    if (!v) {
      throw new RangeError(`--variants: unknown "${n}"; expected ${VARIANTS.map((x) => x.name).join(", ")}`);
    }
    return v;
  });
}
