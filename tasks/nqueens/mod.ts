/**
 * The N-Queens completion task (not in the paper): an N x N board with some queens given, to be completed
 * to N non-attacking queens (the givens admit exactly one completion). Tokens: PAD 0, empty 1, queen 2.
 * Built in as `--task nqueens`; also a worked example of a task plugin written against the task interface.
 *
 * @example
 * ```ts
 * import { generateQueensSet, queensTask } from "@recursive/trm/tasks/nqueens";
 * const task = queensTask(8);
 * const [p] = generateQueensSet(0, 1, 8);
 * const ex = task.encode(p!);
 * if (ex.input.length !== 64 || !task.validate(p!, { n: 8, givens: p!.solution! })) throw new Error("8x8");
 * ```
 * @module
 */
export {
  allQueenSolutions,
  generateQueens,
  generateQueensSet,
  isQueensSolution,
  type QueensPuzzle,
  type QueensTask,
  queensTask,
  queensTestSource,
  queensTrainSource,
} from "./nqueens.ts";
export { default } from "./nqueens.ts";
