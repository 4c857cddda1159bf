import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { DataError } from "@recursive/trm/core";
import { loadArcFolder, loadKaggleArc, parseArcTask } from "./loader.ts";

const ok = { train: [{ input: [[1, 2]], output: [[3]] }], test: [{ input: [[4]], output: [[5]] }] };

Deno.test("loadArcFolder() loads every ARC-AGI-1, ARC-AGI-2 and ConceptARC task", async () => {
  const counts: number[] = [];
  for (
    const dir of [
      "arc-agi-1/data/training",
      "arc-agi-1/data/evaluation",
      "arc-agi-2/data/training",
      "arc-agi-2/data/evaluation",
      "conceptarc/corpus",
    ]
  ) {
    counts.push((await loadArcFolder(`../shared/datasets/${dir}`)).length);
  }
  assertEquals(counts, [400, 400, 1000, 120, 160]);
});

Deno.test("malformed tasks each give one clear error naming the file, pair and field", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string, string, string][] = [
    ["truncated.json", JSON.stringify(ok).slice(0, 30), "truncated.json: invalid JSON"],
    [
      "ragged.json",
      JSON.stringify({ ...ok, train: [{ input: [[1, 2], [3]], output: [[1]] }] }),
      "ragged.json: train[0].input: row 1 has 1 cells, expected 2 (ragged grid)",
    ],
    [
      "colour.json",
      JSON.stringify({ ...ok, test: [{ input: [[10]], output: [[1]] }] }),
      "colour.json: test[0].input: cell (0, 0) is 10, expected an integer colour 0..9",
    ],
    [
      "big.json",
      JSON.stringify({ ...ok, train: [{ input: Array(31).fill(Array(31).fill(0)), output: [[1]] }] }),
      "big.json: train[0].input: 31 rows, at most 30 allowed",
    ],
    ["notest.json", JSON.stringify({ train: ok.train }), 'notest.json: missing field "test"'],
  ];
  for (const [name, text, message] of cases) {
    const sub = `${dir}/${name}.d`;
    await Deno.mkdir(sub);
    await Deno.writeTextFile(`${sub}/${name}`, text);
    const e = await assertRejects(() => loadArcFolder(sub), DataError);
    assert(e.message.includes(message), `${e.message} should include ${message}`);
    assertEquals(e.message.split("\n").length, 1);
  }
  // One bad file among good ones: stop by default, skip and report when asked.
  const mixed = `${dir}/mixed`;
  await Deno.mkdir(mixed);
  await Deno.writeTextFile(`${mixed}/good.json`, JSON.stringify(ok));
  await Deno.writeTextFile(`${mixed}/bad.json`, "{");
  await assertRejects(() => loadArcFolder(mixed), DataError, "bad.json");
  const skipped: string[] = [];
  const tasks = await loadArcFolder(mixed, { skipInvalid: true, onSkip: (e) => skipped.push(e.message) });
  assertEquals([tasks.length, skipped.length], [1, 1]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadKaggleArc() joins challenges and solutions and validates both", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/c.json`,
    JSON.stringify({
      b: { train: ok.train, test: [{ input: [[1]] }] },
      a: { train: ok.train, test: [{ input: [[2]] }] },
    }),
  );
  await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify({ a: [[[7]]], b: [[[8]]] }));
  const tasks = await loadKaggleArc(`${dir}/c.json`, `${dir}/s.json`);
  assertEquals(tasks.map((t) => [t.id, t.test[0]!.output!.data[0]]), [["a", 7], ["b", 8]]);
  await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify({ a: [[[7, 1], [2]]] }));
  await assertRejects(() => loadKaggleArc(`${dir}/c.json`, `${dir}/s.json`), DataError, "s.json#a[0]");
  assertThrows(() => parseArcTask([], "x.json", "x"), DataError, "x.json: expected a JSON object");
  await Deno.remove(dir, { recursive: true });
});
