/**
 * A training session's state as one {@linkcode OwnerState}, built from its owners' `state()` (optimizer,
 * EMA, puzzle table) plus the live weights and the session's own snapshot (slots, carry, RNG).
 *
 * `TrainSession.state()` / `load()` are these two functions; `io/checkpoint.ts` only writes and reads the
 * result. Parts: `live/<name>`, `ema/<name>` (with EMA), `adam/...`,
 * `puzzle_emb/weights`, `train/...` (JSON `train: { step, rng }`).
 *
 * @module
 */
import { paramName } from "./params.ts";
import {
  assignValues,
  combineStates,
  expectTensors,
  type OwnerState,
  readVariable,
  splitState,
  StateError,
  type StateTensor,
} from "./state.ts";
import type { SessionSnapshot, TrainSession } from "./train_session.ts";

/** Everything `session` needs to continue exactly, as one owner state. */
export async function sessionState(session: TrainSession): Promise<OwnerState> {
  const live: Record<string, StateTensor> = {};
  for (const v of session.model.variables) live[paramName(v.name)] = await readVariable(v);
  const snap = await session.snapshot();
  const B = snap.slotSteps.length;
  const train: Record<string, StateTensor> = {
    slot_steps: { shape: [B], data: snap.slotSteps },
    halted: { shape: [B], data: snap.halted },
    inputs: { shape: [B, snap.inputs.length / B], data: snap.inputs },
    labels: { shape: [B, snap.labels.length / B], data: snap.labels },
    puzzle_ids: { shape: [B], data: snap.puzzleIds },
  };
  // The carry by state name (TRM: y and z), flat [B * L' * D] each, as format 1 stored y and z.
  for (const [name, values] of Object.entries(snap.carry ?? {})) {
    train[`carry_${name}`] = { shape: [values.length], data: values };
  }
  return combineStates({
    live: { tensors: live, json: {} },
    ...(session.ema ? { ema: await session.ema.state() } : {}),
    adam: await session.optimizer.state(),
    puzzle_emb: await session.puzzles.state(),
    train: { tensors: train, json: { step: snap.stepCount, rng: [...snap.rng] } },
  });
}

/**
 * Restores a {@linkcode sessionState} into `session` (same config); throws a one-line `StateError` naming
 * the part that does not fit. Parts are loaded one after the other: on error, discard the session.
 */
export function loadSessionState(session: TrainSession, state: OwnerState): void {
  const model = session.model, B = model.config.optim.batchSize, L = model.spec.seqLen;
  const train = splitState(state, "train");
  const { step, rng } = train.json;
  if (!(Number.isSafeInteger(step) && (step as number) >= 0)) {
    throw new StateError(`train: step: expected an integer >= 0, got ${JSON.stringify(step)}`);
  }
  if (!Array.isArray(rng) || !rng.every((x) => Number.isSafeInteger(x))) {
    throw new StateError(`train: rng: expected an array of integers, got ${JSON.stringify(rng)}`);
  }
  const carryLength = B * model.seqLen * model.config.model.hidden;
  const shapes = new Map<string, readonly number[]>([
    ["slot_steps", [B]],
    ["halted", [B]],
    ["inputs", [B, L]],
    ["labels", [B, L]],
    ["puzzle_ids", [B]],
  ]);
  const carryNames = Object.keys(train.tensors).filter((n) => n.startsWith("carry_"));
  for (const name of carryNames) shapes.set(name, [carryLength]);
  const t = expectTensors("train", train, shapes);
  const typed = <A>(name: string, ctor: new (n: number) => A): A => {
    const data = t.get(name)?.data;
    if (!(data instanceof ctor)) {
      throw new StateError(`train: tensor "${name}": expected ${ctor.name} values`);
    }
    return data;
  };
  const snap: SessionSnapshot = {
    stepCount: step as number,
    rng: rng as number[],
    slotSteps: typed("slot_steps", Int32Array),
    halted: typed("halted", Uint8Array),
    inputs: typed("inputs", Int32Array),
    labels: typed("labels", Int32Array),
    puzzleIds: typed("puzzle_ids", Int32Array),
    carry: carryNames.length === 0
      ? null
      : Object.fromEntries(carryNames.map((n) => [n.slice("carry_".length), typed(n, Float32Array)])),
  };
  const live = expectTensors(
    "live",
    splitState(state, "live"),
    new Map(model.variables.map((v) => [paramName(v.name), v.shape])),
  );
  const ema = splitState(state, "ema");
  const hasEma = Object.keys(ema.tensors).length > 0;
  if (hasEma !== (session.ema !== null)) {
    throw new StateError(
      hasEma
        ? "ema: the state has EMA weights but the session keeps no EMA"
        : "ema: the state has no EMA weights",
    );
  }
  // The session's own restore first: it also resets the optimizer's step count, which adam's load then
  // replaces with the saved per-variable counts.
  session.restore(snap);
  for (const v of model.variables) assignValues(v, live.get(paramName(v.name))!.data);
  session.ema?.load(ema);
  session.optimizer.load(splitState(state, "adam"));
  session.puzzles.load(splitState(state, "puzzle_emb"));
}
