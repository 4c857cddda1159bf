/**
 * Data-parallel training on every core: N Deno workers, each with its own tfjs-wasm
 * backend and a replica of the model, take contiguous shares of the batch slots and their carry, as the
 * reference's ranks take slices of the global batch (spec 5.6). Each step, every worker writes its
 * share's gradient (the loss divided by the global batch, so the shares sum to the batch's gradient) into
 * its region of a SharedArrayBuffer; the coordinator sums the regions in rank order into one more region,
 * which every replica applies with AdamATan2, so all stay bit-equal; rank 0 also keeps the EMA.
 *
 * The coordinator is a {@linkcode TrainSession} on the caller's model, driven through `stepWith`: it keeps
 * the slots, the halting draws and the puzzle table, gathers the table rows each worker needs, and
 * updates the table once from all workers' row gradients in slot order (the reference's all-gather then
 * sign-SGD). It applies no network update of its own (that was a third AdamATan2 on two cores, 4% of a
 * batch-8 step): its weights, moments and EMA are rank 0's, copied by `sync()` when they are read
 * (evaluation, `state()`, `close()`). Its `state()` is a `TrainSession` state, so either kind of session
 * resumes the other.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { configToJson } from "./config.ts";
import type { NativeBlasMode } from "./kernels/matmul_kernel.ts";
import { nativeMatMulLibrary } from "./kernels/wasm_native_matmul.ts";
import type { Ema } from "./ema.ts";
import { namedVariables, type Trm } from "./model.ts";
import type { PuzzleEmbedding } from "./puzzle_embedding.ts";
import { assignValues, type OwnerState, type StateTensor } from "./state.ts";
import type { ComputedStep, SlotWork } from "./slot_gradients.ts";
import { type StepMetrics, TrainSession, type TrainSessionOptions } from "./train_session.ts";
import type { Example } from "./task.ts";
import {
  type GradientLayout,
  gradientLayout,
  type Request,
  type SlotRange,
  splitSlots,
} from "./data_parallel_protocol.ts";
import { WorkerPort } from "./data_parallel_port.ts";
import { joinCarry, mergeShares, shareOf, sumRegions } from "./data_parallel_shares.ts";

export { type SlotRange, splitSlots };

/** Options of {@linkcode DataParallelSession.create}. */
export interface DataParallelOptions extends TrainSessionOptions {
  /** Number of workers (1..B); each takes a contiguous share of the B slots. */
  readonly workers: number;
  /**
   * A module exporting `mixerFromJson` and `schemeFromJson`, from which each worker rebuilds the mixer
   * and scheme by name: `import.meta.resolve("@recursive/trm/plugins")`, or a module of your own that
   * registers its plugins there and re-exports them. (The core imports no plugin itself.)
   */
  readonly plugins: string | URL;
  /**
   * The workers' matmul: `auto` (default) the system BLAS where one is found and passes its check, else
   * XNNPACK; `require` fails without one; `off` keeps XNNPACK. The library is loaded once per process and
   * its thread count is process-wide, so it is set to `blasThreads` while the session lives (and put
   * back when it closes): the workers share the cores instead of each starting a thread per core.
   */
  readonly nativeBlas?: NativeBlasMode;
  /** Native BLAS threads while the session lives (default {@linkcode workerBlasThreads}: the cores shared out). */
  readonly blasThreads?: number;
}

/**
 * The native BLAS threads each of `workers` workers multiplies on by default (the session's
 * `blasThreads`): the cores shared out, at least 1.
 *
 * @example
 * ```ts
 * import { workerBlasThreads } from "@recursive/trm/core";
 * if (workerBlasThreads(navigator.hardwareConcurrency * 2) !== 1) throw new Error("at least one thread");
 * ```
 */
export function workerBlasThreads(workers: number): number {
  return Math.max(1, Math.floor(navigator.hardwareConcurrency / workers));
}

/**
 * A training session whose gradients are computed by N workers. Same steps, metrics and state as a
 * {@linkcode TrainSession} on the same batches, up to float summation order. Close it with `close()`
 * (or `await using`), which also checks that every worker released its tensors.
 *
 * @example
 * ```ts
 * import { createTrm, DataParallelSession, initBackend, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("wasm", { nativeBlas: "off" });
 * const spec = { name: "copy", vocabSize: 3, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({
 *   mixer: mlpMixer(), model: { hidden: 16, puzzleEmbLen: 1 }, recursion: { n: 1, T: 2 },
 *   optim: { batchSize: 4, warmupSteps: 0 },
 * });
 * using model = createTrm(spec, config);
 * await using session = await DataParallelSession.create(model, {
 *   totalSteps: 10, workers: 2, plugins: import.meta.resolve("@recursive/trm/plugins"),
 * });
 * const ex = { input: Int32Array.from([1, 2, 2, 1]), label: Int32Array.from([1, 2, 2, 1]), puzzleId: 0 };
 * const m = await session.step([ex, ex, ex, ex]);
 * if (m.step !== 1 || !Number.isFinite(m.loss)) throw new Error(JSON.stringify(m));
 * ```
 */
