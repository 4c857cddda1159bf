import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { extent, formatTicks, linearAxis, logAxis, niceStep } from "./_chart.ts";

/** Reads a label back ("20k" is 20000). */
const read = (label: string) => (label.endsWith("k") ? 1000 * Number(label.slice(0, -1)) : Number(label));

const magnitude = fc.integer({ min: -12, max: 12 });
const range = fc.tuple(
  fc.double({ min: -1, max: 1, noNaN: true }),
  fc.double({ min: 0, max: 1, noNaN: true }),
  magnitude,
)
  .map(([a, d, k]) => [a * 10 ** k, (a + d) * 10 ** k] as const);

Deno.test("linearAxis: covers the range with 1-2-5 ticks evenly spaced; labels distinct and read back", () => {
  fc.assert(
    fc.property(range, fc.boolean(), ([lo, hi], integer) => {
      const axis = linearAxis(lo, hi, true, integer);
      assert(axis.lo <= lo && axis.hi >= hi, `${axis.lo}..${axis.hi} covers ${lo}..${hi}`);
      const t = axis.major;
      assert(t.length >= 2 && t.length <= 12, `${t.length} ticks`);
      assert(t[0]! >= axis.lo - 1e-9 * Math.abs(axis.lo) && t.at(-1)! <= axis.hi + 1e-9 * Math.abs(axis.hi));
      const step = t[1]! - t[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-6);
      assert([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `step ${step}`);
      if (integer) assert(t.every(Number.isInteger), "integer ticks");
      for (let i = 1; i < t.length; i++) assert(Math.abs(t[i]! - t[i - 1]! - step) < 1e-6 * step, "even");
      const labels = formatTicks(t);
      assertEquals(new Set(labels).size, labels.length, labels.join(" "));
      labels.forEach((l, i) => assert(Math.abs(read(l) - t[i]!) <= 1e-6 * step, `${l} for ${t[i]}`));
    }),
    { numRuns: 500 },
  );
});

Deno.test("linearAxis: equal or vanishing ranges get room instead of NaN", () => {
  for (const [lo, hi] of [[0, 0], [3, 3], [-2, -2], [0, 5e-324], [1e-250, 1e-250]]) {
    const a = linearAxis(lo!, hi!);
    assert(a.hi > a.lo && a.major.length >= 2 && a.major.every(Number.isFinite), `${lo}..${hi}`);
  }
});

Deno.test("logAxis: whole decades around the data, at most 9 labels", () => {
  fc.assert(
    fc.property(fc.integer({ min: -300, max: 290 }), fc.integer({ min: 1, max: 600 }), (a, span) => {
      const lo = 3 * 10 ** a, hi = 10 ** Math.min(300, a + span);
      fc.pre(hi > lo);
      const axis = logAxis(lo, hi);
      assert(axis.lo <= lo && axis.hi >= hi && axis.lo > 0);
      assert(axis.major.length >= 1 && axis.major.length <= 9, `${axis.major.length} labels`);
      assert(
        axis.major.every((v) => Number.isInteger(Math.round(Math.log10(v) * 1e6) / 1e6)),
        "powers of ten",
      );
    }),
  );
  assertEquals(logAxis(0.02, 3).major, [0.01, 0.1, 1, 10]);
});

Deno.test("niceStep and extent", () => {
  assertEquals([niceStep(10, 5), niceStep(7, 5), niceStep(0.3, 5), niceStep(3, 5, true)], [2, 1, 0.05, 1]);
  assertEquals(extent([3, -1, 2]), [-1, 3]);
  assertEquals(extent([]), [Infinity, -Infinity]);
  assertEquals(extent(Array.from({ length: 500_000 }, (_, i) => i)), [0, 499_999]); // no spread limit
});
