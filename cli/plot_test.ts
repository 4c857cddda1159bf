import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { DataError } from "../core/task.ts";
import { jsonSummary, runCli } from "../tests/_helpers.ts";
import { syntheticMetrics } from "../tests/_metrics.ts";
import { writeCurves } from "./plot.ts";

const root = new URL("../", import.meta.url).pathname;
const markers = (svg: string) =>
  [...svg.matchAll(/class="eval-point" data-step="(\d+)"/g)].map((m) => Number(m[1]));

/** Runs `deno task plot ARGS` exactly as deno.json's task line has it (its permissions, no more). */
async function task(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const line: string = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks.plot;
  const [deno, ...rest] = line.split(" ");
  assertEquals(deno, "deno");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...rest, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("plot: deno task plot writes curves.svg beside the metrics file and a JSON summary", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/metrics.jsonl`,
    syntheticMetrics({ steps: 120, evalEvery: 20, resumes: [{ at: 70, redo: 10 }] }),
  );
  const r = await task(`${dir}/metrics.jsonl`);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(jsonSummary(r.stdout), {
    svg: `${dir}/curves.svg`,
    steps: 120,
    evaluations: 6,
    runs: 2,
  });
  const svg = await Deno.readTextFile(`${dir}/curves.svg`);
  assertEquals(markers(svg), [20, 40, 60, 80, 100, 120]);
  // The atomic write leaves no temporary file behind.
  assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
    "curves.svg",
    "metrics.jsonl",
  ]);
  // A run folder works as the argument, and --out puts the same picture elsewhere.
  const again = await task(dir, "--out", `${dir}/other.svg`);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(await Deno.readTextFile(`${dir}/other.svg`), svg);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plot: bad input is one line and exit 2; an existing SVG is left as it was", async () => {
  const dir = await Deno.makeTempDir();
  const good = syntheticMetrics({ steps: 10, evalEvery: 5 });
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, good);
  assertEquals((await task(`${dir}/metrics.jsonl`)).code, 0);
  const before = await Deno.readTextFile(`${dir}/curves.svg`);
  const lines = good.split("\n");
  lines[2] = '{"event":"step","step":2,"loss":"high"}';
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, lines.join("\n"));
  await Deno.writeTextFile(`${dir}/torn.jsonl`, good.replace('"event":"step"', '"event":"step'));
  await Deno.writeTextFile(`${dir}/empty.jsonl`, "\n");
  const cases: [string[], string][] = [
    [[`${dir}/metrics.jsonl`], `${dir}/metrics.jsonl:3: loss: expected a number or null, got "high"`],
    [[`${dir}/torn.jsonl`, "--out", `${dir}/t.svg`], `${dir}/torn.jsonl:2: not JSON`],
    [[`${dir}/empty.jsonl`, "--out", `${dir}/e.svg`], "no metrics records"],
    [[`${dir}/missing.jsonl`], "missing.jsonl: no such file"],
    [[], "expected the metrics file"],
    [[`${dir}/metrics.jsonl`, "extra"], 'unexpected argument "extra"'],
    [[`${dir}/metrics.jsonl`, "--out", dir], "is a folder"],
    [[`${dir}/metrics.jsonl`, "--out", `${dir}/no/such/c.svg`], "does not exist"],
    [[`${dir}/metrics.jsonl`, "--outt", "x.svg"], "did you mean --out?"],
  ];
  for (const [args, message] of cases) {
    const r = await task(...args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertStringIncludes(r.stderr, message);
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
  assertEquals(await Deno.readTextFile(`${dir}/curves.svg`), before, "old picture untouched");
  for (const f of ["t.svg", "e.svg"]) {
    await assertRejects(() => Deno.stat(`${dir}/${f}`), Deno.errors.NotFound);
  }
  const help = await task("--help");
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "Usage: deno task plot METRICS.jsonl [--out FILE.svg]");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeCurves: redraws as the file grows; a bad record throws DataError and keeps the old SVG", async () => {
  const dir = await Deno.makeTempDir();
  const metrics = `${dir}/metrics.jsonl`, svg = `${dir}/curves.svg`;
  const text = syntheticMetrics({ steps: 40, evalEvery: 10 });
  const cut = text.indexOf('"step":21,');
  await Deno.writeTextFile(metrics, text.slice(0, text.lastIndexOf("\n", cut) + 1));
  await writeCurves(metrics, svg);
  assertEquals(markers(await Deno.readTextFile(svg)), [10, 20]);
  await Deno.writeTextFile(metrics, text);
  await writeCurves(metrics, svg);
  const full = await Deno.readTextFile(svg);
  assertEquals(markers(full), [10, 20, 30, 40]);
  await Deno.writeTextFile(metrics, '{"event":"eval"}\n', { append: true });
  const e = await assertRejects(() => writeCurves(metrics, svg), DataError);
  assertStringIncludes(e.message, `${metrics}:${text.split("\n").length}: step`);
  assertEquals(await Deno.readTextFile(svg), full);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plot reads what train writes (a short run with evaluations)", async () => {
  const dir = await Deno.makeTempDir();
  const common = ["--train-size", "40", "--test-size", "8", "--batch-size", "4", "--hidden", "16"];
  const r = await runCli(
    "train",
    "--steps",
    "4",
    "--eval-every",
    "2",
    ...common,
    "--backend",
    "cpu",
    "--out",
    dir,
    "--quiet",
  );
  assertEquals(r.code, 0, r.stderr);
  const p = await task(`${dir}/metrics.jsonl`);
  assertEquals(p.code, 0, p.stderr);
  assertEquals(jsonSummary(p.stdout).steps, 4);
  const svg = await Deno.readTextFile(`${dir}/curves.svg`);
  assertEquals(markers(svg), [2, 4]); // every-2 evaluation at 2, the final one at 4
  assert(!svg.includes("NaN"));
  await Deno.remove(dir, { recursive: true });
});
