/**
 * Deep supervision with the reference's cross-batch carry (spec 3.2). One call of `step` is one
 * optimizer step and one supervision step for every batch slot; a slot keeps its example until it
 * halts, and only then is refilled with the row at the same index of the next batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { AdamAtan2 } from "./adam_atan2.ts";
import { batchTensors, packBatch, readTensors } from "./batch.ts";
import { Ema } from "./ema.ts";
import { actLoss } from "./loss.ts";
import { checkTensorBudget, type Trm } from "./model.ts";
import { maxTensorBytes } from "./backend.ts";
import { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { type Carry, deepRecursion, latentRecursion, resetCarry } from "./recursion.ts";
import { recomputedGradients } from "./recompute.ts";
import { createRng, type Rng, rngFromState } from "./rng.ts";
import { learningRate } from "./schedule.ts";
import { shouldHalt } from "./halting.ts";
import type { Example } from "./task.ts";

/** Metrics of one training step (spec 4.5): losses per batch row, the rest over rows that halted now. */
export interface StepMetrics {
  /** 1-based optimizer step. */
  readonly step: number;
  /** Learning rate used. */
  readonly lr: number;
  /** (lm_loss + 0.5 q_halt_loss) / B. */
  readonly loss: number;
  /** lm_loss / B. */
  readonly lmLoss: number;
  /** q_halt_loss / B. */
  readonly qHaltLoss: number;
  /** Rows that halted at this step (the denominator of the metrics below). */
  readonly count: number;
  /** Mean token accuracy of halted rows. */
  readonly accuracy: number;
  /** Fraction of halted rows exactly right. */
  readonly exactAccuracy: number;
  /** Fraction of halted rows where (q_halt >= 0) equals "exactly right". */
  readonly qHaltAccuracy: number;
  /** Mean supervision steps used by halted rows. */
  readonly steps: number;
}

/** The run state of a {@linkcode TrainSession} beyond its weights (see `snapshot`). */
export interface SessionSnapshot {
  /** Optimizer steps taken. */
  readonly stepCount: number;
  /** State of the exploration RNG. */
  readonly rng: readonly number[];
  /** Supervision steps of each slot's example. */
  readonly slotSteps: Int32Array;
  /** 1 where a slot halted (and is refilled next step). */
  readonly halted: Uint8Array;
  /** Each slot's example: inputs [B * L]. */
  readonly inputs: Int32Array;
  /** Each slot's labels [B * L]. */
  readonly labels: Int32Array;
  /** Each slot's puzzle id [B]. */
  readonly puzzleIds: Int32Array;
  /** The carry y and z ([B * L' * D] each), or null before the first step. */
  readonly carry: { readonly y: Float32Array; readonly z: Float32Array } | null;
}

/** Thrown when the loss becomes NaN or infinite; names the step. Weights are left untouched. */
export class NonFiniteLossError extends Error {
  /** Creates the error for `step`. */
  constructor(step: number, loss: number) {
    super(`Training stopped: the loss became ${loss} at step ${step}`);
    this.name = "NonFiniteLossError";
  }
}

/** Options of {@linkcode TrainSession}. */
export interface TrainSessionOptions {
  /** Total optimizer steps, for the schedule. */
  readonly totalSteps: number;
  /** Seed of the exploration draws. Default 0. */
  readonly seed?: number;
  /** The puzzle-embedding table (default: a new zero table of `spec.numPuzzleIds` rows). */
  readonly puzzles?: PuzzleEmbedding;
}

