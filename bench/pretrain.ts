/**
 * `deno task pretrain [--only NAME[,NAME]] [--quick] [--steps N] [--eval-every N]`: trains the shipped
 * pretrained models (bench/pretrain_recipes.ts) and writes each, slimmed to what inference reads, to
 * `tasks/<task>/pretrained/<name>/` (`tensors.safetensors` + `meta.json`, as `saveCheckpoint` writes
 * them, without the optimizer moments, live weights and carry) with a `card.json`: data, steps, seed,
 * held-out exact accuracy and validity, mean supervision steps with and without early halting, the
 * command, parameter count and bytes.
 *
 * A recipe the CLI can make (`cli` flags) is trained by `deno task train` as a subprocess; the others
 * run the same loop in process (one `TrainSession` step per batch, EMA weights evaluated and saved).
 * The full run lives in `runs/pretrain/<name>/` (metrics.jsonl, the full checkpoint). `--quick` trains
 * `quickSteps` into `runs/pretrain-quick/` and never touches the shipped files; `--steps` likewise
 * writes to `runs/pretrain-try/` (for trying a config).
 *
 * @module
 */
import { parseArgs } from "@std/cli";
import { evaluate, type EvaluateResult, initBackend, matmulKernel } from "../core/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadCheckpoint,
  type LoadedCheckpoint,
  train,
  writeFileAtomic,
  writeJsonAtomic,
} from "../io/mod.ts";
import type { Task } from "../core/task.ts";
import { type PretrainRecipe, recipeByName, RECIPES } from "./pretrain_recipes.ts";
import type { PretrainedCard } from "../tasks/pretrained.ts";

// deno-lint-ignore no-console
const log = (line: string) => console.log(line);
const root = new URL("../", import.meta.url).pathname;

const flags = parseArgs(Deno.args, {
  string: ["only", "steps", "eval-every"],
  boolean: ["quick", "help", "card-only"],
});
if (flags.help) {
  log(`usage: deno task pretrain [--only ${RECIPES.map((r) => r.name).join(",")}] [--quick]
  [--steps N] [--eval-every N] [--card-only]
Trains the shipped models and writes tasks/<task>/pretrained/<name>/ (checkpoint + card.json).
--quick: a few steps each into runs/pretrain-quick/ (shipped files untouched); --steps N likewise into
runs/pretrain-try/; --eval-every N: held-out evaluations during in-process runs (default: the
recipe's); --card-only: no training, re-measure the finished run in runs/ and rewrite the files.`);
  Deno.exit(0);
}
const int = (name: string, v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    log(`--${name}: expected a positive integer, got "${v}"`);
    Deno.exit(2);
  }
  return n;
};
const stepsFlag = int("steps", flags.steps), evalFlag = int("eval-every", flags["eval-every"]);
let recipes: PretrainRecipe[];
try {
  recipes = flags.only ? String(flags.only).split(",").map(recipeByName) : [...RECIPES];
} catch (e) {
  log((e as Error).message);
  Deno.exit(2);
}
const ship = !flags.quick && stepsFlag === undefined;
const workRoot = `${root}runs/${flags.quick ? "pretrain-quick" : ship ? "pretrain" : "pretrain-try"}`;

const backend = await initBackend("wasm");
for (const recipe of recipes) await pretrain(recipe);

async function pretrain(r: PretrainRecipe): Promise<void> {
  const steps = stepsFlag ?? (flags.quick ? r.quickSteps : r.steps);
  const evalEvery = evalFlag ?? r.evalEvery ?? 0;
  const work = `${workRoot}/${r.name}`;
  await Deno.mkdir(work, { recursive: true });
  const started = performance.now();
  // The flags that made this run (held-out evaluations during the run are part of its recipe).
  const extra = (flags.quick ? " --quick" : stepsFlag ? ` --steps ${steps}` : "") +
    (evalFlag ? ` --eval-every ${evalFlag}` : "");
  const command = r.cli
    ? `deno task train ${trainArgs(r, steps, work.slice(root.length)).join(" ")}`
    : `deno task pretrain --only ${r.name}${extra}`;
  log(`${r.name}: ${steps} steps (${r.cli ? "deno task train" : "in process"}) -> ${work}`);
  const dest = ship ? `${root}tasks/${r.task}/pretrained/${r.name}` : `${work}/shipped`;
  let trainSeconds: number | null = (await readCard(`${dest}/card.json`))?.made.trainSeconds ?? null;
  if (!flags["card-only"]) {
    if (r.cli) await trainByCli(r, steps, work);
    else await trainInProcess(r, steps, work, evalEvery);
    trainSeconds = (performance.now() - started) / 1000;
  }

  await writeSlim(`${work}/checkpoint`, dest);
  // The card's numbers are measured on the slim files, exactly what users and the test load.
  const data = await r.data(r.testSize, false);
  using loaded = await loadCheckpoint(dest);
  const full = await measure(loaded, data.task, data.test);
  const early = await measure(loaded, data.task, data.test, true);
  const params = loaded.model.variables.reduce((n, v) => n + v.size, 0);
  let bytes = 0;
  for (const f of ["tensors.safetensors", "meta.json"]) bytes += (await Deno.stat(`${dest}/${f}`)).size;
  const card: PretrainedCard = {
    name: r.name,
    task: r.task,
    taskSpec: loaded.meta.taskSpec,
    path: `${r.task}/pretrained/${r.name}`,
    data: data.describe,
    steps,
    seed: r.seed,
    trainSize: r.trainSize,
    heldOut: {
      count: full.count,
      exactAccuracy: full.exactAccuracy,
      validRate: full.validRate ?? null,
      meanSteps: full.meanSteps,
      earlyHalt: {
        haltThreshold: 0.5,
        exactAccuracy: early.exactAccuracy,
        validRate: early.validRate ?? null,
        meanSteps: early.meanSteps,
      },
    },
    config: {
      hidden: loaded.config.model.hidden,
      mixer: loaded.config.mixer.kind,
      n: loaded.config.recursion.n,
      T: loaded.config.recursion.T,
      maxSteps: loaded.config.supervision.maxSteps,
      batchSize: loaded.config.optim.batchSize,
      lr: loaded.config.optim.lr,
      emaDecay: loaded.config.optim.emaDecay,
    },
    params,
    bytes,
    command: `npx -y deno@2.9.6 ${command.replace(/^deno /, "")}`,
    made: {
      by: `npx -y deno@2.9.6 task pretrain --only ${r.name}${extra}`,
      backend,
      matmulKernel: matmulKernel(),
      trainSeconds: trainSeconds === null ? null : Math.round(trainSeconds),
    },
  };
  await writeJsonAtomic(`${dest}/card.json`, card);
  log(JSON.stringify({ ...card, config: undefined }));
}

