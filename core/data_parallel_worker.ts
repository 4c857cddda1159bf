/**
 * One data-parallel worker (a Deno module worker started by `DataParallelSession`): its own tfjs-wasm
 * backend, a replica of the model with its AdamATan2 moments, and the carry of its batch slots. It
 * computes its slots' gradients into its region of the shared buffer, and applies the summed gradient the
 * coordinator wrote, so every replica takes the same update. Rank 0 also keeps the EMA of the weights:
 * the coordinator applies no update of its own and takes rank 0's weights, moments and EMA when it
 * needs them (`snapshot`). Requests are handled one at a time, in order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { AdamAtan2 } from "./adam_atan2.ts";
import { Ema } from "./ema.ts";
import { initBackend } from "./backend.ts";
import { nativeMatMulLibrary } from "./kernels/wasm_native_matmul.ts";
import { rebuildConfig } from "./config_rebuild.ts";
import type { InitMessage, Reply, Request } from "./data_parallel_protocol.ts";
import { createTrm, namedVariables, type Trm } from "./model.ts";
import type { State } from "./recursion.ts";
import { slotGradients } from "./slot_gradients.ts";
import { assignValues } from "./state.ts";

/** The replica and its bookkeeping, once initialised. */
interface Replica {
  readonly init: InitMessage;
  readonly model: Trm;
  readonly optimizer: AdamAtan2;
  /** Rank 0's EMA of the weights (null on other ranks and without one). */
  readonly ema: Ema | null;
  carry: State | null;
  /** The carry computed by the last `gradients`, kept by `apply`, dropped by `discard`. */
  pending: State | null;
}

const scope = globalThis as unknown as {
  postMessage(message: Reply): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
};
let replica: Replica | null = null;

