import { assertEquals, assertThrows } from "@std/assert";
import { loadSudokuCsv, parseSudokuCsv } from "./csv.ts";

const HEADER = "source,question,answer,rating";
const SOL = "534678912672195348198342567859761423426853791713924856961537284287419635345286179";
const PUZ = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";

Deno.test("parseSudokuCsv() reads the Sudoku-Extreme format", () => {
  const [p] = parseSudokuCsv(`${HEADER}\nhard,${PUZ},${SOL},42\n`, "x.csv");
  assertEquals(p!.puzzle[2], 0);
  assertEquals(p!.solution![0], 5);
});

Deno.test("parseSudokuCsv() names the file and line of each kind of bad row", () => {
  const cases: [string, string][] = [
    [`a,${PUZ},${SOL}`, "x.csv:3: expected 4 comma-separated fields, got 3"],
    [`a,${PUZ.slice(1)},${SOL},0`, "x.csv:3: question has 80 characters, expected 81"],
    [`a,${PUZ.replace("7", "x")},${SOL},0`, 'x.csv:3: question has invalid character "x"'],
    [`a,${PUZ},${SOL.replace("534", "354")},0`, "x.csv:3: answer is not a valid complete Sudoku"],
    [`a,${"1" + PUZ.slice(1)},${SOL},0`, "x.csv:3: answer contradicts a given"],
    [`a,${PUZ},${SOL.slice(0, 80)}.,0`, 'x.csv:3: answer has invalid character "."'],
  ];
  for (const [row, message] of cases) {
    assertThrows(() => parseSudokuCsv(`${HEADER}\nok,${PUZ},${SOL},0\n${row}\n`, "x.csv"), Error, message);
  }
  assertThrows(() => parseSudokuCsv(`q,a\n`, "x.csv"), Error, "x.csv:1: expected the header");
});

Deno.test("loadSudokuCsv() subsamples with a seed", async () => {
  const rows = Array.from({ length: 20 }, (_, i) => `r${i},${PUZ},${SOL},${i}`).join("\n");
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, `${HEADER}\n${rows}\n`);
  const a = await loadSudokuCsv(path, { limit: 5, seed: 1 }),
    b = await loadSudokuCsv(path, { limit: 5, seed: 1 });
  assertEquals(a.length, 5);
  assertEquals(a, b);
  await Deno.remove(path);
});
