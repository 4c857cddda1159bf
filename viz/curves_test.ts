import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import fc from "fast-check";
import { DataError } from "../core/task.ts";
import { currentRun, curvesSvg, type MetricsRecord, parseMetrics } from "./curves.ts";
import { syntheticMetrics } from "../tests/_metrics.ts";

/** The steps of every held-out marker in `svg`, in order. */
const markers = (svg: string, cls = "eval-point") =>
  [...svg.matchAll(new RegExp(`class="${cls}" data-step="(\\d+)"`, "g"))].map((m) => Number(m[1]));

/** Every tick label, read back as a number ("2k" is 2000, "1e-3" 0.001). */
const tickValues = (svg: string) =>
  [...svg.matchAll(/class="tick"[^>]*>([^<]*)</g)].map((m) =>
    m[1]!.endsWith("k") ? 1000 * Number(m[1]!.slice(0, -1)) : Number(m[1])
  );

/** Every coordinate the SVG draws at (polyline points, circle centres, line ends). */
function coordinates(svg: string): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = [];
  for (const m of svg.matchAll(/points="([^"]*)"/g)) {
    for (const p of m[1]!.split(" ")) {
      const [a, b] = p.split(",");
      x.push(Number(a));
      y.push(Number(b));
    }
  }
  for (const m of svg.matchAll(/\b(cx|x1|x2)="([^"]*)"/g)) x.push(Number(m[2]));
  for (const m of svg.matchAll(/\b(cy|y1|y2)="([^"]*)"/g)) y.push(Number(m[2]));
  return { x, y };
}

const stepRecord = (step: number, values: Partial<Record<string, number | null>>): MetricsRecord => ({
  event: "step",
  step,
  lr: 1e-3,
  loss: 1,
  lmLoss: 1,
  qHaltLoss: 0,
  count: 1,
  accuracy: 1,
  exactAccuracy: 1,
  qHaltAccuracy: 1,
  steps: 1,
  ...values,
});

/** A random run as train writes it: NaN (count 0) metrics become null through JSON.stringify. */
const runArb = fc.record({
  steps: fc.array(
    fc.record({
      loss: fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
      lr: fc.double({ min: 0, max: 1, noNaN: true }),
      count: fc.nat(4),
      exact: fc.double({ min: 0, max: 1, noNaN: true }),
      halt: fc.double({ min: 1, max: 16, noNaN: true }),
      evaluated: fc.boolean(),
      heldOut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    }),
    { maxLength: 40 },
  ),
  resumeAt: fc.option(fc.nat(40)),
});

type RunValue = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

function jsonlOf(run: RunValue): { text: string; evals: number[] } {
  const lines: string[] = [JSON.stringify({ run: "a", event: "start", step: 0, steps: run.steps.length })];
  const evals: number[] = [];
  run.steps.forEach((s, i) => {
    const step = i + 1, none = s.count === 0;
    lines.push(JSON.stringify({
      run: "a",
      event: "step",
      step,
      lr: s.lr,
      loss: s.loss,
      lmLoss: s.loss,
      qHaltLoss: 0,
      qContinueLoss: 0,
      count: s.count,
      accuracy: none ? NaN : s.exact,
      exactAccuracy: none ? NaN : s.exact,
      qHaltAccuracy: none ? NaN : 1,
      steps: none ? NaN : s.halt,
    }));
    if (s.evaluated) {
      const meanSteps = s.heldOut === null ? NaN : 1 + 15 * s.heldOut;
      lines.push(
        JSON.stringify({
          run: "a",
          event: "eval",
          step,
          exactAccuracy: s.heldOut ?? NaN,
          count: 9,
          meanSteps,
        }),
      );
      if (s.heldOut !== null) evals.push(step);
    }
  });
  if (run.resumeAt !== null && run.resumeAt <= run.steps.length) {
    // Resumed from a checkpoint at resumeAt: what came after it is redone, so no longer plotted.
    lines.push(JSON.stringify({ run: "b", event: "resume", step: run.resumeAt }));
    return { text: lines.join("\n") + "\n", evals: evals.filter((s) => s <= run.resumeAt!) };
  }
  return { text: lines.join("\n") + "\n", evals };
}

