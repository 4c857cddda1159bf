/**
 * `deno task solve --checkpoint DIR PUZZLE`: solves one puzzle given inline or as a file, prints the
 * answer grid, the supervision steps used (with early halting) and the halting confidence; `--trace`
 * prints the answer after every supervision step.
 *
 * @module
 */
import { BACKENDS, evaluate, type Example, initBackend, type TaskSpec } from "../core/mod.ts";
import { type CheckpointMeta, loadCheckpoint } from "../io/mod.ts";
import { presetByName, UsageError } from "./flags.ts";
import { parseFlags } from "./schema.ts";
import { dataOptionsOf } from "./recipe.ts";
import { type ArcTestSource, encodeArcGrid, loadArcFile } from "../tasks/arc/mod.ts";
import { prepareData } from "./data.ts";
import { haltProbability, puzzleFromText, tokensToText, traceSvg } from "../viz/mod.ts";
import { writeFileAtomic } from "../io/mod.ts";
import { taskOrSpec } from "../tasks/builtin.ts";

const HELP = `Solve one puzzle with a trained checkpoint.

Usage: deno task solve --checkpoint DIR [--trace] [--full] [--backend NAME] PUZZLE

PUZZLE is inline text or a file:
  Sudoku  N*N characters, digits with '.' or '0' for blanks (81 for 9x9, 16 for 4x4), e.g. 1.3.3..2.1..4..1
  Maze    size lines of "# SG" characters (or one line of size*size characters)
  ARC     a task JSON file: its first test input is solved (with the task's learned puzzle embedding
          when the checkpoint's run had this task in its test set)
--full runs all N_sup supervision steps instead of stopping at the first confident one.
--svg FILE draws the puzzle and the answer after every supervision step, with the halting probability.
`;

async function readPuzzle(arg: string): Promise<string> {
  try {
    return (await Deno.readTextFile(arg)).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return arg.trim();
    throw e;
  }
}

/** Token codec of the checkpoint's task for one typed puzzle. */
function codec(
  spec: TaskSpec,
  text: string,
): { example: Example; show: (tokens: ArrayLike<number>) => string } {
  const input = puzzleFromText(taskOrSpec(spec), text);
  return {
    example: { input, label: input.slice(), puzzleId: 0 },
    show: (t) => tokensToText(taskOrSpec(spec), t),
  };
}

/**
 * An ARC task file: its first test input on the canvas, with the puzzle identifier the run learned for
 * that task (found among the checkpoint's test-set tasks; otherwise the blank identifier 0, which a
 * model that never saw the task's demonstrations cannot be expected to solve).
 */
async function arcCodec(
  path: string,
  meta: CheckpointMeta,
  source: string,
): Promise<{ example: Example; show: (t: ArrayLike<number>) => string }> {
  const id = path.replace(/^.*\//, "").replace(/\.json$/, "");
  const task = await loadArcFile(path);
  const pair = task.test[0] ?? task.train[0]!;
  let puzzleId = 0;
  const recipe = meta.recipe;
  if (recipe?.preset) {
    const saved = dataOptionsOf(recipe, `${source}/meta.json`);
    const data = await prepareData(presetByName(recipe.preset), { ...saved, testVersions: 1 });
    const test = data.test as ArcTestSource;
    for (let i = 0; i < test.size; i++) {
      const m = test.meta(i);
      if (m.task === id && m.version.params === null) puzzleId = m.version.puzzleId;
    }
  }
  const input = encodeArcGrid(pair.input);
  const show = (t: ArrayLike<number>) => tokensToText(taskOrSpec(meta.taskSpec), t);
  return { example: { input, label: input.slice(), puzzleId }, show };
}

/** Runs the solve command; returns the exit code. */
export async function solveCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      checkpoint: { kind: "string" },
      backend: { kind: "choice", choices: BACKENDS },
      svg: { kind: "string" },
      help: { kind: "boolean" },
      trace: { kind: "boolean" },
      full: { kind: "boolean" },
    } as const,
  );
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags.checkpoint === undefined) throw new UsageError("--checkpoint DIR is required (see --help)");
  if (flags._.length !== 1) throw new UsageError("expected exactly one PUZZLE argument (see --help)");
  if (flags._[0]!.trim() === "") {
    throw new UsageError("PUZZLE: expected puzzle text or a file, got an empty argument");
  }
  if (await Deno.stat(flags._[0]!).then((s) => s.isDirectory, () => false)) {
    throw new UsageError(`PUZZLE: ${flags._[0]} is a folder; expected puzzle text or a file`);
  }
  if (flags.svg !== undefined) {
    const info = await Deno.stat(flags.svg).catch(() => null);
    if (info?.isDirectory) throw new UsageError(`--svg: ${flags.svg} is a folder; expected a file name`);
    const parent = flags.svg.includes("/") ? flags.svg.replace(/\/[^/]*$/, "") || "/" : ".";
    if (!await Deno.stat(parent).then((s) => s.isDirectory, () => false)) {
      throw new UsageError(`--svg: the folder ${parent} does not exist`);
    }
  }
  await initBackend(flags.backend ?? "wasm");
  using ckpt = await loadCheckpoint(flags.checkpoint);
  const model = ckpt.model;
  const arg = flags._[0]!;
  const { example, show } = ckpt.meta.taskSpec.name === "arc"
    ? await arcCodec(arg, ckpt.meta, flags.checkpoint)
    : codec(ckpt.meta.taskSpec, await readPuzzle(arg));
  const source = { spec: ckpt.meta.taskSpec, size: 1, example: () => example };
  const out = (s: string) => {
    // deno-lint-ignore no-console
    console.log(s);
  };
  const frames: { tokens: Int32Array; q: number; step: number }[] = [];
  const r = await evaluate(model, source, ckpt.puzzles, {
    batchSize: 1,
    earlyHalt: !flags.full,
    onStep: (step, p, q) => {
      frames.push({ tokens: p[0]!.slice(), q: q[0]!, step });
      if (flags.trace) {
        out(`step ${step}  halt p=${haltProbability(q[0]!).toFixed(3)}\n${show(p[0]!)}\n`);
      }
    },
  });
  if (flags.svg !== undefined) {
    await writeFileAtomic(flags.svg, traceSvg(taskOrSpec(ckpt.meta.taskSpec), example.input, frames));
  }

  const confidence = haltProbability(r.qHalt[0]!);
  out(show(r.predictions[0]!));
  out(
    `supervision steps: ${r.stepsUsed[0]} of ${model.config.supervision.maxSteps}; halting confidence ${
      confidence.toFixed(3)
    }`,
  );
  return 0;
}
