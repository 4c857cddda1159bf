import { assertAlmostEquals } from "@std/assert";
import { createRng } from "./rng.ts";
import { TRUNC_NORMAL_STD_CORRECTION, truncatedNormal } from "./params.ts";

Deno.test("TRUNC_NORMAL_STD_CORRECTION equals 1/sqrt(variance of N(0,1) truncated to [-2, 2])", () => {
  // v = 1 - (u phi(u) - l phi(l)) / Z - ((phi(u) - phi(l)) / Z)^2 with l = -2, u = 2 (spec 2.1).
  const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  const erf = (x: number) => { // Abramowitz-Stegun 7.1.26 is too coarse; integrate numerically instead.
    let s = 0;
    const n = 20000, h = x / n;
    for (let i = 0; i < n; i++) s += Math.exp(-(((i + 0.5) * h) ** 2));
    return (2 / Math.sqrt(Math.PI)) * s * h;
  };
  const Z = (erf(2 / Math.SQRT2) - erf(-2 / Math.SQRT2)) / 2;
  const v = 1 - (2 * phi(2) - -2 * phi(-2)) / Z;
  assertAlmostEquals(TRUNC_NORMAL_STD_CORRECTION, 1 / Math.sqrt(v), 1e-6);
});

Deno.test("truncatedNormal() has the requested std and never exceeds 2 corrected std", () => {
  const sigma = 0.04419;
  const w = truncatedNormal(createRng(1), 200_000, sigma);
  let s2 = 0, maxAbs = 0;
  for (const v of w) {
    s2 += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  assertAlmostEquals(Math.sqrt(s2 / w.length), sigma, sigma * 0.01);
  assertAlmostEquals(Math.min(maxAbs, 2 * TRUNC_NORMAL_STD_CORRECTION * sigma), maxAbs, 0);
});