export class DataParallelSession implements AsyncDisposable {
  /** The coordinator's session: slots, halting, EMA, puzzle table and a copy of the weights and moments. */
  readonly session: TrainSession;
  /** Each worker's slots, in rank order. */
  readonly ranges: readonly SlotRange[];
  readonly #ports: readonly WorkerPort[];
  readonly #buffer: SharedArrayBuffer;
  readonly #layout: GradientLayout;
  readonly #baseline: readonly number[];
  /** The apply (or discard) messages of the last step, awaited before the next request. */
  #pending: Promise<void> = Promise.resolve();
  /** The coordinator's weights, moments and EMA lag behind rank 0's (steps since the last sync). */
  #behind = false;
  #broken: string | null = null;
  #closed = false;
  /** Puts the coordinator's BLAS thread count back (the setting is process-wide). */
  #restoreThreads: () => void = () => {};

  private constructor(
    session: TrainSession,
    ranges: SlotRange[],
    ports: WorkerPort[],
    buffer: SharedArrayBuffer,
    layout: GradientLayout,
    baseline: number[],
  ) {
    this.session = session;
    this.ranges = ranges;
    this.#ports = ports;
    this.#buffer = buffer;
    this.#layout = layout;
    this.#baseline = baseline;
  }

  /** Starts `options.workers` workers with replicas of `model` (borrowed, as by `TrainSession`). */
  static async create(model: Trm, options: DataParallelOptions): Promise<DataParallelSession> {
    const ranges = splitSlots(model.config.optim.batchSize, options.workers);
    const layout = gradientLayout(model.variables.map((v) => v.size));
    const buffer = new SharedArrayBuffer((ranges.length + 1) * layout.total * 4);
    const named = [...namedVariables(model)];
    const values = await Promise.all(named.map(async ([, v]) => (await v.data()) as Float32Array));
    const session = new TrainSession(model, options);
    const url = new URL("./data_parallel_worker.ts", import.meta.url);
    const ports = ranges.map((_, k) => new WorkerPort(url, k));
    const blasThreads = options.blasThreads ?? workerBlasThreads(ranges.length);
    const mainBlas = nativeMatMulLibrary(), mainThreads = mainBlas?.threads;
    const restore = () => {
      if (mainBlas && mainThreads !== undefined) mainBlas.setThreads(mainThreads);
    };
    try {
      const replies = await Promise.all(ports.map((p, rank) =>
        p.call({
          type: "init",
          rank,
          workers: ranges.length,
          spec: model.spec,
          config: configToJson(model.config),
          plugins: String(options.plugins),
          nativeBlas: options.nativeBlas ?? "auto",
          blasThreads,
          names: named.map(([n]) => n),
          values,
          divisor: model.config.optim.batchSize,
          buffer,
          layout,
        }, "ok")
      ));
      // The coordinator's matmuls (evaluations between steps) share the same setting; keep its count true.
      mainBlas?.setThreads(blasThreads);
      const dp = new DataParallelSession(
        session,
        ranges,
        ports,
        buffer,
        layout,
        replies.map((r) => r.tensors),
      );
      dp.#restoreThreads = restore;
      return dp;
    } catch (e) {
      for (const p of ports) p.terminate();
      restore();
      session.dispose();
      throw e;
    }
  }

  /**
   * The model (the coordinator's copy; not owned). Its weights are those of the last {@linkcode sync}
   * (which evaluation, `state()` and `close()` call): between, they lag behind the workers'.
   */
  get model(): Trm {
    return this.session.model;
  }

  /** Optimizer steps taken. */
  get stepCount(): number {
    return this.session.stepCount;
  }

  /** The coordinator's EMA of the weights (null without one); current after {@linkcode sync}, as `model`. */
  get ema(): Ema | null {
    return this.session.ema;
  }

  /** The coordinator's puzzle-embedding table (the only copy: workers get the rows they need). */
  get puzzles(): PuzzleEmbedding {
    return this.session.puzzles;
  }

  /** One optimizer step on all workers' slots, refilling halted slots from `batch` (B examples). */
  async step(batch: readonly Example[]): Promise<StepMetrics> {
    await this.#settle();
    return await this.session.stepWith(batch, (work) => this.#guard(this.#compute(work)));
  }

  /** Every worker's share of `work`, then the sums in slot order. */
  async #compute(work: SlotWork): Promise<ComputedStep> {
    const { spec, config } = this.model, D = config.model.hidden;
    const replies = await Promise.all(
      this.#ports.map((p, k) =>
        p.call({ type: "gradients", work: shareOf(work, this.ranges[k]!, spec.seqLen, D) }, "gradients")
      ),
    );
    const presence = replies.map((r) => r.present);
    const present = sumRegions(this.#buffer, this.#layout, this.#ports.length, presence);
    return {
      ...mergeShares(replies.map((r) => r.values), this.ranges, D),
      grads: [],
      updatedByCommit: true,
      commit: () => {
        this.#behind = true;
        this.#broadcast({ type: "apply", lr: work.lr, present });
      },
      discard: () => this.#broadcast({ type: "discard" }),
    };
  }