Deno.test("curves: every held-out evaluation is a marker, labels are finite, coordinates in the picture", () => {
  fc.assert(
    fc.property(runArb, (run) => {
      const { text, evals } = jsonlOf(run);
      const svg = curvesSvg(parseMetrics(text, "m.jsonl"));
      assertEquals(markers(svg), evals);
      assertEquals(markers(svg, "eval-steps"), evals);
      for (const bad of ["NaN", "undefined", "Infinity", "null"]) assert(!svg.includes(bad), bad);
      const ticks = tickValues(svg);
      assert(ticks.length >= 8, "ticks on every axis");
      assert(ticks.every(Number.isFinite), ticks.join(" "));
      const [w, h] = [...svg.matchAll(/^<svg[^>]* width="(\d+)" height="(\d+)"/g)][0]!.slice(1).map(Number);
      const { x, y } = coordinates(svg);
      assert(x.every((v) => v >= 0 && v <= w!) && y.every((v) => v >= 0 && v <= h!), "inside the panel");
      assertEquals(curvesSvg(parseMetrics(text, "m.jsonl")), svg, "deterministic");
    }),
    { numRuns: 150 },
  );
});

Deno.test("curves: a run where no row ever halted renders (no accuracy line, held-out dots only)", () => {
  const records: MetricsRecord[] = [{ event: "start", step: 0, maxSteps: 8 }];
  for (let s = 1; s <= 5; s++) {
    records.push(
      stepRecord(s, { count: 0, accuracy: null, exactAccuracy: null, qHaltAccuracy: null, steps: null }),
    );
  }
  records.push({
    event: "eval",
    step: 5,
    exactAccuracy: 0,
    accuracy: 0.2,
    count: 4,
    validRate: null,
    meanSteps: null,
  });
  const svg = curvesSvg(records);
  assertEquals(markers(svg), [5]);
  assertStringIncludes(svg, "no data"); // the halting panel
  assertStringIncludes(svg, "N_sup = 8");
  assert(!svg.includes("NaN"));
  // Loss and learning rate: two lines; exact accuracy: only the held-out one.
  assertEquals(svg.match(/<polyline/g)?.length, 3);
});

Deno.test("curves: an empty run and a single step render without NaN", () => {
  for (const records of [[], [stepRecord(1, {})]] as MetricsRecord[][]) {
    const svg = curvesSvg(records);
    assert(svg.startsWith("<svg") && !svg.includes("NaN") && !svg.includes("Infinity"));
    assert(tickValues(svg).every(Number.isFinite));
  }
});

Deno.test("curves: loss goes to a log scale only when it spans more than a decade", () => {
  const wide = [1, 2, 3].map((s) => stepRecord(s, { loss: 10 ** (1 - s) })); // 1 .. 0.01
  const svg = curvesSvg(wide);
  assertStringIncludes(svg, "train loss (log scale)");
  for (const label of [">0.01<", ">0.1<", ">1<"]) assertStringIncludes(svg, label);
  const narrow = curvesSvg([1, 2, 3].map((s) => stepRecord(s, { loss: 1 + s / 10 })));
  assert(!narrow.includes("log scale"));
  // A zero loss cannot go on a log axis.
  assert(!curvesSvg([stepRecord(1, { loss: 0 }), stepRecord(2, { loss: 5 })]).includes("log scale"));
});

