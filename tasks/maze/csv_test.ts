import { assertEquals, assertThrows } from "@std/assert";
import { parseMazeCsv } from "./csv.ts";

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
    assertThrows(() => parseMazeCsv(`${H}\n${ok}\n${row}\n`, "m.csv"), Error, msg);
  }
});
