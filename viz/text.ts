/**
 * Puzzles as text, both ways, for the paper tasks: what a user types (a Sudoku line, a maze drawing) into
 * tokens, and an answer's tokens back into text. Shared by `deno task solve` and the browser demo.
 *
 * @module
 */
import { DataError, type TaskSpec } from "../core/task.ts";
import { MAZE_CHARSET, mazeToText } from "../tasks/maze/maze.ts";
import { decodeArcGrid } from "../tasks/arc/tokenizer.ts";

/**
 * Tokens of a Sudoku (N*N characters: digits or base-36 letters, '.' or '0' for blanks; token = digit + 1)
 * or a maze (`# SG` characters, token = index + 1) typed by a user; line breaks and spaces between rows are
 * ignored. Throws a {@linkcode DataError} naming the position of the first bad character.
 *
 * @example
 * ```ts
 * import { puzzleFromText } from "@recursive/trm/viz";
 * const spec = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
 * const t = puzzleFromText(spec, "1.3.\n3..2\n.1..\n4..1");
 * if (t[0] !== 2 || t[1] !== 1 || t.length !== 16) throw new Error("tokens");
 * ```
 */
export function puzzleFromText(spec: TaskSpec, text: string): Int32Array {
  if (spec.name !== "sudoku" && spec.name !== "maze") {
    throw new DataError(`puzzle: cannot read a ${spec.name} puzzle from text`);
  }
  // Maze text uses ' ' for open cells, so only line breaks are dropped there.
  const cells = text.replace(spec.name === "maze" ? /\r?\n/g : /\s+/g, "");
  if (cells.length !== spec.seqLen) {
    throw new DataError(
      `puzzle: expected ${spec.seqLen} cells for this ${spec.name} model, got ${cells.length}`,
    );
  }
  if (spec.name === "sudoku") {
    const n = spec.vocabSize - 2;
    return Int32Array.from(cells, (ch, i) => {
      const v = ch === "." ? 0 : parseInt(ch, 36);
      if (!(v >= 0 && v <= n)) {
        throw new DataError(`puzzle: invalid Sudoku character "${ch}" at position ${i + 1}`);
      }
      return v + 1;
    });
  }
  return Int32Array.from(cells, (ch, i) => {
    const t = MAZE_CHARSET.indexOf(ch) + 1;
    if (t === 0 || t === 5) {
      throw new DataError(`puzzle: invalid maze character "${ch}" at position ${i + 1}`);
    }
    return t;
  });
}

/**
 * An answer's tokens as text: Sudoku rows of digits, a maze drawing, or ARC rows of colours 0-9.
 *
 * @example
 * ```ts
 * import { tokensToText } from "@recursive/trm/viz";
 * const spec = { name: "sudoku", vocabSize: 6, seqLen: 4, numPuzzleIds: 1 };
 * if (tokensToText(spec, [2, 3, 3, 2]) !== "1 2\n2 1") throw new Error("text");
 * ```
 */
export function tokensToText(spec: TaskSpec, tokens: ArrayLike<number>): string {
  const side = Math.round(Math.sqrt(spec.seqLen));
  if (spec.name === "maze") return mazeToText(side, tokens);
  if (spec.name === "arc") {
    const g = decodeArcGrid(tokens);
    return Array.from(
      { length: g.height },
      (_, r) => Array.from(g.data.subarray(r * g.width, (r + 1) * g.width)).join(" "),
    ).join("\n");
  }
  return Array.from(
    { length: side },
    (_, r) =>
      Array.from({ length: side }, (_, c) => Math.max(0, (tokens[r * side + c] ?? 1) - 1).toString(36)).join(
        " ",
      ),
  ).join("\n");
}
