/**
 * The generic renderer: any task's tokens as a grid of coloured, numbered cells, for tasks without a
 * `render` hook. Plus the two conversions between a task's SVG document and a {@linkcode Panel}.
 *
 * @module
 */
import type { TaskSpec } from "../core/task.ts";
import type { Panel } from "./svg.ts";

/** Token colours of the generic grid (token 0, PAD, is white); cycles past 12 tokens. */
export const TOKEN_PALETTE: readonly string[] = [
  "#ffffff",
  "#90caf9",
  "#a5d6a7",
  "#ffe082",
  "#ef9a9a",
  "#ce93d8",
  "#80cbc4",
  "#ffcc80",
  "#b0bec5",
  "#f48fb1",
  "#c5e1a5",
  "#9fa8da",
];

/** Rows and columns of the generic grid for `seqLen` tokens: a square when L is one, else near-square. */
export function gridShape(seqLen: number): { readonly rows: number; readonly cols: number } {
  const side = Math.round(Math.sqrt(seqLen));
  if (side * side === seqLen) return { rows: side, cols: side };
  if (seqLen <= 32) return { rows: 1, cols: seqLen };
  const cols = Math.ceil(Math.sqrt(seqLen));
  return { rows: Math.ceil(seqLen / cols), cols };
}

/**
 * `tokens` of `spec`'s task as a grid of cells coloured by token and labelled with it; where `input`
 * is given, cells that differ from it get a thick outline (what the model filled in).
 *
 * @example
 * ```ts
 * import { tokenGridPanel } from "@recursive/trm/viz";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 5, numPuzzleIds: 1 };
 * const p = tokenGridPanel(spec, [3, 1, 2, 0, 9]);
 * if (p.width !== 5 * 24 || !p.body.includes(">9<")) throw new Error("one row of five");
 * ```
 */
export function tokenGridPanel(
  spec: TaskSpec,
  tokens: ArrayLike<number>,
  input?: ArrayLike<number>,
  cell = 24,
): Panel {
  const { rows, cols } = gridShape(spec.seqLen);
  let body = "";
  for (let i = 0; i < spec.seqLen; i++) {
    const t = tokens[i] ?? 0, r = Math.floor(i / cols), c = i % cols, x = c * cell, y = r * cell;
    const changed = input !== undefined && input[i] !== t;
    body += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${
      TOKEN_PALETTE[t % TOKEN_PALETTE.length]
    }" stroke="${changed ? "#000" : "#777"}" stroke-width="${changed ? 2 : 0.5}"/>`;
    body += `<text x="${x + cell / 2}" y="${y + cell * 0.68}" font-size="${
      cell * 0.5
    }" text-anchor="middle" font-family="monospace">${t}</text>`;
  }
  return { body, width: cols * cell, height: rows * cell };
}

/**
 * A panel as a standalone SVG document (what a task's `render` hook returns).
 *
 * @example
 * ```ts
 * import { panelFromSvg, svgDocument } from "@recursive/trm/viz";
 * const p = panelFromSvg(svgDocument({ body: "<rect/>", width: 10, height: 20 }));
 * if (p.width !== 10 || p.height !== 20) throw new Error("round trip");
 * ```
 */
export function svgDocument(panel: Panel): string {
  const { width: w, height: h } = panel;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${panel.body}</svg>`;
}

/**
 * A task's SVG document as a panel (nested as it is; its size from the root's `width`/`height`).
 * Throws a `RangeError` when the root element has no numeric width and height.
 */
export function panelFromSvg(svg: string): Panel {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const num = (attr: string) => Number(new RegExp(`\\s${attr}="([0-9.]+)`).exec(root)?.[1]);
  const width = num("width"), height = num("height");
  if (!(width > 0 && height > 0)) {
    throw new RangeError(
      `render: expected an <svg> document with numeric width and height, got "${root.slice(0, 80)}"`,
    );
  }
  return { body: svg.replace(/^\s*<\?xml[^>]*>/, ""), width, height };
}
