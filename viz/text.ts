/**
 * Puzzles as text, both ways, through a task's `parse` and `format` hooks: what a user types into
 * tokens, and an answer's tokens back into text. Shared by `deno task solve` and the browser demo.
 *
 * @module
 */
import { DataError, type Task, type TaskSpec } from "../core/task.ts";
import { gridShape } from "./grid.ts";

/**
 * A task (its hooks) or a bare spec (no hooks: token rows). viz imports no task: callers that hold only a
 * checkpoint's spec look the task up (`builtinTask(spec)` from `@recursive/trm/tasks`).
 */
export type TextTarget = TaskSpec | Task<unknown>;

const taskOf = (t: TextTarget): Task<unknown> | undefined => ("encode" in t ? t : undefined);
const specOf = (t: TextTarget): TaskSpec => ("encode" in t ? t.spec : t);

/**
 * Input tokens of a puzzle typed by a user, through the task's `parse` hook (then `encode`). Throws a
 * {@linkcode DataError} when the task has no `parse` or the text is bad.
 *
 * @example
 * ```ts
 * import { puzzleFromText } from "@recursive/trm/viz";
 * import { sudokuTask } from "@recursive/trm/tasks/sudoku";
 * const t = puzzleFromText(sudokuTask({ boxRows: 2, boxCols: 2 }), "1.3.\n3..2\n.1..\n4..1");
 * if (t[0] !== 2 || t[1] !== 1 || t.length !== 16) throw new Error("tokens");
 * ```
 */
export function puzzleFromText(target: TextTarget, text: string): Int32Array {
  const task = taskOf(target);
  if (!task?.parse) throw new DataError(`puzzle: cannot read a ${specOf(target).name} puzzle from text`);
  return task.encode(task.parse(text)).input;
}

/**
 * Tokens as text: the task's `format` of the decoded tokens, else rows of token numbers.
 *
 * @example
 * ```ts
 * import { tokensToText } from "@recursive/trm/viz";
 * import { sudokuTask } from "@recursive/trm/tasks/sudoku";
 * if (tokensToText(sudokuTask({ boxRows: 2, boxCols: 2 }), [2, 3, 3, 2, 3, 2, 2, 3, 2, 3, 3, 2, 3, 2, 2, 3]).split("\n").length !== 4) throw new Error("text");
 * ```
 */
export function tokensToText(target: TextTarget, tokens: ArrayLike<number>): string {
  const task = taskOf(target);
  if (task?.format) return task.format(task.decode(Int32Array.from(tokens)));
  const { rows, cols } = gridShape(specOf(target).seqLen);
  return Array.from({ length: rows }, (_, r) => Array.from(tokens).slice(r * cols, (r + 1) * cols).join(" "))
    .join("\n");
}
