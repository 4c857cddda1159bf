/**
 * Deep supervision with the reference's cross-batch carry (spec 3.2). One call of `step` is one
 * optimizer step and one supervision step for every batch slot; a slot keeps its example until it
 * halts, and only then is refilled with the row at the same index of the next batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { AdamAtan2 } from "./adam_atan2.ts";
import { packBatch } from "./batch.ts";
import { Ema } from "./ema.ts";
import { checkTensorBudget, type Trm } from "./model.ts";
import { maxTensorBytes } from "./backend.ts";
import { PuzzleEmbedding } from "./puzzle_embedding.ts";
import type { State } from "./recursion.ts";
import { haltMargin } from "./scheme.ts";
import { loadSessionState, sessionState } from "./session_state.ts";
import type { OwnerState } from "./state.ts";
import { createRng, type Rng, rngFromState } from "./rng.ts";
import { learningRate } from "./schedule.ts";
import { shouldHalt } from "./halting.ts";
import { type ComputedStep, type SlotCompute, slotGradients, type SlotWork } from "./slot_gradients.ts";
import type { Example } from "./task.ts";
import {
  NonFiniteLossError,
  type SessionSnapshot,
  type StepMetrics,
  type TrainingSession,
  type TrainSessionOptions,
} from "./session_types.ts";

export { NonFiniteLossError };
export type { SessionSnapshot, StepMetrics, TrainingSession, TrainSessionOptions };

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
  #carry: State | null = null;
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
  step(batch: readonly Example[]): Promise<StepMetrics> {
    return this.stepWith(batch, (work) => this.#localGradients(work));
  }

  /**
   * {@linkcode TrainSession.step} with the gradients computed by `compute` (data-parallel workers, say):
   * the session refills the slots, hands `compute` the work of all B slots, then applies the updates
   * (AdamATan2, sign-SGD on the touched puzzle rows, EMA) and the halting, exactly as `step` does.
   */
  async stepWith(batch: readonly Example[], compute: SlotCompute): Promise<StepMetrics> {
    const { model } = this, c = model.config, B = c.optim.batchSize;
    if (batch.length !== B) {
      throw new RangeError(`TrainSession.step: expected ${B} examples, got ${batch.length}`);
    }
    const reset = this.#refill(batch);
    const packed = packBatch(model.spec, this.#current as Example[]);
    const rows = this.puzzles.gather(packed.puzzleIds);
    const isLast = Uint8Array.from(this.#steps, (st) => (st + 1 >= c.supervision.maxSteps ? 1 : 0));
    const s = this.stepCount + 1, lr = this.#lr(s, c.optim.lr);
    const r = await compute({ packed, rows, reset, isLast, lr });
    let committed = false;
    try {
      if (!Number.isFinite(r.loss)) throw new NonFiniteLossError(s, r.loss);
      // Commit first: data-parallel workers then apply their copy of the update while this session
      // applies its own (the update does not read the carry, so a local step is unchanged).
      r.commit();
      committed = true;
      // Updates: AdamATan2 on the network, sign-SGD on the touched puzzle rows, then EMA.
      if (!r.updatedByCommit) this.optimizer.update(r.grads, lr);
      this.puzzles.update(
        packed.puzzleIds,
        r.puzzleGrad,
        this.#lr(s, c.optim.puzzleEmbLr),
        c.optim.puzzleEmbWeightDecay,
      );
      if (!r.updatedByCommit) this.ema?.update();
      this.stepCount = s;
      const rowsDone = this.#halt(r.qHalt, r.qContinue, r.count, r.correct, r.exact);
      const losses = {
        loss: r.loss,
        lmLoss: r.lmLoss / B,
        qHaltLoss: r.qHaltLoss / B,
        qContinueLoss: r.qContinueLoss / B,
      };
      return { step: s, lr, ...losses, ...rowsDone };
    } catch (e) {
      if (!committed) r.discard();
      throw e;
    } finally {
      tf.dispose(r.grads.filter((g): g is tf.Tensor => g !== undefined));
    }
  }

  /** The in-process gradient computation of `step`: all B slots, on the session's own carry. */
  async #localGradients(work: SlotWork): Promise<ComputedStep> {
    const model = this.model;
    const g = await slotGradients(model, work, work.reset.length, this.#carry, () => this.#disposeCarry());
    const grads = model.variables.map((v) => g.grads[v.name]);
    tf.dispose(Object.values(g.grads).filter((t) => !grads.includes(t)));
    return {
      ...g,
      grads,
      commit: () => void (this.#carry = g.state),
      discard: () => tf.dispose(Object.values(g.state)),
    };
  }

  /** Halted slots take the next batch's row at the same index (spec 3.2); returns which were reset. */
  #refill(batch: readonly Example[]): Uint8Array {
    const reset = Uint8Array.from(this.#halted);
    reset.forEach((r, b) => {
      if (!r) return;
      this.#current[b] = batch[b];
      this.#steps[b] = 0;
    });
    return reset;
  }

  /** Halting (spec 3.2 steps 3-4), then metrics over the rows that halted now (spec 4.5). */
  #halt(
    qHalt: Float32Array,
    qContinue: Float32Array,
    count: Float32Array,
    correct: Float32Array,
    exact: Float32Array,
  ): Omit<StepMetrics, "step" | "lr" | "loss" | "lmLoss" | "qHaltLoss" | "qContinueLoss"> {
    const c = this.model.config, N = c.supervision.maxSteps;
    let n = 0, acc = 0, ex = 0, qAcc = 0, steps = 0;
    for (let b = 0; b < this.#steps.length; b++) {
      const st = ++this.#steps[b]!;
      const margin = haltMargin(c.scheme, qHalt[b]!, qContinue[b]!);
      const halt = shouldHalt(st, margin, N, c.supervision.explorationProb, this.#rng);
      this.#halted[b] = halt ? 1 : 0;
      if (halt && count[b]! > 0) {
        n++;
        acc += correct[b]! / count[b]!;
        ex += exact[b]!;
        qAcc += (qHalt[b]! >= 0 ? 1 : 0) === exact[b]! ? 1 : 0;
        steps += st;
      }
    }
    const per = (v: number) => (n ? v / n : NaN);
    return {
      count: n,
      accuracy: per(acc),
      exactAccuracy: per(ex),
      qHaltAccuracy: per(qAcc),
      steps: per(steps),
    };
  }

  /** The carry after the last step (TRM: y, z), or null before the first (read-only view; do not dispose). */
  get carry(): State | null {
    return this.#carry;
  }

  /**
   * Hands the carry to the caller, who then owns (and disposes) it, and leaves the session without one:
   * for a session whose carry lives elsewhere (data-parallel workers hold theirs after a `load`).
   */
  takeCarry(): State | null {
    const carry = this.#carry;
    this.#carry = null;
    return carry;
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
      ? Object.fromEntries(
        await Promise.all(
          Object.entries(this.#carry).map(async ([k, t]) => [k, (await t.data()) as Float32Array] as const),
        ),
      )
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

  /**
   * Everything this session needs to continue exactly, as named tensors plus JSON: the live weights, the
   * optimizer's, EMA's and puzzle table's own `state()`, and the session's slots, carry and RNG.
   */
  state(): Promise<OwnerState> {
    return sessionState(this);
  }

  /**
   * Restores a {@linkcode TrainSession.state} of a session with the same config; throws a one-line
   * `StateError` naming the part that does not fit (discard the session then: parts load in turn).
   */
  load(state: OwnerState): void {
    loadSessionState(this, state);
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
      const carry: Record<string, tf.Tensor3D> = {};
      for (const k of this.model.config.scheme.states) {
        const data = snap.carry[k];
        if (data?.length !== B * Lp * D) {
          throw new RangeError(
            `TrainSession.restore: the snapshot's carry "${k}" is missing or not [${B}, ${Lp}, ${D}]`,
          );
        }
        carry[k] = tf.tensor3d(data, [B, Lp, D]);
      }
      this.#carry = carry;
    }
  }

  #disposeCarry(): void {
    if (this.#carry) tf.dispose(Object.values(this.#carry));
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
