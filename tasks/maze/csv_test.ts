import { assertEquals, assertThrows } from "@std/assert";
import { DataError } from "@recursive/trm/core";
import { parseMazeCsv } from "./csv.ts";
import { generateMazeSet } from "./generator.ts";
import { mazeToText } from "./maze.ts";

const H = "source,question,answer,rating";

Deno.test("parseMazeCsv() reads a maze and its path", () => {
  const [m] = parseMazeCsv(`${H}\nx,S  # ## G,So #o##oG,0\n`, "m.csv");
  assertEquals(m!.size, 3);
  assertEquals([...m!.solution!].filter((t) => t === 5).length, 3);
});

Deno.test("parseMazeCsv() names the line and the problem", () => {
  const ok = "x,S G#,SoG#,0";
  const cases: [string, string][] = [
    ["x,S G#,SoG#", "m.csv:3: expected 4 comma-separated fields"],
    ["x,S G,SoG,0", "m.csv:3: question has 3 characters"],
    ["x,S G#,SoG,0", "m.csv:3: answer has 3 characters"],
    ["x,S X#,SoG#,0", 'm.csv:3: question has invalid character "X"'],
    ["x,S S#,SoS#,0", "m.csv:3: question must have exactly one S and one G"],
    ["x,S G#,So##,0", "m.csv:3: answer must have exactly one S and one G"],
    ["x,S G#,SoGo,0", "m.csv:3: answer differs from the question at position 4"],
    ["x,S##G,S##G,0", "m.csv:3: the maze has no path"],
    ["x,S  # ## G,So #o##oG,0", "m.csv:3: a 3x3 maze among 2x2 ones"],
  ];
  for (const [row, msg] of cases) {
    assertThrows(() => parseMazeCsv(`${H}\n${ok}\n${row}\n`, "m.csv"), DataError, msg);
  }
});

Deno.test("parseMazeCsv() reads generated 30x30 mazes back exactly (CRLF, BOM, blank lines)", () => {
  const mazes = generateMazeSet(3, 5, { loops: 10 });
  const flat = (t: Uint8Array) => mazeToText(30, t).replaceAll("\n", "");
  const rows = mazes.map((m, i) => `gen${i},${flat(m.cells)},${flat(m.solution!)},0`);
  const text = `\uFEFF${H}\r\n${rows.join("\r\n")}\r\n\r\n`;
  const back = parseMazeCsv(text, "gen.csv", { size: 30 });
  assertEquals(
    back.map((m) => [m.size, [...m.cells], [...m.solution!]]),
    mazes.map((m) => [30, [...m.cells], [...m.solution!]]),
  );
  // Line numbers count every line of the file, blank ones included.
  const bad = `${H}\n${rows[0]}\n\n${rows[1]!.replace("S", "#")}\n`;
  assertThrows(() => parseMazeCsv(bad, "gen.csv"), Error, "gen.csv:4: question must have exactly one S");
});

Deno.test("parseMazeCsv() checks the size, the header and emptiness", () => {
  assertThrows(
    () => parseMazeCsv(`${H}\nx,S G#,SoG#,0\n`, "m.csv", { size: 30 }),
    DataError,
    "m.csv:2: question has 4 characters, expected 900 (30x30)",
  );
  assertThrows(
    () => parseMazeCsv("a,b,c\nx,S G#,SoG#,0\n", "m.csv"),
    DataError,
    "m.csv:1: expected the header",
  );
  assertThrows(() => parseMazeCsv(`${H}\n`, "m.csv"), DataError, "m.csv: no mazes after the header");
});