  /**
   * Copies rank 0's weights, AdamATan2 moments and EMA into the coordinator's model, optimizer and EMA
   * (a no-op when nothing changed since the last sync). Evaluation, `state()` and `close()` call it.
   */
  async sync(): Promise<void> {
    await this.#settle();
    if (!this.#behind) return;
    const snap = await this.#guard(this.#ports[0]!.call({ type: "snapshot" }, "snapshot"));
    this.model.variables.forEach((v, i) => assignValues(v, snap.live[i]!));
    this.session.optimizer.load(snap.adam);
    if (snap.ema) this.session.ema?.load(snap.ema);
    this.#behind = false;
  }

  /** Sends `req` to every worker without waiting; the next request awaits the replies. */
  #broadcast(req: Request): void {
    this.#pending = this.#guard(Promise.all(this.#ports.map((p) => p.call(req, "ok")))).then(() => {});
    this.#pending.catch(() => {}); // surfaced by #settle
  }

  /** Marks the session broken when `p` fails: workers and coordinator may disagree from then on. */
  async #guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      this.#broken ??= e instanceof Error ? e.message : String(e);
      throw e;
    }
  }

  async #settle(): Promise<void> {
    if (this.#closed) throw new Error("DataParallelSession: the session is closed");
    await this.#pending.catch(() => {});
    if (this.#broken !== null) {
      throw new Error(`DataParallelSession: a worker failed (${this.#broken}); discard the session`);
    }
  }

  /** Each state's carry over all B slots (worker shares in slot order), or null before the first step. */
  async carry(): Promise<Record<string, Float32Array> | null> {
    await this.#settle();
    const parts = await this.#guard(Promise.all(this.#ports.map((p) => p.call({ type: "carry" }, "carry"))));
    return joinCarry(this.model.config.scheme.states, parts.map((p) => p.carry));
  }

  /** Each worker's live weights, in `model.variables` order (to check that the replicas agree). */
  async replicaWeights(): Promise<Float32Array[][]> {
    await this.#settle();
    const r = await this.#guard(Promise.all(this.#ports.map((p) => p.call({ type: "weights" }, "weights"))));
    return r.map((w) => w.live);
  }

  /** A `TrainSession.state()`: rank 0's weights, moments and EMA, the table and slots, the workers' carry. */
  async state(): Promise<OwnerState> {
    await this.sync();
    const base = await this.session.state(); // the coordinator holds no carry: it comes from the workers
    const carry = await this.carry();
    const tensors: Record<string, StateTensor> = { ...base.tensors };
    for (const [name, data] of Object.entries(carry ?? {})) {
      tensors[`train/carry_${name}`] = { shape: [data.length], data };
    }
    return { tensors, json: base.json };
  }

  /**
   * Restores a `TrainSession` or `DataParallelSession` state of the same config into the coordinator and
   * every worker; throws a one-line `StateError` when it does not fit (discard the session then).
   */
  async load(state: OwnerState): Promise<void> {
    await this.#settle();
    try {
      this.session.load(state);
    } catch (e) {
      this.#broken ??= e instanceof Error ? e.message : String(e);
      throw e;
    }
    const carry = this.session.takeCarry();
    try {
      const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
      const host = carry
        ? await Promise.all(Object.entries(carry).map(async ([k, t]) => [k, await read(t)] as const))
        : null;
      const live = await Promise.all(this.model.variables.map(read));
      const adam = await this.session.optimizer.state();
      const ema = this.session.ema ? await this.session.ema.state() : null;
      const each = this.model.seqLen * this.model.config.model.hidden;
      await this.#guard(Promise.all(this.#ports.map((p, k) => {
        const r = this.ranges[k]!;
        const share = host &&
          Object.fromEntries(host.map(([n, d]) => [n, d.slice(r.start * each, (r.start + r.size) * each)]));
        return p.call({ type: "load", live, adam, carry: share, ema: k === 0 ? ema : null }, "ok");
      })));
      this.#behind = false;
    } finally {
      if (carry) tf.dispose(Object.values(carry));
    }
  }

  /**
   * Syncs the coordinator's model (so the caller's model holds the trained weights), disposes every
   * worker's replica and stops the workers, then the coordinator's session; returns the tensors each
   * worker still held beyond its backend's own (0 each when nothing leaked). A broken session skips the
   * sync: the model keeps the weights of the last one.
   */
  async close(): Promise<number[]> {
    if (this.#closed) return this.#ports.map(() => 0);
    await this.#pending.catch(() => {});
    if (this.#broken === null) await this.sync().catch(() => {});
    this.#closed = true;
    try {
      const r = await Promise.all(this.#ports.map((p) => p.call({ type: "close" }, "ok")));
      return r.map((x, k) => x.tensors - this.#baseline[k]!);
    } finally {
      for (const p of this.#ports) p.terminate();
      this.#restoreThreads();
      this.session.dispose();
    }
  }

  /**
   * Stops the workers at once (their memory goes with them) and disposes the coordinator's session,
   * without a sync: the model keeps the weights of the last one (use `close()` to keep the latest).
   */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#ports) p.terminate();
    this.#restoreThreads();
    this.session.dispose();
  }

  /** Same as {@linkcode DataParallelSession.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
