/**
 * Test-time sampling (beyond the paper): K seeded noisy runs of {@linkcode predict} per puzzle, with
 * one answer chosen per puzzle by halting confidence (and, when the task can check answers, legal
 * answers first). The model is not changed: this is more inference compute for the same weights.
 *
 * Noise is Gaussian, added element-wise either to the fresh initial states (TRM: y and z, which are
 * otherwise one fixed vector broadcast to every position) or to the latent states entering every
 * supervision step (TRM: z). The states are post-RMSNorm (RMS about 1), so `noise` reads as a fraction
 * of a state's scale.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Trm } from "./model.ts";
import { haltProbabilityOf, predict, type PredictInput } from "./predict.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import type { State } from "./recursion.ts";
import { createRng, deriveSeed, type Rng } from "./rng.ts";
import type { Task } from "./task.ts";

/**
 * Where the noise goes: `"init"` on every state before the first supervision step; `"latent"` on the
 * latent states (every state but the one the heads read; TRM: z) before every supervision step.
 */
export type NoiseTarget = "init" | "latent";

/**
 * How the answer of a puzzle is chosen among its runs (legal answers first when the task has
 * `validate`): `"confidence"` the run with the highest halting probability; `"vote"` the answer most
 * runs gave, ties broken by their mean halting probability.
 */
export type SampleSelect = "confidence" | "vote";

/** Options of {@linkcode sample}. */
export interface SampleOptions {
  /** Runs per puzzle, K >= 1. Default 1. */
  readonly k?: number;
  /** Standard deviation of the Gaussian noise, >= 0. Default 0 (every run is predict's). */
  readonly noise?: number;
  /** Where the noise is added. Default `"init"`. */
  readonly target?: NoiseTarget;
  /** Seed of the noise: the same seed gives the same runs, whatever the batching. Default 0. */
  readonly seed?: number;
  /**
   * Run 0 of every puzzle runs without noise, so the K runs always include predict's answer. Default
   * true; false makes every run noisy.
   */
  readonly cleanFirst?: boolean;
  /** How the answer is chosen. Default `"confidence"`. */
  readonly select?: SampleSelect;
  /** The puzzles' task: with `validate`, legal answers are preferred (and reported per run). */
  readonly task?: Task<unknown>;
  /** Most supervision steps per run (predict's). Default: the config's N_sup. */
  readonly maxSteps?: number;
  /** Early halting threshold (predict's; `null` runs every step). Default 0.5. */
  readonly haltThreshold?: number | null;
  /** Rows (runs) per forward batch. Default: predict's. */
  readonly batchSize?: number;
}

/** The K runs of one puzzle and the answer chosen among them. */
export interface SampledPrediction {
  /** The chosen answer tokens (length L). */
  readonly answer: Int32Array;
  /** Index (0..K-1) of the run whose answer was chosen. */
  readonly chosen: number;
  /** Halting probability of each run at the step its answer was taken. */
  readonly confidences: Float32Array;
  /** Supervision steps each run used. */
  readonly steps: Int32Array;
  /** Each run's answer. */
  readonly answers: readonly Int32Array[];
  /** With a task that has `validate`: 1 where the run's answer is legal. */
  readonly valid?: Uint8Array;
}

/** Fills `out` with N(0, std^2) draws (Box-Muller: pure-rand has uniform distributions only). */
function fillGaussian(rng: Rng, out: Float32Array, offset: number, count: number, std: number): void {
  for (let i = 0; i < count; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(1 - rng.float())), a = 2 * Math.PI * rng.float();
    out[offset + i] = r * Math.cos(a);
    if (i + 1 < count) out[offset + i + 1] = r * Math.sin(a);
  }
}

/** Validates the options; returns them resolved. */
function resolve(model: Trm, o: SampleOptions) {
  const k = o.k ?? 1, noise = o.noise ?? 0, target = o.target ?? "init", select = o.select ?? "confidence";
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`sample: k must be an integer >= 1, got ${k}`);
  if (!(Number.isFinite(noise) && noise >= 0)) {
    throw new RangeError(`sample: noise must be >= 0, got ${noise}`);
  }
  if (target !== "init" && target !== "latent") {
    throw new RangeError(`sample: target must be "init" or "latent", got ${JSON.stringify(target)}`);
  }
  if (select !== "confidence" && select !== "vote") {
    throw new RangeError(`sample: select must be "confidence" or "vote", got ${JSON.stringify(select)}`);
  }
  const s = model.config.scheme;
  const latent = s.states.filter((n) => n !== s.output);
  // A scheme with one state (single-z) has no separate latent: its one state is the latent.
  const noisy = target === "init" ? s.states : latent.length > 0 ? latent : s.states;
  return { k, noise, target, select, noisy, seed: o.seed ?? 0, cleanFirst: o.cleanFirst ?? true };
}

