/**
 * SVG renderers that need no DOM: ARC grids (the standard 10-colour palette), Sudoku boards, mazes, the
 * answer after each supervision step side by side (training curves: `curves.ts`).
 *
 * @module
 */

/** The standard ARC palette, colour 0..9. */
export const ARC_PALETTE: readonly string[] = [
  "#000000",
  "#0074D9",
  "#FF4136",
  "#2ECC40",
  "#FFDC00",
  "#AAAAAA",
  "#F012BE",
  "#FF851B",
  "#7FDBFF",
  "#870C25",
];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A drawn panel: SVG elements and their size. */
export interface Panel {
  /** SVG markup (elements only, no `<svg>` wrapper). */
  readonly body: string;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/**
 * A grid of colour indices as cells of `cell` pixels.
 *
 * @example
 * ```ts
 * import { colourGrid } from "@recursive/trm/viz";
 * const p = colourGrid(1, 2, [0, 1], ["#000", "#fff"]);
 * if (!p.body.includes("#fff") || p.width !== 32) throw new Error("drawn");
 * ```
 */
export function colourGrid(
  height: number,
  width: number,
  values: ArrayLike<number>,
  palette: readonly string[],
  cell = 16,
): Panel {
  let body = "";
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const fill = palette[values[r * width + c]!] ?? "#ff00ff";
      body += `<rect x="${c * cell}" y="${
        r * cell
      }" width="${cell}" height="${cell}" fill="${fill}" stroke="#555" stroke-width="0.5"/>`;
    }
  }
  return { body, width: width * cell, height: height * cell };
}

/**
 * A Sudoku board: digits (0 = blank), givens in black and filled cells in blue, box lines thicker.
 *
 * @example
 * ```ts
 * import { sudokuPanel } from "@recursive/trm/viz";
 * const p = sudokuPanel([1, 0, 0, 2], 2, 1, 1, [1, 0, 0, 0]);
 * if (!p.body.includes(">1<") || !p.body.includes("#1565c0")) throw new Error("digits");
 * ```
 */
export function sudokuPanel(
  values: ArrayLike<number>,
  n: number,
  boxRows: number,
  boxCols: number,
  givens?: ArrayLike<number>,
  cell = 28,
): Panel {
  let body = `<rect width="${n * cell}" height="${n * cell}" fill="#fff"/>`;
  for (let i = 0; i < n * n; i++) {
    const v = values[i]!, r = Math.floor(i / n), c = i % n;
    if (v <= 0) continue;
    const given = givens ? givens[i]! > 0 : true;
    body += `<text x="${c * cell + cell / 2}" y="${r * cell + cell * 0.7}" font-size="${
      cell * 0.6
    }" text-anchor="middle" font-family="sans-serif" fill="${given ? "#000" : "#1565c0"}">${
      v.toString(36)
    }</text>`;
  }
  for (let k = 0; k <= n; k++) {
    const wr = k % boxRows === 0 ? 2 : 0.5, wc = k % boxCols === 0 ? 2 : 0.5;
    body += `<line x1="0" y1="${k * cell}" x2="${n * cell}" y2="${
      k * cell
    }" stroke="#000" stroke-width="${wr}"/>`;
    body += `<line x1="${k * cell}" y1="0" x2="${k * cell}" y2="${
      n * cell
    }" stroke="#000" stroke-width="${wc}"/>`;
  }
  return { body, width: n * cell, height: n * cell };
}

/** Maze token colours: PAD, wall, open, start, goal, path. */
export const MAZE_PALETTE: readonly string[] = [
  "#ffffff",
  "#263238",
  "#eceff1",
  "#2e7d32",
  "#c62828",
  "#ffb300",
];

/**
 * Panels side by side with a caption under each, as one SVG document.
 *
 * @example
 * ```ts
 * import { colourGrid, sideBySide } from "@recursive/trm/viz";
 * const svg = sideBySide([{ panel: colourGrid(1, 1, [1], ["#000", "#fff"]), caption: "step 1 <p=0.9>" }]);
 * if (!svg.startsWith("<svg") || !svg.includes("&lt;p=0.9&gt;")) throw new Error("document");
 * ```
 */
export function sideBySide(
  items: readonly { readonly panel: Panel; readonly caption: string }[],
  gap = 16,
): string {
  const height = Math.max(0, ...items.map((i) => i.panel.height)) + 28;
  let x = gap, body = "";
  for (const { panel, caption } of items) {
    body += `<g transform="translate(${x},${gap})">${panel.body}<text x="${panel.width / 2}" y="${
      panel.height + 18
    }" font-size="11" text-anchor="middle" font-family="sans-serif">${esc(caption)}</text></g>`;
    x += panel.width + gap;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${x}" height="${height + gap}" viewBox="0 0 ${x} ${
    height + gap
  }"><rect width="100%" height="100%" fill="#fafafa"/>${body}</svg>\n`;
}
