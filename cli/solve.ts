/**
 * `deno task solve --checkpoint DIR PUZZLE`: solves one puzzle given inline or as a file, through the
 * checkpoint's task plugin (`--task` overrides it): the task's `parse` reads the puzzle (and refuses an
 * inconsistent one), `predict` answers it with early halting, `format` prints the answer and `validate`
 * says whether it is a legal solution that keeps the givens. `--trace` prints the answer after every
 * supervision step; `--svg FILE` draws them, changed and wrong cells marked.
 *
 * @module
 */
import { BACKENDS, type Example, initBackend, predict, type Task } from "../core/mod.ts";
import { loadCheckpoint, writeFileAtomic } from "../io/mod.ts";
import { knownLabel, type TraceFrame, traceMarks, traceSvg } from "../viz/mod.ts";
import { tokensToText } from "../viz/mod.ts";
import { type FlagTable, parseFlags, UsageError } from "./schema.ts";
import { checkpointTask, heldOutData, TASK_FLAG, TASK_HELP } from "./checkpoint_task.ts";
import { pretrainedFor, pretrainedModels } from "../tasks/pretrained.ts";
import { loadTaskPlugin } from "../tasks/builtin.ts";

const HELP = `Solve one puzzle with a trained checkpoint.

Usage: deno task solve [--checkpoint DIR | --model NAME] [--task SPECIFIER] [--halt-threshold P | --full] [--trace]
                       [--svg FILE] [--backend NAME] PUZZLE

Without --checkpoint a model shipped in the package solves it: --model NAME, else the first shipped model of
--task (or of any task) whose parse reads the puzzle. Shipped: ${
  pretrainedModels().map((c) => c.name).join(", ")
}.

PUZZLE is inline text or a file, read by the task's parse hook; for the built-in tasks:
  sudoku   N*N characters, digits with '.' or '0' for blanks (81 for 9x9, 16 for 4x4), e.g. 1.3.3..2.1..4..1
  maze     size lines of "# SG" characters (or one line of size*size characters)
  arc      a task JSON file (its first test input is solved, with the task's learned puzzle embedding
           when the checkpoint's run had this task in its test set), or rows of colours 0-9
  nqueens  N lines of N characters, 'Q' a queen and '.' an empty cell
A puzzle whose givens break the task's rules is refused (exit 2).
${TASK_HELP}
--halt-threshold P  stop at the first supervision step whose halting probability exceeds P (default 0.5)
--full            run all N_sup supervision steps (no early halting)
--trace           print the answer after every supervision step
--svg FILE        draw the puzzle and the answer after every supervision step (changed and wrong cells
                  marked, with the halting probability and validity)
`;

const SOLVE_FLAGS = {
  checkpoint: { kind: "string" },
  model: { kind: "string" },
  ...TASK_FLAG,
  backend: { kind: "choice", choices: BACKENDS },
  svg: { kind: "string" },
  "halt-threshold": { kind: "number", min: 0, max: 1 },
  help: { kind: "boolean" },
  trace: { kind: "boolean" },
  full: { kind: "boolean" },
} as const satisfies FlagTable;

/**
 * The shipped model that solves `text` when no checkpoint is given: `--model NAME`, else the first shipped
 * model of `--task` (or of any built-in task) whose task's parse reads the puzzle.
 */
async function shippedModel(model: string | undefined, task: string | undefined, text: string): Promise<URL> {
  const all = pretrainedModels();
  const names = all.map((c) => c.name).join(", ");
  if (model !== undefined) {
    const url = all.some((c) => c.name === model) ? pretrainedFor(model) : undefined;
    if (!url) throw new UsageError(`--model: no shipped model "${model}"; shipped: ${names}`);
    return url;
  }
  const cards = all.filter((c) => task === undefined || c.task === task);
  if (cards.length === 0) {
    throw new UsageError(
      `--task ${task}: no model of it is shipped (shipped: ${names}); pass --checkpoint DIR`,
    );
  }
  const why: string[] = [];
  for (const card of cards) {
    try {
      (await loadTaskPlugin(card.task, card.taskSpec)).parse?.(text);
      return pretrainedFor(card.name)!;
    } catch (e) {
      why.push(`${card.name}: ${(e as Error).message}`);
    }
  }
  throw new UsageError(`no --checkpoint given and no shipped model reads this puzzle (${why.join("; ")})`);
}

async function readPuzzle(arg: string): Promise<string> {
  try {
    return await Deno.readTextFile(arg);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return arg;
    throw e;
  }
}

/** Throws a one-line {@linkcode UsageError} unless `path` can be written as a file. */
async function checkOutputFile(path: string, flag: string): Promise<void> {
  const info = await Deno.stat(path).catch(() => null);
  if (info?.isDirectory) throw new UsageError(`${flag}: ${path} is a folder; expected a file name`);
  const parent = path.includes("/") ? path.replace(/\/[^/]*$/, "") || "/" : ".";
  if (!await Deno.stat(parent).then((s) => s.isDirectory, () => false)) {
    throw new UsageError(`${flag}: the folder ${parent} does not exist`);
  }
}

const cells = (n: number) => `${n} cell${n === 1 ? "" : "s"}`;

/** Whether `answer` is a legal solution of `input` by the task's own rules; undefined without `validate`. */
function validity(task: Task<unknown>, input: Int32Array, answer: Int32Array): boolean | undefined {
  return task.validate ? task.validate(task.decode(input), task.decode(answer)) : undefined;
}

/**
 * The puzzle identifier (and the known answer) the run learned for this very input: with more than the
 * blank identifier, the held-out example with the same input tokens (an ARC test task's original version).
 */