/**
 * A training run's mutable state: the model (borrowed), AdamATan2 moments, EMA shadows, the puzzle
 * table, the carry and the halting bookkeeping. Owns everything except the model.
 *
 * @example
 * ```ts
 * import { createTrm, initBackend, resolveConfig, TrainSession } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 16, puzzleEmbLen: 1 }, recursion: { n: 1, T: 2 },
 *   optim: { batchSize: 2, warmupSteps: 0 },
 * });
 * using model = createTrm(spec, config);
 * using session = new TrainSession(model, { totalSteps: 10 });
 * const ex = { input: Int32Array.from([1, 2, 2, 1]), label: Int32Array.from([1, 2, 2, 1]), puzzleId: 0 };
 * const m = await session.step([ex, ex]);
 * if (m.step !== 1 || !Number.isFinite(m.loss)) throw new Error(JSON.stringify(m));
 * ```
 */
export class TrainSession implements Disposable {
  /** The model being trained (not owned). */
  readonly model: Trm;
  /** AdamATan2 over the model's trainable variables. */
  readonly optimizer: AdamAtan2;
  /** EMA of the weights, or null when disabled. */
  readonly ema: Ema | null;
  /** The sparse puzzle-embedding table. */
  readonly puzzles: PuzzleEmbedding;
  /** Optimizer steps taken. */
  stepCount = 0;
  readonly #totalSteps: number;
  #rng: Rng;
  #carry: Carry | null = null;
  readonly #steps: Int32Array;
  readonly #halted: Uint8Array;
  readonly #current: (Example | undefined)[];

  /** Creates optimizer state, EMA and (unless given) the puzzle table for `model`. */
  constructor(model: Trm, options: TrainSessionOptions) {
    const c = model.config;
    checkTensorBudget(c, model.spec, c.optim.batchSize, maxTensorBytes());
    this.model = model;
    this.#totalSteps = options.totalSteps;
    this.#rng = createRng(options.seed ?? 0);
    this.optimizer = new AdamAtan2(model.variables, {
      betas: c.optim.betas,
      weightDecay: c.optim.weightDecay,
    });
    this.ema = c.optim.emaDecay === null ? null : new Ema(model.variables, c.optim.emaDecay);
    this.puzzles = options.puzzles ?? new PuzzleEmbedding(model.spec.numPuzzleIds, c.model.hidden);
    const B = c.optim.batchSize;
    this.#steps = new Int32Array(B);
    this.#halted = new Uint8Array(B).fill(1); // the initial carry is "all halted"
    this.#current = new Array(B);
  }

