/**
 * Drawing a model's answers for one puzzle of any task from its tokens: one panel per supervision step,
 * shared by `deno task solve --svg` and the browser demo. A task's own `render` hook draws each panel;
 * tasks without one get the generic token grid.
 *
 * @module
 */
import type { Task, TaskSpec } from "../core/task.ts";
import { panelFromSvg, tokenGridPanel } from "./grid.ts";
import { type Panel, sideBySide } from "./svg.ts";

/** One supervision step's answer: its tokens and the halting logit. */
export interface TraceFrame {
  /** Supervision step (1-based). */
  readonly step: number;
  /** Predicted tokens. */
  readonly tokens: ArrayLike<number>;
  /** Halting logit q; the caption shows sigmoid(q). */
  readonly q: number;
}

/** What the viewer draws with: a task (its `render` hook, if any) or, deprecated, a bare spec. */
export type RenderTarget = TaskSpec | Pick<Task<unknown>, "spec" | "render">;

/** Box height of an N x N Sudoku: the largest divisor of N not above its square root (2 for 6x6). */
export function sudokuBoxRows(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (n % r !== 0) r--;
  return r;
}

/**
 * The panel for one token grid: the task's `render` hook, else the generic token grid. A bare spec
 * (the v0.2 call) is drawn by the built-in task of that name when there is one; pass the task instead.
 *
 * @example
 * ```ts
 * import { taskPanel } from "@recursive/trm/viz";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 4, numPuzzleIds: 1 };
 * const task = { spec, render: () => '<svg width="7" height="9"><circle/></svg>' };
 * if (taskPanel(task, [1, 2, 3, 4], [1, 2, 3, 4]).width !== 7) throw new Error("the task's renderer");
 * if (!taskPanel(spec, [1, 2, 3, 4], [4, 3, 2, 1]).body.includes(">4<")) throw new Error("generic grid");
 * ```
 */
export function taskPanel(target: RenderTarget, tokens: ArrayLike<number>, input: ArrayLike<number>): Panel {
  const task = "spec" in target ? target : undefined; // a bare spec: the generic grid
  const spec = "spec" in target ? target.spec : target;
  if (task?.render) return panelFromSvg(task.render(Int32Array.from(tokens), Int32Array.from(input)));
  return tokenGridPanel(spec, tokens, input);
}

/** Halting probability sigmoid(q). */
export function haltProbability(q: number): number {
  return 1 / (1 + Math.exp(-q));
}

/**
 * An SVG document: the puzzle, then the answer after every supervision step with its halting probability.
 *
 * @example
 * ```ts
 * import { traceSvg } from "@recursive/trm/viz";
 * const spec = { name: "maze", vocabSize: 6, seqLen: 4, numPuzzleIds: 1 };
 * const svg = traceSvg(spec, [1, 2, 3, 4], [{ step: 1, tokens: [1, 5, 3, 4], q: 0 }]);
 * if (!svg.includes("step 1, p=0.50")) throw new Error("caption");
 * ```
 */
export function traceSvg(
  target: RenderTarget,
  input: ArrayLike<number>,
  frames: readonly TraceFrame[],
): string {
  return sideBySide([
    { panel: taskPanel(target, input, input), caption: "puzzle" },
    ...frames.map((f) => ({
      panel: taskPanel(target, f.tokens, input),
      caption: `step ${f.step}, p=${haltProbability(f.q).toFixed(2)}`,
    })),
  ]);
}
