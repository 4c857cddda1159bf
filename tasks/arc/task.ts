/**
 * ARC as a `Task` value with the plugin hooks, for solving, display and validity: a pair's input grid
 * on the reference's 30 x 30 canvas, its output as the label. Training and pass@k evaluation use
 * `arcDataset` and `arcEvaluator` (puzzle identifiers per augmented version), not `encode` alone.
 *
 * @module
 */
import { DataError, exactScore, type Task, type TaskSpec } from "@recursive/trm/core";
import { ARC_PALETTE, colourGrid } from "../../viz/svg.ts";
import { svgDocument } from "../../viz/grid.ts";
import { type ArcPair, parseArcTask } from "./loader.ts";
import { ARC_CANVAS, decodeArcGrid, encodeArcGrid, encodeArcLabel } from "./tokenizer.ts";

/** The ARC task plugin: puzzles are pairs (an answer decodes to a pair with only its `input`). */
export type ArcTaskPlugin =
  & Task<ArcPair>
  & Required<Pick<Task<ArcPair>, "parse" | "format" | "render" | "validate">>;

/**
 * The ARC task for a table of `numPuzzleIds` puzzle identifiers (1 = the blank one only).
 *
 * @example
 * ```ts
 * import { arcTask } from "@recursive/trm/tasks/arc";
 * const t = arcTask();
 * const pair = t.parse("1 2\n3 4");
 * if (t.format(t.decode(t.encode(pair).input)) !== "1 2\n3 4" || !t.render(t.encode(pair).input).includes("#FF4136")) {
 *   throw new Error("round trip");
 * }
 * ```
 */
export function arcTask(numPuzzleIds = 1): ArcTaskPlugin {
  const spec: TaskSpec = { name: "arc", vocabSize: 12, seqLen: ARC_CANVAS * ARC_CANVAS, numPuzzleIds };
  return {
    spec,
    encode: (p) => ({
      input: encodeArcGrid(p.input),
      label: encodeArcLabel(p.output ?? p.input),
      puzzleId: 0,
    }),
    decode: (tokens) => ({ input: decodeArcGrid(tokens) }),
    score: exactScore,
    // ARC has no rules beyond the canvas: a legal answer is a non-empty grid of colours 0-9.
    validate: (_puzzle, answer) => answer.input.height > 0 && answer.input.width > 0,
    parse: (text) => {
      // A task file (what ARC puzzles come as): its first test pair, with its output when given.
      if (text.trimStart().startsWith("{")) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (e) {
          throw new DataError(`puzzle: not a valid ARC task JSON (${(e as Error).message})`);
        }
        const task = parseArcTask(json, "puzzle", "puzzle");
        return task.test[0] ?? task.train[0]!;
      }
      const rows = text.trim().split(/\r?\n/).map((l) => l.trim().split(/[\s,]*/).filter((c) => c !== ""));
      const w = rows[0]?.length ?? 0;
      if (rows.length > ARC_CANVAS || w === 0 || w > ARC_CANVAS) {
        throw new DataError(`puzzle: expected 1 to ${ARC_CANVAS} rows of 1 to ${ARC_CANVAS} colours 0-9`);
      }
      const data = new Uint8Array(rows.length * w);
      rows.forEach((r, i) => {
        if (r.length !== w) {
          throw new DataError(`puzzle: row ${i + 1} has ${r.length} colours, row 1 has ${w}`);
        }
        r.forEach((ch, j) => {
          if (!/^[0-9]$/.test(ch)) {
            throw new DataError(`puzzle: row ${i + 1} holds "${ch}", expected a colour 0-9`);
          }
          data[i * w + j] = Number(ch);
        });
      });
      return { input: { height: rows.length, width: w, data } };
    },
    format: (p) => {
      const g = p.output ?? p.input;
      return Array.from(
        { length: g.height },
        (_, r) => Array.from(g.data.subarray(r * g.width, (r + 1) * g.width)).join(" "),
      )
        .join("\n");
    },
    render: (tokens) => {
      const g = decodeArcGrid(tokens);
      // An answer that starts with an end marker decodes to an empty grid: draw a marked blank cell.
      if (g.height === 0 || g.width === 0) return svgDocument(colourGrid(1, 1, [0], ["#ffffff"], 24));
      return svgDocument(colourGrid(g.height, g.width, g.data, ARC_PALETTE, 12));
    },
  };
}
