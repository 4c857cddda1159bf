import fc from "fast-check";
import { assert, assertAlmostEquals } from "@std/assert";
import { createRng } from "./rng.ts";
import { shouldHalt } from "./halting.ts";

Deno.test("shouldHalt() always halts at N_sup and never on q_halt <= 0 before it without exploration", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 16 }),
      fc.integer({ min: 1, max: 16 }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer(),
      (N, steps, q, p, seed) => {
        const s = Math.min(steps, N);
        const h = shouldHalt(s, q, N, p, createRng(seed));
        if (s >= N) assert(h, "halts at N_sup");
        if (s < N && q <= 0) assert(!h, "keeps going while q_halt <= 0");
        if (s < N && q > 0 && p === 0) assert(h, "halts on q_halt > 0 without exploration");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("shouldHalt() exploration forces a minimum of U{2..N} steps with probability p", () => {
  const rng = createRng(5), N = 16, p = 0.1, trials = 20000;
  // At step 1 with q_halt > 0, a row keeps going exactly when exploration fired (m >= 2 > 1).
  let kept = 0;
  for (let i = 0; i < trials; i++) kept += shouldHalt(1, 1, N, p, rng) ? 0 : 1;
  assertAlmostEquals(kept / trials, p, 0.01);
  // At step 8, it keeps going when exploration fired and m > 8: p * 8/15.
  kept = 0;
  for (let i = 0; i < trials; i++) kept += shouldHalt(8, 1, N, p, rng) ? 0 : 1;
  assertAlmostEquals(kept / trials, (p * 8) / 15, 0.01);
});
