/**
 * Drawing a model's answers for one puzzle of any task from its tokens: one panel per supervision step,
 * shared by `deno task solve --svg` and the browser demo. A task's own `render` hook draws each panel;
 * tasks without one get the generic token grid. Each step's panel marks the cells that changed since the
 * previous step and, where the right answer is known, the cells that are wrong; the caption says whether
 * the answer is valid (the task's `validate`).
 *
 * @module
 */
import { IGNORE_LABEL, type Task, type TaskSpec } from "../core/task.ts";
import { gridShape, panelFromSvg, tokenGridPanel } from "./grid.ts";
import { type Panel, sideBySide } from "./svg.ts";

/** One supervision step's answer: its tokens and the halting logit. */
export interface TraceFrame {
  /** Supervision step (1-based). */
  readonly step: number;
  /** Predicted tokens. */
  readonly tokens: ArrayLike<number>;
  /** Halting logit q; the caption shows sigmoid(q). */
  readonly q: number;
  /** Whether this answer is a legal solution (the task's `validate`); shown in the caption when given. */
  readonly valid?: boolean;
}

/** What the viewer draws with: a task (its `render` hook, if any) or, deprecated, a bare spec. */
export type RenderTarget = TaskSpec | Pick<Task<unknown>, "spec" | "render">;

/** Cells to mark on one step's panel (1 = marked), position by position over the L tokens. */
export interface CellMarks {
  /** The token differs from the previous step's (step 1: from the puzzle's input). */
  readonly changed: Uint8Array;
  /** The token differs from the known answer (only when one was given). */
  readonly wrong?: Uint8Array;
}

/** Options of {@linkcode traceSvg}. */
export interface TraceOptions {
  /** The right answer's tokens, when known: cells that differ are marked wrong (IGNORE_LABEL: never). */
  readonly label?: ArrayLike<number>;
}

/** Box height of an N x N Sudoku: the largest divisor of N not above its square root (2 for 6x6). */
export function sudokuBoxRows(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (n % r !== 0) r--;
  return r;
}

/**
 * The panel for one token grid: the task's `render` hook, else the generic token grid. A bare spec
 * means no hooks: the generic grid.
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
 * `label` when it tells something the input does not: some supervised position differs from the input.
 * A task encoding a typed puzzle without its solution repeats the input as the label (Sudoku does), which
 * is no known answer; undefined then.
 *
 * @example
 * ```ts
 * import { knownLabel } from "@recursive/trm/viz";
 * if (knownLabel([1, 2], [1, 2]) !== undefined || knownLabel([1, 2], [1, 3])?.[1] !== 3) throw new Error("known");
 * ```
 */
export function knownLabel(
  input: ArrayLike<number>,
  label: ArrayLike<number>,
): ArrayLike<number> | undefined {
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== IGNORE_LABEL && label[i] !== input[i]) return label;
  }
  return undefined;
}

/**
 * The marks of every frame: changed versus the previous frame (the first versus `input`), and wrong
 * versus `label` when it is given.
 *
 * @example
 * ```ts
 * import { traceMarks } from "@recursive/trm/viz";
 * const m = traceMarks([1, 1, 1], [{ tokens: [1, 2, 1] }, { tokens: [1, 2, 3] }], [1, 2, 2]);
 * if (m[0]!.changed.join() !== "0,1,0" || m[1]!.changed.join() !== "0,0,1" || m[1]!.wrong!.join() !== "0,0,1") {
 *   throw new Error("marks");
 * }
 * ```
 */
export function traceMarks(
  input: ArrayLike<number>,
  frames: readonly Pick<TraceFrame, "tokens">[],
  label?: ArrayLike<number>,
): CellMarks[] {
  let previous = input;
  return frames.map((f) => {
    const L = f.tokens.length;
    const changed = Uint8Array.from({ length: L }, (_, i) => (f.tokens[i] !== previous[i] ? 1 : 0));
    previous = f.tokens;
    if (!label) return { changed };
    const wrong = Uint8Array.from(
      { length: L },
      (_, i) => (label[i] !== IGNORE_LABEL && label[i] !== undefined && f.tokens[i] !== label[i] ? 1 : 0),
    );
    return { changed, wrong };
  });
}

/**
 * Mark rectangles over a `rows x cols` layout of cells `w x h` pixels (a class per kind, for tests).
 * Over a picture: wrong cells tinted red, changed cells outlined orange. On a map (`filled`): solid
 * squares, red for wrong and orange for changed, which stay readable at a few pixels a cell.
 */
function markRects(marks: CellMarks, cols: number, w: number, h: number, filled = false): string {
  let body = "";
  const at = (i: number) => [(i % cols) * w, Math.floor(i / cols) * h] as const;
  const inset = Math.min(1.5, w / 6, h / 6);
  marks.changed.forEach((m, i) => {
    if (!m) return;
    const [x, y] = at(i);
    body += filled
      ? `<rect class="changed" x="${x}" y="${y}" width="${w}" height="${h}" fill="#ff9800"/>`
      : `<rect class="changed" x="${x + inset}" y="${y + inset}" width="${w - 2 * inset}" height="${
        h - 2 * inset
      }" fill="none" stroke="#ff9800" stroke-width="${2 * inset}"/>`;
  });
  marks.wrong?.forEach((m, i) => {
    if (!m) return;
    const [x, y] = at(i);
    // On a map a wrong cell that also changed keeps an orange border inside the red.
    body += filled
      ? `<rect class="wrong" x="${x + w / 4}" y="${y + h / 4}" width="${w / 2}" height="${
        h / 2
      }" fill="#c62828"/>`
      : `<rect class="wrong" x="${x}" y="${y}" width="${w}" height="${h}" fill="#e53935" ` +
        `fill-opacity="0.35" stroke="#c62828" stroke-width="1"/>`;
  });
  return body;
}