/**
 * Index of the chosen run: legal before illegal (when `valid` is given), then by `select`; ties go to
 * the lowest index, so the choice is deterministic.
 *
 * @example
 * ```ts
 * import { chooseRun } from "@recursive/trm/core";
 * const a = Int32Array.of(1), b = Int32Array.of(2), conf = Float32Array.of(0.9, 0.2, 0.3);
 * if (chooseRun([a, b, b], conf, undefined) !== 0) throw new Error("most confident");
 * if (chooseRun([a, b, b], conf, Uint8Array.of(0, 1, 1)) !== 2) throw new Error("legal first");
 * if (chooseRun([a, b, b], conf, undefined, "vote") !== 2) throw new Error("two votes for b");
 * ```
 */
export function chooseRun(
  answers: readonly Int32Array[],
  confidences: Float32Array,
  valid: Uint8Array | undefined,
  select: SampleSelect = "confidence",
): number {
  const K = answers.length;
  let pool = Array.from({ length: K }, (_, i) => i);
  if (valid && pool.some((i) => valid[i] === 1)) pool = pool.filter((i) => valid[i] === 1);
  const best = (ids: readonly number[], score: (i: number) => number): number =>
    ids.reduce((b, i) => (score(i) > score(b) ? i : b), ids[0]!);
  if (select === "confidence") return best(pool, (i) => confidences[i]!);
  // Vote: group identical answers; most votes, then mean confidence; the group's most confident run.
  const groups = new Map<string, number[]>();
  for (const i of pool) {
    const key = answers[i]!.join(",");
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(i);
  }
  const ranked = [...groups.values()];
  const mean = (g: readonly number[]) => g.reduce((a, i) => a + confidences[i]!, 0) / g.length;
  const winner = ranked.reduce((b, g) =>
    g.length > b.length || (g.length === b.length && mean(g) > mean(b)) ? g : b
  );
  return best(winner, (i) => confidences[i]!);
}

/**
 * Answers each of `inputs` K times with seeded noise and chooses one answer per puzzle (use the EMA
 * weights, as for predict). Runs are batched together (K rows per puzzle) and halt on their own.
 * With `k: 1` and `noise: 0` (or `cleanFirst`) the answer is exactly {@linkcode predict}'s.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, PuzzleEmbedding, resolveConfig, sample } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 16, puzzleEmbLen: 1 }, recursion: { n: 1, T: 1 },
 *   supervision: { maxSteps: 2 }, optim: { batchSize: 4 },
 * });
 * using model = createTrm(spec, config);
 * const input = Int32Array.from([1, 2, 2, 1]);
 * const [r] = await sample(model, new PuzzleEmbedding(1, 16), [input], { k: 4, noise: 0.5, seed: 7 });
 * if (r!.answers.length !== 4 || r!.confidences[r!.chosen] !== Math.max(...r!.confidences)) {
 *   throw new Error("the most confident of 4 runs");
 * }
 * ```
 */
export async function sample(
  model: Trm,
  puzzles: PuzzleEmbedding,
  inputs: readonly PredictInput[],
  options: SampleOptions = {},
): Promise<SampledPrediction[]> {
  const { k: K, noise, target, select, noisy, seed, cleanFirst } = resolve(model, options);
  const rows = inputs.flatMap((v) => Array.from({ length: K }, () => v));
  const total = rows.length;
  // Row r is run r % K of puzzle floor(r / K). Each row's noise is drawn from its own seed (puzzle, run,
  // step, state), so it does not depend on how rows are batched.
  const perturb = (state: State, step: number, first: number): State => {
    if (target === "init" && step !== 1) return state;
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor3D> = { ...state };
      noisy.forEach((name, si) => {
        const t = state[name]!, [B, Lp, D] = t.shape, per = Lp * D;
        const buf = new Float32Array(B * per);
        for (let b = 0; b < B; b++) {
          const r = first + b, run = r % K;
          if (r >= total || (cleanFirst && run === 0)) continue;
          const rng = createRng(deriveSeed(seed, Math.floor(r / K), run, step, si));
          fillGaussian(rng, buf, b * per, per, noise);
        }
        out[name] = tf.add(t, tf.tensor3d(buf, [B, Lp, D]));
      });
      return out;
    });
  };
  const noiseOn = noise > 0 && !(cleanFirst && K === 1);
  const runs = await predict(model, puzzles, rows, {
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.haltThreshold !== undefined ? { haltThreshold: options.haltThreshold } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(noiseOn ? { perturb } : {}),
  });
  const task = options.task, validate = task?.validate;
  return inputs.map((v, p) => {
    const mine = runs.slice(p * K, (p + 1) * K);
    const answers = mine.map((r) => r.answer);
    const confidences = Float32Array.from(mine, (r) => haltProbabilityOf(r.margin));
    let valid: Uint8Array | undefined;
    if (validate) {
      const puzzle = task!.decode(v instanceof Int32Array ? v : v.input);
      valid = Uint8Array.from(answers, (a) => (validate.call(task, puzzle, task!.decode(a)) ? 1 : 0));
    }
    const chosen = chooseRun(answers, confidences, valid, select);
    return {
      answer: answers[chosen]!,
      chosen,
      confidences,
      steps: Int32Array.from(mine, (r) => r.steps),
      answers,
      ...(valid ? { valid } : {}),
    };
  });
}