  /** Learning-rate multiplier at 1-based step `s` (the same shape for both optimizers). */
  #lr(s: number, base: number): number {
    const o = this.model.config.optim;
    return learningRate(s, {
      base,
      warmupSteps: o.warmupSteps,
      totalSteps: this.#totalSteps,
      minRatio: o.minLrRatio,
    });
  }

  /** One optimizer step on the carry, refilling halted slots from `batch` (B examples). */
  async step(batch: readonly Example[]): Promise<StepMetrics> {
    const { model } = this, c = model.config, B = c.optim.batchSize, N = c.supervision.maxSteps;
    if (batch.length !== B) {
      throw new RangeError(`TrainSession.step: expected ${B} examples, got ${batch.length}`);
    }
    // 1. Halted slots take the next batch's row at the same index and restart from the init vectors.
    const reset = Uint8Array.from(this.#halted);
    for (let b = 0; b < B; b++) {
      if (reset[b]) {
        this.#current[b] = batch[b];
        this.#steps[b] = 0;
      }
    }
    const packed = packBatch(model.spec, this.#current as Example[]);
    const { inputs, labels } = batchTensors(model.spec, packed);
    const rows = tf.tensor2d(this.puzzles.gather(packed.puzzleIds), [B, c.model.hidden]);
    const resetT = tf.tensor1d(reset, "bool");
    const start = resetCarry(model, this.#carry, resetT);
    this.#disposeCarry();
    // 2. T-1 recursions without gradient, outside the tape.
    const x0 = model.embed(inputs, rows);
    const entering = deepRecursion(model, x0, start, c.recursion.T - 1);
    if (entering.y !== start.y) tf.dispose([start.y, start.z]); // T = 1 enters with the start itself
    x0.dispose();
    // 3. The last recursion with gradient; x is recomputed inside so the embeddings get gradients.
    let head: { qHalt: tf.Tensor1D; loss: ReturnType<typeof actLoss> } | undefined;
    const lossOf = (y: tf.Tensor3D): tf.Scalar => {
      const { logits, qHalt } = model.heads(y);
      const loss = actLoss(logits, qHalt, labels, c.optim.loss);
      tf.keep(qHalt);
      for (const t of [loss.lmLoss, loss.qHaltLoss, loss.stats.count, loss.stats.correct, loss.stats.exact]) {
        tf.keep(t);
      }
      head = { qHalt, loss };
      return tf.div(loss.total, B) as tf.Scalar;
    };
    let value: tf.Scalar, grads: Record<string, tf.Tensor>, puzzleGradT: tf.Tensor | undefined, carry: Carry;
    if (c.optim.recompute) {
      ({ value, grads, puzzleGrad: puzzleGradT, carry } = recomputedGradients(
        model,
        inputs,
        rows,
        entering,
        lossOf,
      ));
    } else {
      const rowsVar = tf.variable(rows, true);
      let kept: Carry | undefined;
      try {
        ({ value, grads } = tf.variableGrads(() => {
          const x = model.embed(inputs, rowsVar);
          kept = latentRecursion(model, x, entering, c.recursion.n);
          tf.keep(kept.y), tf.keep(kept.z);
          return lossOf(kept.y);
        }, [...model.variables, rowsVar]));
      } finally {
        rowsVar.dispose();
      }
      puzzleGradT = grads[rowsVar.name];
      delete grads[rowsVar.name];
      carry = kept!;
    }
    const o = { ...head!, carry };
    const s = this.stepCount + 1;
    const lr = this.#lr(s, c.optim.lr), puzzleLr = this.#lr(s, c.optim.puzzleEmbLr);
    try {
      const { lmLoss, qHaltLoss, stats } = o.loss;
      const puzzleGrad = puzzleGradT ??= tf.zeros([B, c.model.hidden]);
      const [lossV, lmV, qhV, qHaltV, countV, correctV, exactV, pgV] = await readTensors([
        value,
        lmLoss,
        qHaltLoss,
        o.qHalt,
        stats.count,
        stats.correct,
        stats.exact,
        puzzleGrad,
      ]);
      if (!Number.isFinite(lossV![0]!)) throw new NonFiniteLossError(s, lossV![0]!);
      // 4. Updates: AdamATan2 on the network, sign-SGD on the touched puzzle rows, then EMA.
      this.optimizer.update(model.variables.map((v) => grads[v.name]), lr);
      this.puzzles.update(packed.puzzleIds, pgV!, puzzleLr, c.optim.puzzleEmbWeightDecay);
      this.ema?.update();
      this.stepCount = s;
      this.#carry = o.carry;
      // 5. Halting (spec 3.2 steps 3-4), then metrics over the rows that halted now (spec 4.5).
      let count = 0, acc = 0, exact = 0, qAcc = 0, steps = 0;
      for (let b = 0; b < B; b++) {
        const st = ++this.#steps[b]!;
        const halt = shouldHalt(st, qHaltV![b]!, N, c.supervision.explorationProb, this.#rng);
        this.#halted[b] = halt ? 1 : 0;
        if (halt && countV![b]! > 0) {
          count++;
          acc += correctV![b]! / countV![b]!;
          exact += exactV![b]!;
          qAcc += (qHaltV![b]! >= 0 ? 1 : 0) === exactV![b]! ? 1 : 0;
          steps += st;
        }
      }
      const per = (v: number) => (count ? v / count : NaN);
      return {
        step: s,
        lr,
        loss: lossV![0]!,
        lmLoss: lmV![0]! / B,
        qHaltLoss: qhV![0]! / B,
        count,
        accuracy: per(acc),
        exactAccuracy: per(exact),
        qHaltAccuracy: per(qAcc),
        steps: per(steps),
      };
    } catch (e) {
      tf.dispose([o.carry.y, o.carry.z]);
      throw e;
    } finally {
      const { loss } = o;
      tf.dispose([inputs, labels, rows, resetT, value, entering.y, entering.z, o.qHalt]);
      if (puzzleGradT) puzzleGradT.dispose();
      tf.dispose([loss.lmLoss, loss.qHaltLoss, loss.stats.count, loss.stats.correct, loss.stats.exact]);
      tf.dispose(Object.values(grads));
    }
  }

  /** The carry (y, z) after the last step, or null before the first (read-only view; do not dispose). */
  get carry(): Carry | null {
    return this.#carry;
  }

  /** Supervision steps taken so far by the example in each slot (0 right after a refill). */
  get slotSteps(): Int32Array {
    return this.#steps.slice();
  }

  /**
   * Everything besides the weights and optimizer moments that a resumed run needs to continue exactly:
   * step count, RNG state, each slot's example and step count, which slots halted, and the carry.
   */
  async snapshot(): Promise<SessionSnapshot> {
    const B = this.model.config.optim.batchSize, L = this.model.spec.seqLen;
    const inputs = new Int32Array(B * L), labels = new Int32Array(B * L), puzzleIds = new Int32Array(B);
    this.#current.forEach((ex, b) => {
      if (!ex) return;
      inputs.set(ex.input, b * L);
      labels.set(ex.label, b * L);
      puzzleIds[b] = ex.puzzleId;
    });
    const carry = this.#carry
      ? { y: (await this.#carry.y.data()) as Float32Array, z: (await this.#carry.z.data()) as Float32Array }
      : null;
    return {
      stepCount: this.stepCount,
      rng: this.#rng.state(),
      slotSteps: this.#steps.slice(),
      halted: this.#halted.slice(),
      inputs,
      labels,
      puzzleIds,
      carry,
    };
  }

  /** Restores a {@linkcode TrainSession.snapshot} (weights, moments and EMA are restored separately). */
  restore(snap: SessionSnapshot): void {
    const B = this.model.config.optim.batchSize,
      L = this.model.spec.seqLen,
      D = this.model.config.model.hidden;
    const Lp = this.model.seqLen;
    if (snap.slotSteps.length !== B || snap.inputs.length !== B * L) {
      throw new RangeError(
        `TrainSession.restore: the snapshot has ${snap.slotSteps.length} slots of length ${
          snap.inputs.length / Math.max(1, snap.slotSteps.length)
        }, expected ${B} of ${L}`,
      );
    }
    this.stepCount = snap.stepCount;
    this.optimizer.step = snap.stepCount;
    this.#rng = rngFromState(snap.rng);
    this.#steps.set(snap.slotSteps);
    this.#halted.set(snap.halted);
    for (let b = 0; b < B; b++) {
      this.#current[b] = this.#halted[b] && snap.carry === null ? undefined : {
        input: snap.inputs.slice(b * L, (b + 1) * L),
        label: snap.labels.slice(b * L, (b + 1) * L),
        puzzleId: snap.puzzleIds[b]!,
      };
    }
    this.#disposeCarry();
    if (snap.carry) {
      this.#carry = { y: tf.tensor3d(snap.carry.y, [B, Lp, D]), z: tf.tensor3d(snap.carry.z, [B, Lp, D]) };
    }
  }

  #disposeCarry(): void {
    if (this.#carry) tf.dispose([this.#carry.y, this.#carry.z]);
    this.#carry = null;
  }

  /** Releases optimizer moments, EMA shadows and the carry (not the model). */
  dispose(): void {
    this.#disposeCarry();
    this.optimizer.dispose();
    this.ema?.dispose();
  }

  /** Same as {@linkcode TrainSession.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
