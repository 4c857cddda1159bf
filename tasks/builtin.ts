/**
 * The built-in tasks by name, rebuilt from a checkpoint's task spec: what `--task sudoku` (or a
 * checkpoint without a task specifier) means. A table, so the CLI, the viewer and the page never switch
 * on task names; a module specifier instead names any task plugin (see {@linkcode loadTaskPlugin}).
 *
 * @module
 */
import { DataError, type Task, type TaskSpec } from "@recursive/trm/core";
import { sudokuTask } from "./sudoku/sudoku.ts";
import { mazeTask } from "./maze/maze.ts";
import { arcTask } from "./arc/task.ts";
import { queensTask } from "./nqueens/nqueens.ts";

/** Box height of an N x N Sudoku: the largest divisor of N not above its square root (2 for 6x6). */
function boxRows(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (n % r !== 0) r--;
  return r;
}

/** Built-in task factories: the task for a spec of that name (its shape read from the spec). */
export const BUILTIN_TASKS: Readonly<Record<string, (spec?: TaskSpec) => Task<unknown>>> = {
  sudoku: (spec) => {
    const n = spec ? spec.vocabSize - 2 : 9, r = boxRows(n);
    return sudokuTask({ boxRows: r, boxCols: n / r }) as Task<unknown>;
  },
  maze: (spec) => mazeTask({ size: spec ? Math.round(Math.sqrt(spec.seqLen)) : 30 }) as Task<unknown>,
  arc: (spec) => arcTask(spec?.numPuzzleIds ?? 1) as Task<unknown>,
  nqueens: (spec) => queensTask(spec ? Math.round(Math.sqrt(spec.seqLen)) : 8) as Task<unknown>,
};

/**
 * The built-in task for `spec` (by its name), or undefined for a task outside the library.
 *
 * @example
 * ```ts
 * import { builtinTask } from "@recursive/trm/tasks";
 * const t = builtinTask({ name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 });
 * if (t?.spec.seqLen !== 16 || !t.parse) throw new Error("4x4 Sudoku");
 * ```
 */
export function builtinTask(spec: TaskSpec): Task<unknown> | undefined {
  return Object.hasOwn(BUILTIN_TASKS, spec.name) ? BUILTIN_TASKS[spec.name]!(spec) : undefined;
}

/**
 * The built-in task of `spec`, or `spec` itself when there is none (viz then draws plain token grids):
 * what a caller holding only a checkpoint's spec passes to viz.
 *
 * @example
 * ```ts
 * import { taskOrSpec } from "@recursive/trm/tasks";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 4, numPuzzleIds: 1 };
 * if (taskOrSpec(spec) !== spec) throw new Error("no built-in task named sort");
 * ```
 */
export function taskOrSpec(spec: TaskSpec): Task<unknown> | TaskSpec {
  return builtinTask(spec) ?? spec;
}

/**
 * A task specifier as checkpoints record it and `import` takes it: a built-in name or a URL (`file:`,
 * `npm:`, `jsr:`, `https:`) as it is, a path as an absolute `file:` URL (relative to the working directory),
 * so a checkpoint reloads its task from anywhere.
 *
 * @example
 * ```ts
 * import { resolveTaskSpecifier } from "@recursive/trm/tasks";
 * if (resolveTaskSpecifier("sudoku") !== "sudoku") throw new Error("a built-in name stays");
 * if (!resolveTaskSpecifier("./my_task.ts").startsWith("file:///")) throw new Error("a path becomes a URL");
 * ```
 */
export function resolveTaskSpecifier(specifier: string): string {
  if (Object.hasOwn(BUILTIN_TASKS, specifier) || /^[a-z]+:/.test(specifier)) return specifier;
  return new URL(specifier, `file://${Deno.cwd()}/`).href;
}

/**
 * A task plugin from a specifier: a built-in name (`sudoku`, `maze`, `arc`, `nqueens`), or a module (file path,
 * `file:`, `npm:`, `jsr:`, `https:`) whose default export is a task, or a function of the checkpoint's
 * spec returning one. Throws a `DataError` with one line when the module has no such export.
 */
export async function loadTaskPlugin(specifier: string, spec?: TaskSpec): Promise<Task<unknown>> {
  if (Object.hasOwn(BUILTIN_TASKS, specifier)) return BUILTIN_TASKS[specifier]!(spec);
  const mod = await import(resolveTaskSpecifier(specifier));
  const value = typeof mod.default === "function" ? mod.default(spec) : mod.default;
  if (!value || typeof value.encode !== "function" || typeof value.spec?.seqLen !== "number") {
    throw new DataError(
      `--task ${specifier}: expected a default export that is a Task (spec, encode, decode)`,
    );
  }
  return value as Task<unknown>;
}