Deno.test("curves: null train accuracy carries the last value on", () => {
  const values = [null, 0.5, null, null, 1, null];
  const svg = curvesSvg(values.map((v, i) => stepRecord(i + 1, { exactAccuracy: v })));
  // The train accuracy line: from the first value (step 2) to the last step, one point a step.
  const line = [...svg.matchAll(/stroke="#2e7d32"[^>]*points="([^"]*)"/g)][0]![1]!.split(" ");
  assertEquals(line.length, 5);
  const ys = line.map((p) => Number(p.split(",")[1]));
  assertEquals([ys[0] === ys[1], ys[1] === ys[2], ys[2] === ys[3], ys[3] === ys[4]], [
    true,
    true,
    false,
    true,
  ]);
});

Deno.test("curves: a long run stays small (lines thinned per pixel) and keeps every evaluation", () => {
  const text = syntheticMetrics({ steps: 20_000, evalEvery: 1000 });
  const svg = curvesSvg(parseMetrics(text, "m.jsonl"));
  assert(svg.length < 120_000, `${svg.length} bytes`);
  assertEquals(markers(svg), Array.from({ length: 20 }, (_, i) => 1000 * (i + 1)));
  assertStringIncludes(svg, ">20k<");
});

Deno.test("currentRun: the last start and its resumes; a resume drops what it redoes", () => {
  const text = syntheticMetrics({ steps: 30, evalEvery: 10, resumes: [{ at: 25, redo: 5 }] });
  const records = parseMetrics(text, "m.jsonl");
  const run = currentRun(records);
  const steps = run.filter((r) => r.event === "step").map((r) => r.step);
  assertEquals(steps, Array.from({ length: 30 }, (_, i) => i + 1), "step 21..25 once, from the resumed run");
  assertEquals(run.filter((r) => r.event === "eval").map((r) => r.step), [10, 20, 30]);
  const svg = curvesSvg(records);
  assertStringIncludes(svg, ">resumed<");
  // A fresh start after it (--overwrite truncates, but a file may still hold two): only the new run.
  const again = parseMetrics(text + syntheticMetrics({ steps: 4, evalEvery: 0 }), "m.jsonl");
  assertEquals(currentRun(again).filter((r) => r.event === "step").length, 4);
  assertEquals(markers(curvesSvg(again)), [4]);
});

Deno.test("parseMetrics: one line naming file:line and the field; a torn last line is skipped", () => {
  const good = '{"event":"start","step":0}\n{"event":"step","step":1,"loss":1}\n';
  const cases: [string, string][] = [
    [good + '{"event":"step","st\n{"event":"step","step":3}\n', "m.jsonl:3: not JSON"],
    [good + "[1,2]\n", "m.jsonl:3: expected a JSON object, got an array"],
    [good + '{"step":2}\n', "m.jsonl:3: event: expected a string"],
    [good + '{"event":"step","step":-1}\n', "m.jsonl:3: step: expected an integer >= 0"],
    [
      good + '{"event":"step","step":2,"loss":"low"}\n',
      'm.jsonl:3: loss: expected a number or null, got "low"',
    ],
    [
      good + '{"event":"eval","step":2,"exactAccuracy":true}\n',
      "m.jsonl:3: exactAccuracy: expected a number",
    ],
    [good + '{"event":"step","step":2,"run":7}\n', "m.jsonl:3: run: expected a string"],
  ];
  for (const [text, message] of cases) {
    const e = assertThrows(() => parseMetrics(text, "m.jsonl"), DataError);
    assert(e.message.startsWith(message), `${e.message} vs ${message}`);
    assert(!e.message.includes("\n"));
  }
  // A write in progress (no newline yet) is not an error; other events are skipped.
  assertEquals(parseMetrics(good + '{"event":"step","st', "m.jsonl").length, 2);
  assertEquals(parseMetrics(good + '{"event":"checkpoint","step":1}\n', "m.jsonl").length, 2);
  // A number too large for a double reads as JSON's Infinity: treated as missing.
  const [r] = parseMetrics('{"event":"step","step":1,"loss":1e999}\n', "m.jsonl");
  assertEquals(r!.event === "step" && r!.loss, null);
});