async function learnedIdentity(
  ckpt: Awaited<ReturnType<typeof loadCheckpoint>>,
  task: Task<unknown>,
  example: Example,
  file: string,
): Promise<{ puzzleId: number; label?: Int32Array } | undefined> {
  if (ckpt.meta.taskSpec.numPuzzleIds <= 1 || example.puzzleId !== 0 || !ckpt.meta.recipe) return undefined;
  const { test } = await heldOutData(ckpt.meta, task, file, { testVersions: 1 });
  for (let i = 0; i < test.size; i++) {
    const ex = test.example(i);
    if (ex.input.length === example.input.length && ex.input.every((t, k) => t === example.input[k])) {
      return { puzzleId: ex.puzzleId, label: ex.label };
    }
  }
  return undefined;
}

/** Runs the solve command; returns the exit code. */
export async function solveCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, SOLVE_FLAGS);
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  if (flags.checkpoint !== undefined && flags.model !== undefined) {
    throw new UsageError("--checkpoint and --model: give one of them");
  }
  if (flags._.length !== 1) throw new UsageError("expected exactly one PUZZLE argument (see --help)");
  const arg = flags._[0]!;
  if (arg.trim() === "") {
    throw new UsageError("PUZZLE: expected puzzle text or a file, got an empty argument");
  }
  if (await Deno.stat(arg).then((s) => s.isDirectory, () => false)) {
    throw new UsageError(`PUZZLE: ${arg} is a folder; expected puzzle text or a file`);
  }
  if (flags.full && flags["halt-threshold"] !== undefined) {
    throw new UsageError("--full and --halt-threshold: give one of them (--full never halts early)");
  }
  if (flags.svg !== undefined) await checkOutputFile(flags.svg, "--svg");
  await initBackend(flags.backend ?? "wasm");
  const source = flags.checkpoint ??
    await shippedModel(flags.model, flags.task, (await readPuzzle(arg)).replace(/^[\r\n]+|[\r\n]+$/g, ""));
  using ckpt = await loadCheckpoint(source);
  const file = typeof source === "string"
    ? `${source.replace(/\/$/, "")}/meta.json`
    : new URL("meta.json", source).pathname;
  const task = await checkpointTask(ckpt.meta, flags.task, file);
  const name = task.spec.name;
  if (!task.parse) {
    throw new UsageError(`the ${name} task has no parse hook: it cannot read a puzzle from text`);
  }
  // Only line breaks are trimmed: a maze row may start with an open cell, a space. The task's parse
  // refuses malformed and inconsistent puzzles with one DataError line (exit 2).
  const text = (await readPuzzle(arg)).replace(/^[\r\n]+|[\r\n]+$/g, "");
  const example = task.encode(task.parse(text));
  const input = example.input;
  const learned = await learnedIdentity(ckpt, task, example, file);
  const label = learned?.label ? knownLabel(input, learned.label) : knownLabel(input, example.label);
  const maxSteps = ckpt.model.config.supervision.maxSteps;
  const threshold = flags.full ? null : flags["halt-threshold"];
  const [p] = await predict(ckpt.model, ckpt.puzzles, [{ input, puzzleId: learned?.puzzleId ?? 0 }], {
    batchSize: 1,
    trace: true,
    ...(threshold !== undefined ? { haltThreshold: threshold } : {}),
  });
  const out = (s: string) => {
    // deno-lint-ignore no-console
    console.log(s);
  };
  const show = (t: ArrayLike<number>) => tokensToText(task, t);
  // Every step was read back (trace), so each has its halting probability; logit for the viewer's q.
  const frames: TraceFrame[] = p!.trace!.map((tokens, k) => {
    const prob = p!.haltProbabilities[k]!;
    const valid = validity(task, input, tokens);
    return {
      step: k + 1,
      tokens,
      q: k === p!.steps - 1 ? p!.margin : Math.log(prob / (1 - prob)),
      ...(valid !== undefined ? { valid } : {}),
    };
  });
  if (flags.trace) {
    const marks = traceMarks(input, frames, label);
    frames.forEach((f, k) => {
      const changed = marks[k]!.changed.reduce((a, b) => a + b, 0);
      const wrong = marks[k]!.wrong ? `, ${marks[k]!.wrong!.reduce((a, b) => a + b, 0)} wrong` : "";
      const valid = f.valid === undefined ? "" : f.valid ? ", valid" : ", invalid";
      out(
        `step ${f.step}  halt p=${p!.haltProbabilities[k]!.toFixed(3)}  ${
          cells(changed)
        } changed${wrong}${valid}`,
      );
      out(`${show(f.tokens)}\n`);
    });
  }
  if (flags.svg !== undefined) {
    await writeFileAtomic(flags.svg, traceSvg(task, input, frames, label ? { label } : {}));
  }
  out(show(p!.answer));
  const valid = validity(task, input, p!.answer);
  out(
    valid === undefined
      ? `valid: unknown (the ${name} task has no validate hook)`
      : `valid: ${valid ? "yes" : "no"} (the ${name} task's validate: ${
        valid ? "a legal solution that keeps the givens" : "breaks a rule or a given"
      })`,
  );
  if (label) {
    const wrong = traceMarks(input, [{ tokens: p!.answer }], label)[0]!.wrong!.reduce((a, b) => a + b, 0);
    out(`known answer: ${wrong === 0 ? "matched" : `${cells(wrong)} differ`}`);
  }
  if (learned) out(`puzzle identifier: ${learned.puzzleId} (the one the run learned for this puzzle)`);
  const halting = threshold === null ? "all steps run (--full)" : `early halting at p > ${threshold ?? 0.5}`;
  out(
    `supervision steps: ${p!.steps} of ${maxSteps} (${halting}); halting probability ${
      p!.haltProbabilities[p!.steps - 1]!.toFixed(3)
    }`,
  );
  return 0;
}