async function build(init: InitMessage): Promise<{ replica: Replica; tensors: number }> {
  await initBackend("wasm", { nativeBlas: init.nativeBlas });
  nativeMatMulLibrary()?.setThreads(init.blasThreads);
  const tensors = tf.memory().numTensors;
  const config = await rebuildConfig(init.config, init.plugins);
  const model = createTrm(init.spec, config);
  try {
    // The reference broadcasts parameters and buffers from rank 0: take the coordinator's values.
    const vars = namedVariables(model);
    if (vars.size !== init.names.length || !init.names.every((n) => vars.has(n))) {
      throw new Error("the replica's variables differ from the coordinator's");
    }
    init.names.forEach((n, i) => assignValues(vars.get(n)!, init.values[i]!));
    const optimizer = new AdamAtan2(model.variables, {
      betas: config.optim.betas,
      weightDecay: config.optim.weightDecay,
    });
    const decay = config.optim.emaDecay;
    const ema = init.rank === 0 && decay !== null ? new Ema(model.variables, decay) : null;
    return { replica: { init, model, optimizer, ema, carry: null, pending: null }, tensors };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The gradients of this worker's slots, written into its region; returns the reply. */
async function gradients(r: Replica, work: Extract<Request, { type: "gradients" }>["work"]): Promise<Reply> {
  const { init, model } = r;
  const g = await slotGradients(model, work, init.divisor, r.carry, () => {
    if (r.carry) tf.dispose(Object.values(r.carry));
    r.carry = null;
  });
  const region = new Float32Array(init.buffer, init.rank * init.layout.total * 4, init.layout.total);
  const present = new Uint8Array(model.variables.length);
  try {
    for (let i = 0; i < model.variables.length; i++) {
      const grad = g.grads[model.variables[i]!.name];
      const off = init.layout.offsets[i]!, size = init.layout.sizes[i]!;
      if (grad) region.set((await grad.data()) as Float32Array, off);
      else region.fill(0, off, off + size);
      present[i] = grad ? 1 : 0;
    }
  } catch (e) {
    tf.dispose(Object.values(g.state));
    throw e;
  } finally {
    tf.dispose(Object.values(g.grads));
  }
  r.pending = g.state;
  // Copies: the host values are views of one buffer, which a message would clone whole.
  const { grads: _g, state: _s, ...values } = g;
  const copy = <T extends Float32Array>(a: T) => a.slice() as T;
  return {
    type: "gradients",
    values: {
      ...values,
      puzzleGrad: copy(values.puzzleGrad),
      qHalt: copy(values.qHalt),
      qContinue: copy(values.qContinue),
      count: copy(values.count),
      correct: copy(values.correct),
      exact: copy(values.exact),
    },
    present,
  };
}

/** AdamATan2 with the summed gradient (region N), as the coordinator applies it. */
function apply(r: Replica, lr: number, present: Uint8Array): void {
  const { init, model } = r;
  const sum = new Float32Array(init.buffer, init.workers * init.layout.total * 4, init.layout.total);
  const grads = model.variables.map((v, i) => {
    if (!present[i]) return undefined;
    const off = init.layout.offsets[i]!;
    return tf.tensor(sum.slice(off, off + init.layout.sizes[i]!), v.shape);
  });
  try {
    r.optimizer.update(grads, lr);
    r.ema?.update();
  } finally {
    tf.dispose(grads.filter((g): g is tf.Tensor => g !== undefined));
  }
  r.carry = r.pending;
  r.pending = null;
}

/** The replica's live weights, in `model.variables` order. */
async function liveValues(model: Trm): Promise<Float32Array[]> {
  return await Promise.all(model.variables.map(async (v) => (await v.data()) as Float32Array));
}

async function handle(msg: Request): Promise<Reply> {
  if (msg.type === "init") {
    if (replica) throw new Error("init: the worker is already initialised");
    const built = await build(msg);
    replica = built.replica;
    return { type: "ok", tensors: built.tensors };
  }
  const r = replica;
  if (!r) throw new Error(`${msg.type}: the worker is not initialised`);
  switch (msg.type) {
    case "gradients":
      return await gradients(r, msg.work);
    case "apply":
      apply(r, msg.lr, msg.present);
      return { type: "ok", tensors: tf.memory().numTensors };
    case "discard":
      if (r.pending) tf.dispose(Object.values(r.pending));
      r.pending = null;
      return { type: "ok", tensors: tf.memory().numTensors };
    case "carry": {
      const carry = r.carry;
      if (!carry) return { type: "carry", carry: null };
      const out: Record<string, Float32Array> = {};
      for (const [k, t] of Object.entries(carry)) out[k] = (await t.data()) as Float32Array;
      return { type: "carry", carry: out };
    }
    case "weights":
      return { type: "weights", live: await liveValues(r.model) };
    case "snapshot":
      return {
        type: "snapshot",
        live: await liveValues(r.model),
        adam: await r.optimizer.state(),
        ema: r.ema ? await r.ema.state() : null,
      };
    case "load": {
      r.model.variables.forEach((v, i) => assignValues(v, msg.live[i]!));
      r.optimizer.load(msg.adam);
      if (r.ema && msg.ema) r.ema.load(msg.ema);
      for (const s of [r.carry, r.pending]) if (s) tf.dispose(Object.values(s));
      r.pending = null;
      r.carry = null;
      if (msg.carry) {
        const B = msg.carry[Object.keys(msg.carry)[0]!]!.length /
          (r.model.seqLen * r.model.config.model.hidden);
        const shape: [number, number, number] = [B, r.model.seqLen, r.model.config.model.hidden];
        r.carry = Object.fromEntries(Object.entries(msg.carry).map(([k, v]) => [k, tf.tensor3d(v, shape)]));
      }
      return { type: "ok", tensors: tf.memory().numTensors };
    }
    case "close": {
      for (const s of [r.carry, r.pending]) if (s) tf.dispose(Object.values(s));
      r.optimizer.dispose();
      r.ema?.dispose();
      r.model.dispose();
      replica = null;
      return { type: "ok", tensors: tf.memory().numTensors };
    }
  }
}

// One request at a time: an async handler would otherwise start the next message while awaiting.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = await handle(e.data);
    } catch (err) {
      reply = { type: "error", message: err instanceof Error ? err.message : String(err) };
    }
    scope.postMessage(reply);
  });
};
