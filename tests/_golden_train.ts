/**
 * The golden training check, for every variant (`./_golden.ts`): 3 `TrainSession` steps from the
 * official initial weights on the golden batch, compared per step with `train*.safetensors` (losses,
 * q_continue_loss and target_q_continue for Q-learning schemes, lr, the carry flags steps / halted /
 * exact, weights and puzzle table after steps 1 and 3), then the eval forward after training (`post/`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { learningRate, TrainSession } from "../core/mod.ts";
import { exportReferenceState, REFERENCE_PUZZLE_TABLE, type StoredTensor } from "../io/mod.ts";
import {
  compareForward,
  type Golden,
  GOLDEN_TOLERANCE as TOL,
  goldenExamples,
  goldenForward,
  goldenModel,
  type GoldenReport,
} from "./_golden.ts";

/** Row `k` of a [rows, width] stored tensor. */
const row = (t: StoredTensor | undefined, k: number, name: string): number[] => {
  if (!t) throw new Error(`golden train file: no tensor "${name}"`);
  const w = t.shape[1] ?? 1;
  return Array.from(t.data as ArrayLike<number>).slice(k * w, (k + 1) * w);
};

const must = (m: ReadonlyMap<string, StoredTensor>, name: string, file: string): StoredTensor => {
  const t = m.get(name);
  if (!t) throw new Error(`golden ${file}: no tensor "${name}"`);
  return t;
};

/**
 * After step k: every official tensor name, ours (exported in official names and layout) vs the files.
 * Where `train_f64` has no `after_step{k}/` and `config.json` says so (`variants.<v>.train_f64_after_step1:
 * false`, HRM and single-z), the f32 values stand in for f64: distance 0, so only the plain tolerance
 * can pass them, and the group says "(f32 only)".
 */
export async function compareWeights(
  report: GoldenReport,
  g: Golden,
  session: TrainSession,
  k: number,
): Promise<void> {
  const ours = await exportReferenceState(session.model, session.puzzles);
  const variants = g.config.variants as Record<string, Record<string, unknown>> | undefined;
  const noF64 = k === 1 && variants?.[g.variant]?.train_f64_after_step1 === false;
  for (const name of g.weights.keys()) {
    const mine = ours.get(name);
    if (!mine) throw new Error(`golden: our model has no tensor for the official "${name}"`);
    const key = `after_step${k}/${name}`;
    const f32 = must(g.train, key, "train");
    const f64 = noF64 ? f32 : must(g.trainF64, key, "train_f64");
    const what = name === REFERENCE_PUZZLE_TABLE ? "table" : "weights";
    report.check(
      `train ${what} after step ${k}${noF64 ? " (f32 only)" : ""}`,
      name,
      mine,
      f32,
      f64,
      TOL.weights,
    );
  }
}

/**
 * Runs the golden training (see the module doc) into `report` and requires that nothing but the
 * session's carry (one tensor per scheme state) outlives a step.
 */
export async function goldenTrain(g: Golden, report: GoldenReport): Promise<void> {
  const o = g.trmConfig.optim, B = o.batchSize, scheme = g.trmConfig.scheme;
  const qLearning = g.train.has("target_q_continue");
  if (qLearning !== (scheme.halting === "q-learning")) {
    throw new Error(
      `golden ${g.variant}: the files ${qLearning ? "hold" : "lack"} target_q_continue, our ` +
        `scheme "${scheme.kind}" halts by "${scheme.halting}"`,
    );
  }
  using m = goldenModel(g, g.weights);
  using session = new TrainSession(m.model, { totalSteps: g.totalSteps, puzzles: m.puzzles });
  const before = tf.memory().numTensors;
  const examples = goldenExamples(g.spec, g.batch);
  const ours: Record<string, number[]> = { loss: [], lm_loss: [], q_halt_loss: [] };
  if (qLearning) ours.q_continue_loss = [];
  const lr: number[] = [], puzzleLr: number[] = [], targets: number[] = [];
  for (let k = 1; k <= g.trainSteps; k++) {
    // The forward this step trains on: the same batch on the carry the session holds, halted rows
    // restarted (every slot's data is the golden batch: the same batch each step). Its exact flags are
    // the carry's; for Q-learning, one more step on its new carry gives the bootstrapped target, as the
    // reference computes it (same data, weights before the update), from our public API.
    const snap = await session.snapshot();
    const [pre, next] = await goldenForward(
      m.model,
      session.puzzles,
      g.batch,
      qLearning ? 2 : 1,
      session.carry,
      snap.halted,
    );
    if (qLearning) {
      const N = g.trmConfig.supervision.maxSteps;
      for (let b = 0; b < B; b++) {
        const last = (snap.halted[b] ? 0 : snap.slotSteps[b]!) + 1 >= N;
        const v = last ? next!.qHalt[b]! : Math.max(next!.qHalt[b]!, next!.qContinue[b]!);
        targets.push(1 / (1 + Math.exp(-v)));
      }
    }
    const metrics = await session.step(examples);
    // StepMetrics are per row (divided by B); the files hold ACTLossHead's sums.
    ours.loss!.push(metrics.loss * B);
    ours.lm_loss!.push(metrics.lmLoss * B);
    ours.q_halt_loss!.push(metrics.qHaltLoss * B);
    ours.q_continue_loss?.push(metrics.qContinueLoss * B);
    lr.push(metrics.lr);
    // The table's rate is not in StepMetrics; TrainSession takes it from the same schedule.
    puzzleLr.push(learningRate(k, {
      base: o.puzzleEmbLr,
      warmupSteps: o.warmupSteps,
      totalSteps: g.totalSteps,
      minRatio: o.minLrRatio,
    }));
    const after = await session.snapshot();
    const flags: [string, ArrayLike<number>][] = [
      ["steps", session.slotSteps],
      ["halted", after.halted],
      ["exact", pre!.exact],
    ];
    for (const [name, mine] of flags) {
      const a = row(g.train.get(name), k - 1, name), b = row(g.trainF64.get(name), k - 1, name);
      report.check("train carry flags", `step${k}/${name}`, mine, a, b, TOL.flags);
    }
    if (k === 1 || k === g.trainSteps) await compareWeights(report, g, session, k);
  }
  for (const [name, values] of Object.entries(ours)) {
    const a = must(g.train, name, "train"), b = must(g.trainF64, name, "train_f64");
    report.check("train losses", name, values, a, b, TOL.losses);
  }
  if (qLearning) {
    const a = must(g.train, "target_q_continue", "train"),
      b = must(g.trainF64, "target_q_continue", "train_f64");
    report.check("train target_q_continue", "target_q_continue", targets, a, b, TOL.qTargets);
  }
  report.check(
    "train lr",
    "lr",
    lr,
    must(g.train, "lr", "train"),
    must(g.trainF64, "lr", "train_f64"),
    TOL.lr,
  );
  report.check(
    "train lr",
    "puzzle_emb_lr",
    puzzleLr,
    must(g.train, "puzzle_emb_lr", "train"),
    must(g.trainF64, "puzzle_emb_lr", "train_f64"),
    TOL.lr,
  );
  // The eval forward after training, from a fresh carry, with the trained weights and table.
  const post = await goldenForward(m.model, session.puzzles, g.batch, g.supervisionSteps);
  compareForward(report, "post", post, g.train, g.trainF64, "post/");
  const held = scheme.states.length; // the session holds its carry between steps; nothing else may survive
  if (tf.memory().numTensors !== before + held) {
    throw new Error(`golden: ${tf.memory().numTensors - before - held} tensors leaked by the train check`);
  }
}
