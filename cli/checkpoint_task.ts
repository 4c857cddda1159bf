/**
 * What `eval` and `solve` need from a checkpoint besides its weights: the task plugin it was trained on
 * (`--task` overrides; else the specifier its recipe records; else the built-in task of its spec's name),
 * and the held-out data its run was evaluated on (a preset's own pipeline, or the task's data hooks).
 *
 * @module
 */
import { type EvaluateResult, type Task, taskData, type TaskSpec, type TestSource } from "../core/mod.ts";
import type { CheckpointMeta } from "../io/mod.ts";
import { BUILTIN_TASKS, loadTaskPlugin } from "../tasks/builtin.ts";
import { prepareData } from "./data.ts";
import { presetByName } from "./flags.ts";
import { dataOptionsOf } from "./recipe.ts";
import { type FlagTable, UsageError } from "./schema.ts";

/** The `--task` flag of `eval`, `solve` and `serve` (the same spelling as `train`'s). */
export const TASK_FLAG = { task: { kind: "string" } } as const satisfies FlagTable;

/** One line of help for `--task`. */
export const TASK_HELP: string =
  `--task SPECIFIER  the task plugin: a built-in name (${
    Object.keys(BUILTIN_TASKS).join(", ")
  }) or a module\n` +
  "                  (./my_task.ts, file:, npm:, jsr:) whose default export is a Task; default: the one the\n" +
  "                  checkpoint records";

/** The task specifier of a checkpoint: `--task`, else its recipe's, else its spec's name. */
export function taskSpecifier(meta: CheckpointMeta, override?: string): string {
  return override ?? meta.recipe?.task ?? meta.taskSpec.name;
}

/**
 * Loads the task plugin for a checkpoint and checks that its shape is the checkpoint's; every failure
 * (no such built-in, a module that does not load or has no task export, another V or L) is one
 * {@linkcode UsageError} line naming where the specifier came from.
 */
export async function checkpointTask(
  meta: CheckpointMeta,
  override: string | undefined,
  file: string,
): Promise<Task<unknown>> {
  const specifier = taskSpecifier(meta, override);
  const where = override !== undefined ? `--task ${specifier}` : `${file}: task "${specifier}"`;
  let task: Task<unknown>;
  try {
    task = await loadTaskPlugin(specifier, meta.taskSpec);
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    throw new UsageError(
      `${where}: cannot load it (${why}); expected a built-in task (${
        Object.keys(BUILTIN_TASKS).join(", ")
      }) or a module whose default export is a Task${override === undefined ? " (pass --task)" : ""}`,
    );
  }
  const a = task.spec, b = meta.taskSpec;
  if (a.vocabSize !== b.vocabSize || a.seqLen !== b.seqLen) {
    throw new UsageError(
      `${where}: the task has vocabulary ${a.vocabSize} and length ${a.seqLen}, the checkpoint's model ` +
        `${b.vocabSize} and ${b.seqLen}`,
    );
  }
  return task;
}

/** A run's held-out data, as `train` built it. */
export interface HeldOut {
  /** The spec of the data. */
  readonly spec: TaskSpec;
  /** Held-out examples. */
  readonly test: TestSource;
  /** Task-specific summary fields (maze path validity, ARC pass@k and its submission file). */
  readonly report?: (result: EvaluateResult, outDir: string) => Promise<Record<string, unknown>>;
}

/** Options of {@linkcode heldOutData}. */
export interface HeldOutOptions {
  /** `--data`: read this instead of the recorded data. */
  readonly data?: string | undefined;
  /** ARC: keep votes across evaluations. */
  readonly aggregateVotes?: boolean;
  /** ARC: versions of each test task (1 = the original only). */
  readonly testVersions?: number;
}

/**
 * The held-out set the checkpoint's run was evaluated on, rebuilt from its recipe and seed: a preset's
 * data pipeline when the run had a preset, else the task's own hooks (`taskData`, as `train --task`).
 */
export async function heldOutData(
  meta: CheckpointMeta,
  task: Task<unknown>,
  file: string,
  options: HeldOutOptions = {},
): Promise<HeldOut> {
  const recipe = meta.recipe;
  if (!recipe) throw new UsageError(`${file}: no run recipe recorded; evaluate it from the library API`);
  const saved = dataOptionsOf(recipe, file);
  const path = options.data ?? saved.data;
  if (recipe.preset) {
    return await prepareData(presetByName(recipe.preset), {
      ...saved,
      data: path,
      seed: meta.seed,
      aggregateVotes: options.aggregateVotes === true,
      ...(options.testVersions ? { testVersions: options.testVersions } : {}),
    });
  }
  const data = await taskData(task, {
    seed: meta.seed,
    trainSize: saved.trainSize,
    testSize: saved.testSize,
    ...(path !== undefined ? { path } : {}),
  });
  return { spec: task.spec, test: data.test };
}