/** The `data-grid="ROWS COLS"` a task's SVG declares: its L tokens laid out row-major over the picture. */
function declaredGrid(svg: string): { rows: number; cols: number } | undefined {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const m = /\sdata-grid="(\d+) (\d+)"/.exec(root);
  return m ? { rows: Number(m[1]), cols: Number(m[2]) } : undefined;
}

/**
 * One step's panel with its marks. On the generic grid, and on a task picture that declares its cell
 * layout (`data-grid="ROWS COLS"` on its root `<svg>`), the marks are drawn over the cells; a picture
 * that does not (ARC crops the canvas to the grid) gets a small map of the marked cells beneath it.
 *
 * @example
 * ```ts
 * import { markedPanel } from "@recursive/trm/viz";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 4, numPuzzleIds: 1 };
 * const p = markedPanel(spec, [1, 2, 3, 4], [1, 2, 3, 3], { changed: Uint8Array.of(0, 0, 0, 1) });
 * if (p.body.split('class="changed"').length !== 2) throw new Error("one changed cell");
 * ```
 */
export function markedPanel(
  target: RenderTarget,
  tokens: ArrayLike<number>,
  input: ArrayLike<number>,
  marks: CellMarks,
): Panel {
  const spec = "spec" in target ? target.spec : target;
  const render = "spec" in target ? target.render : undefined;
  if (!render) {
    const base = tokenGridPanel(spec, tokens, input), { cols } = gridShape(spec.seqLen);
    return { ...base, body: base.body + markRects(marks, cols, 24, 24) };
  }
  const svg = render(Int32Array.from(tokens), Int32Array.from(input));
  const base = panelFromSvg(svg), grid = declaredGrid(svg);
  if (grid) {
    const over = markRects(marks, grid.cols, base.width / grid.cols, base.height / grid.rows);
    return { ...base, body: base.body + over };
  }
  const { rows, cols } = gridShape(spec.seqLen);
  const cell = Math.max(4, Math.min(12, Math.floor(Math.max(base.width, 120) / cols)));
  const y = base.height + 6;
  const map = `<g transform="translate(0,${y})"><rect width="${cols * cell}" height="${
    rows * cell
  }" fill="#fff" stroke="#999" stroke-width="0.5"/>${markRects(marks, cols, cell, cell, true)}</g>`;
  return {
    body: base.body + map,
    width: Math.max(base.width, cols * cell),
    height: y + rows * cell,
  };
}

/** The legend of the marks, as a panel of text lines. */
function legendPanel(withWrong: boolean): Panel {
  const lines: [string, string][] = [["#ff9800", "changed since the previous step"]];
  if (withWrong) lines.push(["#e53935", "wrong (differs from the known answer)"]);
  const body = lines.map(([colour, text], k) =>
    `<rect x="0" y="${k * 18}" width="12" height="12" fill="${colour}"/>` +
    `<text x="18" y="${k * 18 + 10}" font-size="11" font-family="sans-serif">${text}</text>`
  ).join("");
  return { body, width: 230, height: lines.length * 18 };
}

/** `panel` widened (centred) to fit `caption` (11 px sans-serif, about 6.2 px a character). */
function fitCaption(panel: Panel, caption: string): Panel {
  const need = Math.ceil(caption.length * 6.2);
  if (need <= panel.width) return panel;
  const dx = (need - panel.width) / 2;
  return { ...panel, body: `<g transform="translate(${dx},0)">${panel.body}</g>`, width: need };
}

/** A frame's caption: step, halting probability, and validity when known. */
export function frameCaption(f: TraceFrame, of?: number): string {
  const valid = f.valid === undefined ? "" : f.valid ? ", valid" : ", invalid";
  return `step ${f.step}${of ? ` of ${of}` : ""}, p=${haltProbability(f.q).toFixed(2)}${valid}`;
}

/**
 * An SVG document: the puzzle, then the answer after every supervision step with its halting probability
 * (and validity, when the frames carry it), changed and wrong cells marked, and a legend.
 *
 * @example
 * ```ts
 * import { traceSvg } from "@recursive/trm/viz";
 * const spec = { name: "maze", vocabSize: 6, seqLen: 4, numPuzzleIds: 1 };
 * const svg = traceSvg(spec, [1, 2, 3, 4], [{ step: 1, tokens: [1, 5, 3, 4], q: 0, valid: false }], { label: [1, 2, 3, 5] });
 * if (!svg.includes("step 1, p=0.50, invalid")) throw new Error("caption");
 * if (svg.split('class="changed"').length !== 2 || svg.split('class="wrong"').length !== 3) throw new Error("marks");
 * ```
 */
export function traceSvg(
  target: RenderTarget,
  input: ArrayLike<number>,
  frames: readonly TraceFrame[],
  options: TraceOptions = {},
): string {
  const marks = traceMarks(input, frames, options.label);
  return sideBySide([
    { panel: taskPanel(target, input, input), caption: "puzzle" },
    ...frames.map((f, k) => {
      const caption = frameCaption(f);
      return { panel: fitCaption(markedPanel(target, f.tokens, input, marks[k]!), caption), caption };
    }),
    ...(frames.length ? [{ panel: legendPanel(options.label !== undefined), caption: "" }] : []),
  ]);
}
