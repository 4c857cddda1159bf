/**
 * Drawing a model's answers for one puzzle of a paper task (Sudoku, maze, ARC) from its tokens: one panel
 * per supervision step, shared by `deno task solve --svg` and the browser demo.
 *
 * @module
 */
import type { TaskSpec } from "../core/task.ts";
import { decodeArcGrid } from "../tasks/arc/tokenizer.ts";
import { ARC_PALETTE, colourGrid, MAZE_PALETTE, type Panel, sideBySide, sudokuPanel } from "./svg.ts";

/** One supervision step's answer: its tokens and the halting logit. */
export interface TraceFrame {
  /** Supervision step (1-based). */
  readonly step: number;
  /** Predicted tokens. */
  readonly tokens: ArrayLike<number>;
  /** Halting logit q; the caption shows sigmoid(q). */
  readonly q: number;
}

/** Box height of an N x N Sudoku: the largest divisor of N not above its square root (2 for 6x6). */
export function sudokuBoxRows(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (n % r !== 0) r--;
  return r;
}

/**
 * The panel for one token grid of `spec`'s task: a Sudoku board (givens from `input` in black), an ARC
 * grid in the standard palette (padding and end markers cut off), or a maze.
 *
 * @example
 * ```ts
 * import { taskPanel } from "@recursive/trm/viz";
 * const spec = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
 * const input = Int32Array.from({ length: 16 }, (_, i) => (i === 0 ? 2 : 1)); // a 1 in the corner
 * const p = taskPanel(spec, input.map((v) => v + 1), input);
 * if (!p.body.includes(">1<") || !p.body.includes(">2<")) throw new Error("digits");
 * ```
 */
export function taskPanel(spec: TaskSpec, tokens: ArrayLike<number>, input: ArrayLike<number>): Panel {
  const side = Math.round(Math.sqrt(spec.seqLen));
  if (spec.name === "sudoku") {
    const br = sudokuBoxRows(side);
    return sudokuPanel(
      Array.from(tokens, (v) => v - 1),
      side,
      br,
      side / br,
      Array.from(input, (v) => v - 1),
    );
  }
  if (spec.name === "arc") {
    const g = decodeArcGrid(tokens);
    // An answer that starts with an end marker decodes to an empty grid: draw a marked blank cell.
    if (g.height === 0 || g.width === 0) return colourGrid(1, 1, [0], ["#ffffff"], 24);
    return colourGrid(g.height, g.width, g.data, ARC_PALETTE, 12);
  }
  return colourGrid(side, side, tokens, MAZE_PALETTE, 12);
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
export function traceSvg(spec: TaskSpec, input: ArrayLike<number>, frames: readonly TraceFrame[]): string {
  return sideBySide([
    { panel: taskPanel(spec, input, input), caption: "puzzle" },
    ...frames.map((f) => ({
      panel: taskPanel(spec, f.tokens, input),
      caption: `step ${f.step}, p=${haltProbability(f.q).toFixed(2)}`,
    })),
  ]);
}
