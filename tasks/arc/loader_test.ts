import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { DataError } from "@recursive/trm/core";
import { loadArcFile, loadArcFolder, loadKaggleArc, parseArcTask } from "./loader.ts";

const here = new URL("./testdata/", import.meta.url).pathname;

Deno.test("loadArcFolder() loads the shipped ARC-AGI-1 fixtures, ids from file names in sorted order", async () => {
  // Every public task loads too: full_datasets_test.ts, where ../shared is present.
  const tasks = await loadArcFolder(`${here}arc-agi-1/data/training`);
  assertEquals(tasks.map((t) => t.id), ["007bbfb7", "017c7c7b", "0520fde7", "445eab21", "8be77c9e"]);
  // Each grid is the file's rows, flattened row-major, with its shape.
  const json = JSON.parse(await Deno.readTextFile(`${here}arc-agi-1/data/training/0520fde7.json`));
  const t = tasks[2]!;
  assertEquals([t.train.length, t.test.length], [json.train.length, json.test.length]);
  for (const [i, p] of [...t.train, ...t.test].entries()) {
    const raw = [...json.train, ...json.test][i];
    for (const [g, rows] of [[p.input, raw.input], [p.output!, raw.output]] as const) {
      assertEquals([g.height, g.width, Array.from(g.data)], [rows.length, rows[0].length, rows.flat()]);
    }
  }
});

Deno.test("loadArcFolder() reads nested (ConceptARC-style) folders in sorted path order", async () => {
  const tasks = await loadArcFolder(`${here}tasks`);
  assertEquals(tasks.map((t) => [t.id, t.train.length, t.test.length]), [["Concept1", 2, 2], ["flip", 1, 1]]);
  assertEquals(Array.from(tasks[1]!.train[0]!.output!.data), [3, 0, 2, 1]);
});

Deno.test("loadArcFile(): each malformed file gives one clear error line naming the file and the field", async () => {
  // The truncated file is written here: a fixture could not pass `deno fmt --check`.
  const dir = await Deno.makeTempDir();
  const text = await Deno.readTextFile(`${here}tasks/flip.json`);
  await Deno.writeTextFile(`${dir}/truncated.json`, text.slice(0, text.length / 2));
  const e = await assertRejects(() => loadArcFile(`${dir}/truncated.json`), DataError);
  assert(e.message.startsWith(`${dir}/truncated.json: invalid JSON (`), e.message);
  assertEquals(e.message.split("\n").length, 1);
  await Deno.remove(dir, { recursive: true });
  const cases: [string, string][] = [
    ["ragged.json", "ragged.json: train[0].input: row 1 has 1 cells, expected 2 (ragged grid)"],
    ["colour10.json", "colour10.json: test[0].input: cell (0, 1) is 10, expected an integer colour 0..9"],
    ["big31.json", "big31.json: train[0].input: 31 rows, at most 30 allowed"],
    ["notest.json", 'notest.json: missing field "test"'],
  ];
  for (const [name, message] of cases) {
    const e = await assertRejects(() => loadArcFile(`${here}malformed/${name}`), DataError);
    assert(e.message.startsWith(`${here}malformed/${message}`), `${e.message} should start with ${message}`);
    assertEquals(e.message.split("\n").length, 1);
  }
  await assertRejects(
    () => loadArcFile(`${here}malformed/absent.json`),
    DataError,
    "absent.json: cannot read",
  );
  await assertRejects(() => loadArcFolder(`${here}absent`), DataError, "absent: cannot read folder");
});

Deno.test("loadArcFolder(): a bad file stops the load by default, and is reported and skipped with skipInvalid", async () => {
  await assertRejects(
    () => loadArcFolder(`${here}mixed`),
    DataError,
    "bad.json: test[0].input: row 1 has 1 cells",
  );
  const skipped: string[] = [];
  const tasks = await loadArcFolder(`${here}mixed`, {
    skipInvalid: true,
    onSkip: (e) => skipped.push(e.message),
  });
  assertEquals(tasks.map((t) => t.id), ["good"]);
  assertEquals(skipped.length, 1);
  assert(skipped[0]!.includes("mixed/bad.json"));
  // Nothing valid left is an error too, not an empty dataset.
  await assertRejects(
    () => loadArcFolder(`${here}malformed`, { skipInvalid: true }),
    DataError,
    "no ARC task files",
  );
});

Deno.test("loadKaggleArc() joins challenges and solutions and validates both", async () => {
  const tasks = await loadKaggleArc(
    `${here}kaggle/tiny_challenges.json`,
    `${here}kaggle/tiny_solutions.json`,
  );
  assertEquals(
    tasks.map((t) => [t.id, t.test.map((p) => Array.from(p.output!.data).join())]),
    [["t1", ["3", "4,4"]], ["t2", ["5"]]],
  );
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify({ t1: [[[7, 1], [2]], [[1]]] }));
  await assertRejects(
    () => loadKaggleArc(`${here}kaggle/tiny_challenges.json`, `${dir}/s.json`),
    DataError,
    "s.json#t1[0]: row 1 has 1 cells",
  );
  await Deno.writeTextFile(`${dir}/s.json`, "[]");
  await assertRejects(
    () => loadKaggleArc(`${here}kaggle/tiny_challenges.json`, `${dir}/s.json`),
    DataError,
    "keyed by task id",
  );
  await Deno.remove(dir, { recursive: true });
  assertThrows(() => parseArcTask([], "x.json", "x"), DataError, "x.json: expected a JSON object");
  assertThrows(
    () => parseArcTask({ train: [{ input: [[1]] }], test: [] }, "y.json", "y"),
    DataError,
    'y.json: train[0]: missing field "output"',
  );
});
