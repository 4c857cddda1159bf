import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { DataError } from "@recursive/trm/core";
import { loadSudokuCsv, parseSudokuCsv } from "./csv.ts";
import { countSolutions } from "./solver.ts";
import { countBlanks, isConsistentWith, isValidSolution } from "./sudoku.ts";

const HEADER = "source,question,answer,rating";
const SOL = "534678912672195348198342567859761423426853791713924856961537284287419635345286179";
const PUZ = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";
const FIXTURE = new URL("./testdata/sudoku_extreme_sample.csv", import.meta.url);
const S9 = { boxRows: 3, boxCols: 3 };

Deno.test("parseSudokuCsv() reads the Sudoku-Extreme format ('.' and '0' blanks, CRLF, BOM)", () => {
  const zeros = PUZ.replaceAll(".", "0");
  const ps = parseSudokuCsv(
    `\uFEFF${HEADER}\r\nhard,${PUZ},${SOL},42\r\n\r\nx,${zeros},${SOL},1\r\n`,
    "x.csv",
  );
  assertEquals(ps.length, 2);
  assertEquals(ps[0], ps[1]);
  assertEquals([ps[0]!.boxRows, ps[0]!.boxCols, ps[0]!.puzzle[2], ps[0]!.solution![0]], [3, 3, 0, 5]);
  assertEquals(ps[0]!.puzzle.join(""), zeros);
  assertEquals(countBlanks(ps[0]!.puzzle), 51);
});

Deno.test("parseSudokuCsv() names the file and line of each kind of bad row", () => {
  const cases: [string, string][] = [
    [`a,${PUZ},${SOL}`, "x.csv:3: expected 4 comma-separated fields, got 3"],
    [`a,${PUZ},${SOL},0,extra`, "x.csv:3: expected 4 comma-separated fields, got 5"],
    [`a,${PUZ.slice(1)},${SOL},0`, "x.csv:3: question has 80 characters, expected 81"],
    [`a,${PUZ},${SOL}9,0`, "x.csv:3: answer has 82 characters, expected 81"],
    [`a,${PUZ.replace("7", "x")},${SOL},0`, 'x.csv:3: question has invalid character "x" at position 5'],
    [`a,${PUZ},${SOL.slice(0, 80)}.,0`, 'x.csv:3: answer has invalid character "." at position 81'],
    [`a,${PUZ},${SOL.replace("534", "354")},0`, "x.csv:3: answer is not a valid complete Sudoku"],
    [
      `a,${"1" + PUZ.slice(1)},${SOL},0`,
      "x.csv:3: answer contradicts a given of the question at position 1 (1 vs 5)",
    ],
  ];
  for (const [row, message] of cases) {
    const e = assertThrows(
      () => parseSudokuCsv(`${HEADER}\nok,${PUZ},${SOL},0\n${row}\n`, "x.csv"),
      DataError,
    );
    assertEquals(e.message.slice(0, message.length), message);
  }
  assertThrows(
    () => parseSudokuCsv(`q,a\n`, "x.csv"),
    DataError,
    'x.csv:1: expected the header "source,question',
  );
  assertThrows(
    () => parseSudokuCsv(`${HEADER}\n\n`, "x.csv"),
    DataError,
    "x.csv: no puzzles after the header",
  );
});

Deno.test("parseSudokuCsv() reads other box shapes with the matching length", () => {
  const text = `${HEADER}\nx,1.3.3..2.1..4..1,1234341221434321,0\n`;
  const [p] = parseSudokuCsv(text, "s.csv", { boxRows: 2, boxCols: 2 });
  assert(isValidSolution(p!.solution!, p!) && isConsistentWith(p!.puzzle, p!.solution!));
  assertThrows(
    () => parseSudokuCsv(text, "s.csv"),
    DataError,
    "s.csv:2: question has 16 characters, expected 81",
  );
});

Deno.test("parseSudokuCsv() limit keeps a seeded subset in file order", () => {
  // Row r blanks the r-th given of PUZ, so a parsed puzzle tells which row it came from.
  const givens = [...PUZ].flatMap((c, k) => (c === "." ? [] : [k]));
  const rows = givens.map((k, r) => `r${r},${PUZ.slice(0, k)}.${PUZ.slice(k + 1)},${SOL},0`);
  const text = `${HEADER}\n${rows.join("\n")}\n`;
  const rowsOf = (seed: number) =>
    parseSudokuCsv(text, "t.csv", { limit: 6, seed }).map((p) => givens.findIndex((k) => p.puzzle[k] === 0));
  const a = rowsOf(1);
  assertEquals(a.length, 6);
  assertEquals(a, rowsOf(1));
  assertEquals(a, [...a].sort((x, y) => x - y));
  assertEquals(new Set(a).size, 6);
  assert(a.every((r) => r >= 0));
  assert(rowsOf(2).join() !== a.join(), "another seed, another subset");
  assertEquals(parseSudokuCsv(text, "t.csv", { limit: 100 }).length, givens.length);
  assertThrows(
    () => parseSudokuCsv(text, "t.csv", { limit: -1 }),
    RangeError,
    "limit must be a non-negative integer",
  );
});

Deno.test("loadSudokuCsv() reads the fixture: valid grids with unique solutions", async () => {
  const ps = await loadSudokuCsv(FIXTURE.pathname);
  assertEquals(ps.length, 5);
  for (const p of ps) {
    assert(isValidSolution(p.solution!, S9));
    assertEquals(countSolutions(p.puzzle, S9), 1);
    assert(countBlanks(p.puzzle) >= 54);
  }
  assertEquals((await loadSudokuCsv(FIXTURE.pathname, { limit: 2, seed: 3 })).length, 2);
});

Deno.test("loadSudokuCsv() errors name the path and line", async () => {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    const good = (await Deno.readTextFile(FIXTURE)).trimEnd().split("\n");
    const f = good[4]!.split(","); // line 5: swap the first two digits of the answer
    f[2] = f[2]![1]! + f[2]![0]! + f[2]!.slice(2);
    good[4] = f.join(",");
    await Deno.writeTextFile(path, good.join("\n") + "\n");
    await assertRejects(() => loadSudokuCsv(path), DataError, `${path}:5: answer`);
  } finally {
    await Deno.remove(path);
  }
});
