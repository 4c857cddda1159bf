import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { createRng, deriveSeed, permutation, rngFromState } from "./rng.ts";

Deno.test("createRng() gives the same stream for the same seed and another for another seed", () => {
  const draw = (seed: number) => {
    const r = createRng(seed);
    return Array.from({ length: 20 }, () => r.int(0, 1000));
  };
  assertEquals(draw(5), draw(5));
  assertNotEquals(draw(5), draw(6));
});

Deno.test("rngFromState() resumes the stream exactly", () => {
  const a = createRng(11);
  a.int(0, 10);
  const b = rngFromState(JSON.parse(JSON.stringify(a.state())));
  for (let i = 0; i < 50; i++) assertEquals(a.float(), b.float());
});

Deno.test("permutation() is a permutation and int() stays in range", () => {
  const r = createRng(3);
  const p = permutation(r, 100);
  assertEquals([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  for (let i = 0; i < 1000; i++) {
    const v = r.int(2, 16);
    assert(v >= 2 && v <= 16 && Number.isInteger(v));
  }
});

Deno.test("deriveSeed() separates nearby inputs", () => {
  const seen = new Set<number>();
  for (let e = 0; e < 10; e++) for (let i = 0; i < 100; i++) seen.add(deriveSeed(0, e, i));
  assertEquals(seen.size, 1000);
});
