/**
 * Test-time compute of a checkpoint, on held-out puzzles of its task (`deno task test-time`):
 *
 * 1. early halting: exact accuracy, validity and mean supervision steps at full depth (every puzzle runs
 *    N_sup steps, as the official evaluation does) and with early halting (a puzzle stops at the first
 *    step whose halting probability exceeds 0.5);
 * 2. sampling (`sample`): K seeded noisy runs per puzzle, the answer chosen by validity, then halting
 *    confidence; exact accuracy, the same chosen by halting confidence alone, validity, pass@K (some run
 *    exact: the ceiling of any selection), mean steps per run and seconds, per noise target and K.
 *
 * Prints a table and writes JSON (`--json FILE`, default `runs/test-time/<parent>-<folder>.json`).
 *
 * Usage: deno task test-time --checkpoint DIR [--k 1,4,16] [--limit N] [--noise 0.25] [--target init,latent]
 *          [--select confidence|vote] [--seed 1] [--full-depth] [--backend wasm|cpu|webgpu|auto] [--json FILE]
 *
 * The held-out set is the one `deno task eval` uses: rebuilt from the checkpoint's recipe (preset and
 * seed). A checkpoint without a preset uses its task's `generate` hook with a seed derived from, and
 * distinct from, the training seed.
 *
 * @module
 */
import {
  BACKENDS,
  chooseRun,
  DataError,
  deriveSeed,
  exactScore,
  type Example,
  initBackend,
  matmulKernel,
  sample,
  type SampleSelect,
  type Task,
} from "../core/mod.ts";
import { CheckpointError, type CheckpointMeta, loadCheckpoint, writeJsonAtomic } from "../io/mod.ts";
import { builtinTask, loadTaskPlugin } from "../tasks/builtin.ts";
import { prepareData } from "../cli/data.ts";
import { presetByName } from "../cli/flags.ts";
import { dataOptionsOf } from "../cli/recipe.ts";
import { parseFlags, UsageError } from "../cli/schema.ts";

const HELP = `Test-time compute of a checkpoint: early halting, and K noisy runs chosen by halting confidence.

Usage: deno task test-time --checkpoint DIR [--k 1,4,16] [--limit N] [--noise 0.25] [--target init,latent]
         [--select confidence|vote] [--seed 1] [--full-depth] [--backend wasm|cpu|webgpu|auto] [--json FILE]

--k          runs per puzzle, a comma list (default 1,4,16); run 0 is always the noiseless run
--noise      standard deviation of the Gaussian noise (states have RMS about 1; default 0.25)
--target     where the noise goes: init (initial y and z), latent (z before every step), or both (default)
--full-depth sampled runs use every supervision step instead of early halting
--json       where the JSON report goes (default: runs/test-time/<parent>-<folder>.json)`;

/** One measured row. */
interface Row {
  readonly mode: string;
  readonly k: number;
  readonly target: string | null;
  readonly noise: number;
  readonly haltThreshold: number | null;
  readonly exactAccuracy: number;
  /** Exact accuracy when the answer is chosen by halting confidence alone (validity ignored). */
  readonly exactByConfidence: number;
  readonly validRate: number | null;
  readonly passAtK: number;
  readonly meanSteps: number;
  readonly chosenNoisy: number;
  readonly seconds: number;
}