async function readCard(path: string): Promise<PretrainedCard | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

/** The `deno task train` flags of a CLI recipe. */
function trainArgs(r: PretrainRecipe, steps: number, out: string): string[] {
  return [
    ...r.cli!,
    "--seed",
    String(r.seed),
    "--steps",
    String(steps),
    "--train-size",
    String(r.trainSize),
    "--test-size",
    String(r.testSize),
    "--out",
    out,
    "--overwrite",
  ];
}

async function trainByCli(r: PretrainRecipe, steps: number, work: string): Promise<void> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["task", "train", ...trainArgs(r, steps, work)],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await cmd.output();
  if (code !== 0) throw new Error(`${r.name}: deno task train exited with ${code}`);
}

/**
 * A recipe the CLI cannot name yet (a built-in task of a size other than its default, with the task's
 * own augmentation): `train()` (io/train.ts), the library call `deno task train` is a shell over, with the
 * recipe's data and config. Same loop, metrics.jsonl and checkpoint as the CLI; the checkpoint records
 * the built-in task name, so `eval`/`solve` rebuild the task from its spec.
 */
async function trainInProcess(
  r: PretrainRecipe,
  steps: number,
  work: string,
  evalEvery: number,
): Promise<void> {
  const data = await r.data();
  const t0 = performance.now();
  let loss = 0, acc = 0, k = 0;
  using run = await train(data.task, {
    config: r.config,
    steps,
    seed: r.seed,
    data: {
      train: data.train,
      test: data.test,
      describe: data.describe,
      recipe: { kind: "pretrain", recipe: r.name },
    },
    out: work,
    overwrite: true,
    taskSpecifier: r.task,
    ...(evalEvery > 0 ? { evalEvery, evalLimit: 200 } : {}),
    onStart: (s) => {
      log(`  ${s.describe}; ${s.params.toLocaleString("en")} parameters; batch ${s.config.optim.batchSize}`);
      for (const w of s.warnings) log(`  warning: ${w}`);
    },
    onStep: (m) => {
      loss += m.loss, acc += Number.isNaN(m.accuracy) ? 0 : m.accuracy, k++;
      if (m.step % 50 === 0 || m.step === steps) {
        const sec = (performance.now() - t0) / 1000;
        log(
          `  step ${m.step}/${steps} loss ${(loss / k).toFixed(4)} acc ${(acc / k).toFixed(3)} ` +
            `(${(sec / m.step).toFixed(2)} s/step)`,
        );
        loss = acc = k = 0;
      }
    },
    onEval: (e) =>
      log(
        `  eval @${e.step}: exact ${e.result.exactAccuracy.toFixed(3)} valid ${
          e.result.validRate?.toFixed(3)
        }` +
          ` (${e.result.count} puzzles)`,
      ),
  });
  if (!run.checkpoint) throw new Error(`${r.name}: train() saved no checkpoint`);
}

/**
 * Copies a checkpoint keeping what inference reads: the `model/*` (EMA) weights and buffers and the
 * puzzle table; `meta.json` as saved but for the training owners' state (only the RNG, which the
 * format requires). Such a checkpoint loads with `loadCheckpoint` but cannot be resumed.
 */
async function writeSlim(from: string, to: string): Promise<void> {
  const decoded = decodeSafetensors(await Deno.readFile(`${from}/tensors.safetensors`), from);
  const keep: Record<string, { dtype: "F32" | "I32" | "U8"; shape: readonly number[]; data: never }> = {};
  for (const [name, t] of decoded.tensors) {
    if (name.startsWith("model/") || name.startsWith("puzzle_emb/")) {
      keep[name] = t as unknown as (typeof keep)[string];
    }
  }
  const meta = JSON.parse(await Deno.readTextFile(`${from}/meta.json`));
  meta.state = { train: { rng: meta.state.train.rng }, puzzle_emb: meta.state.puzzle_emb ?? {} };
  await Deno.mkdir(to, { recursive: true });
  await writeFileAtomic(`${to}/tensors.safetensors`, encodeSafetensors(keep, { format: "recursive-trm" }));
  await writeJsonAtomic(`${to}/meta.json`, meta);
}

function measure(
  loaded: LoadedCheckpoint,
  task: Task<unknown>,
  test: Parameters<typeof evaluate>[1],
  earlyHalt = false,
): Promise<EvaluateResult> {
  return evaluate(loaded.model, test, loaded.puzzles, { task, earlyHalt, batchSize: 100 });
}