/** The task and held-out examples of a checkpoint (as `deno task eval` rebuilds them). */
async function heldOut(
  dir: string,
  meta: CheckpointMeta,
): Promise<{ task: Task<unknown> | undefined; examples: Example[]; origin: string }> {
  const recipe = meta.recipe, file = `${dir}/meta.json`;
  const task = builtinTask(meta.taskSpec) ??
    (recipe?.task ? await loadTaskPlugin(recipe.task, meta.taskSpec) : undefined);
  if (recipe?.preset) {
    const data = await prepareData(presetByName(recipe.preset), {
      ...dataOptionsOf(recipe, file),
      seed: meta.seed,
    });
    const examples = Array.from({ length: data.test.size }, (_, i) => data.test.example(i));
    return { task, examples, origin: `${recipe.preset} held-out split (seed ${meta.seed})` };
  }
  if (!task?.generate) {
    throw new UsageError(`${file}: no preset recorded and the task has no generate hook`);
  }
  // A seed of its own: the training puzzles came from meta.seed.
  const seed = deriveSeed(meta.seed, 0x7e57);
  const size = (recipe?.data as { testSize?: number } | undefined)?.testSize ?? 500;
  return {
    task,
    examples: task.generate(size, seed).map((p) => task.encode(p)),
    origin: `${meta.taskSpec.name} generate(${size}, ${seed})`,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      checkpoint: { kind: "string" },
      k: { kind: "string" },
      limit: { kind: "int", min: 1 },
      noise: { kind: "number", min: 0 },
      target: { kind: "string" },
      select: { kind: "choice", choices: ["confidence", "vote"] },
      seed: { kind: "int", min: 0 },
      "full-depth": { kind: "boolean" },
      backend: { kind: "choice", choices: BACKENDS },
      json: { kind: "string" },
      help: { kind: "boolean" },
    } as const,
  );
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags.checkpoint === undefined) throw new UsageError("--checkpoint DIR is required (see --help)");
  const ks = (flags.k ?? "1,4,16").split(",").map((s) => Number(s.trim()));
  if (!ks.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new UsageError(`--k: expected a comma list of integers >= 1, got "${flags.k}"`);
  }
  const targets = (flags.target ?? "init,latent").split(",").map((s) => s.trim());
  for (const t of targets) {
    if (t !== "init" && t !== "latent") {
      throw new UsageError(`--target: expected init, latent or init,latent, got "${flags.target}"`);
    }
  }
  const noise = flags.noise ?? 0.25,
    seed = flags.seed ?? 1,
    select: SampleSelect = flags.select ?? "confidence";
  const sampledThreshold = flags["full-depth"] ? null : 0.5;
  const backend = await initBackend(flags.backend ?? "wasm");
  const dir = flags.checkpoint.replace(/\/$/, "");
  using ckpt = await loadCheckpoint(dir);
  const { task, examples: all, origin } = await heldOut(dir, ckpt.meta);
  const examples = all.slice(0, flags.limit ?? all.length);
  const score = task?.score?.bind(task) ?? exactScore;
  const rows: Row[] = [];

  const measure = async (
    mode: string,
    k: number,
    target: "init" | "latent",
    sd: number,
    haltThreshold: number | null,
  ): Promise<Row> => {
    const t0 = performance.now();
    const r = await sample(ckpt.model, ckpt.puzzles, examples, {
      k,
      noise: sd,
      target,
      seed,
      select,
      haltThreshold,
      ...(task ? { task } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    let exact = 0, byConf = 0, valid = 0, pass = 0, steps = 0, noisy = 0;
    r.forEach((p, i) => {
      const ex = examples[i]!;
      exact += score(p.answer, ex).exact ? 1 : 0;
      valid += p.valid?.[p.chosen] ?? 0;
      pass += p.answers.some((a) => score(a, ex).exact) ? 1 : 0;
      // The same runs, chosen without the task's validate: what the halting head alone achieves.
      byConf += score(p.answers[chooseRun(p.answers, p.confidences, undefined, select)]!, ex).exact ? 1 : 0;
      steps += p.steps.reduce((a, b) => a + b, 0) / k;
      noisy += p.chosen !== 0 ? 1 : 0;
    });
    const n = examples.length;
    const row: Row = {
      mode,
      k,
      target: k === 1 ? null : target,
      noise: k === 1 ? 0 : sd,
      haltThreshold,
      exactAccuracy: exact / n,
      exactByConfidence: byConf / n,
      validRate: task?.validate ? valid / n : null,
      passAtK: pass / n,
      meanSteps: steps / n,
      chosenNoisy: noisy / n,
      seconds: Math.round(seconds * 100) / 100,
    };
    rows.push(row);
    // deno-lint-ignore no-console
    console.error(JSON.stringify(row));
    return row;
  };

  // Early halting: the same noiseless run at full depth and halted at p > 0.5.
  await measure("full depth", 1, "init", 0, null);
  await measure("early halt", 1, "init", 0, 0.5);
  for (const target of targets as ("init" | "latent")[]) {
    for (const k of ks) {
      if (k === 1 && sampledThreshold === 0.5) continue; // the "early halt" row
      if (k === 1 && target !== targets[0]) continue; // K = 1 is the noiseless run: one row
      await measure("sample", k, target, noise, sampledThreshold);
    }
  }

  const pct = (v: number | null) => (v === null ? "-" : `${(100 * v).toFixed(1)}%`);
  const lines = [
    "| mode | K | noise | exact | exact, confidence only | valid | pass@K | mean steps | seconds |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.mode}${r.haltThreshold === null ? "" : " (halt p>0.5)"} | ${r.k} | ${
        r.target ? `${r.noise} ${r.target}` : "-"
      } | ${pct(r.exactAccuracy)} | ${pct(r.exactByConfidence)} | ${pct(r.validRate)} | ${pct(r.passAtK)} | ${
        r.meanSteps.toFixed(2)
      } | ${r.seconds.toFixed(1)} |`
    ),
  ];
  // deno-lint-ignore no-console
  console.log(lines.join("\n"));
  const report = {
    checkpoint: dir,
    task: ckpt.meta.taskSpec.name,
    heldOut: origin,
    puzzles: examples.length,
    maxSteps: ckpt.model.config.supervision.maxSteps,
    backend,
    matmulKernel: matmulKernel(),
    seed,
    select,
    rows,
  };
  // Default under runs/ (git-ignored): never inside a checkpoint's folder, which may be a shipped model's.
  const out = flags.json ??
    `runs/test-time/${dir.split("/").slice(-2).join("-").replace(/[^\w.-]/g, "_")}.json`;
  await Deno.mkdir(out.replace(/\/?[^/]*$/, "") || ".", { recursive: true });
  await writeJsonAtomic(out, report);
  // deno-lint-ignore no-console
  console.log(`wrote ${out}`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (
      e instanceof UsageError || e instanceof DataError || e instanceof CheckpointError ||
      e instanceof RangeError
    ) {
      // deno-lint-ignore no-console
      console.error(e.message);
      Deno.exit(2);
    }
    throw e;
  }
}
