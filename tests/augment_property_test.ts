/** Property tests of the augmentations (fast-check prints the seed and counterexample on failure). */
import fc from "fast-check";
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { createRng } from "../core/mod.ts";
import {
  applyDihedral,
  applyPair,
  colorPermutation,
  compose,
  cropFromCanvas,
  dihedral,
  DIHEDRAL_COMPOSE,
  DIHEDRAL_INVERSE,
  type DihedralId,
  type Grid,
  placeOnCanvas,
  sampleTranslation,
  sudokuShuffle,
} from "../augment/mod.ts";
import { generateSudoku, isConsistentWith, isValidSolution } from "../tasks/sudoku/mod.ts";

const RUNS = { numRuns: 150 };
const gridArb = (maxSide = 30, maxValue = 9): fc.Arbitrary<Grid> =>
  fc.record({ h: fc.integer({ min: 1, max: maxSide }), w: fc.integer({ min: 1, max: maxSide }) }).chain((
    { h, w },
  ) =>
    fc.uint8Array({ min: 0, max: maxValue, minLength: h * w, maxLength: h * w }).map((data) => ({
      height: h,
      width: w,
      data,
    }))
  );
const idArb = fc.integer({ min: 0, max: 7 }).map((i) => i as DihedralId);
const same = (a: Grid, b: Grid) =>
  a.height === b.height && a.width === b.width && a.data.every((v, i) => v === b.data[i]);
const histogram = (g: Grid) => {
  const h = new Array(256).fill(0);
  g.data.forEach((v) => h[v]++);
  return h;
};

Deno.test("dihedral: invert(apply(g)) = g, the multiset of values is kept, shapes swap on 1/3/6/7", () => {
  fc.assert(
    fc.property(gridArb(), idArb, (g, t) => {
      const aug = dihedral(), p = { transform: t };
      const out = aug.apply(g, p);
      assert(same(aug.invert(out, p), g));
      assertEquals(histogram(out), histogram(g));
      const swapped = t === 1 || t === 3 || t === 6 || t === 7;
      assertEquals([out.height, out.width], swapped ? [g.width, g.height] : [g.height, g.width]);
    }),
    RUNS,
  );
});

Deno.test("dihedral: D4 is a group (distinct on a generic grid, composition and inverse tables, rot^4 = id)", () => {
  const generic: Grid = { height: 2, width: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  const images = Array.from({ length: 8 }, (_, t) => applyDihedral(generic, t as DihedralId));
  for (let a = 0; a < 8; a++) {
    for (let b = a + 1; b < 8; b++) assert(!same(images[a]!, images[b]!), `${a} == ${b}`);
  }
  fc.assert(
    fc.property(gridArb(), idArb, idArb, (g, a, b) => {
      assert(
        same(applyDihedral(applyDihedral(g, a), b), applyDihedral(g, DIHEDRAL_COMPOSE[a]![b]!)),
        `compose ${a} ${b}`,
      );
      assert(same(applyDihedral(applyDihedral(g, a), DIHEDRAL_INVERSE[a]!), g));
      let r = g;
      for (let i = 0; i < 4; i++) r = applyDihedral(r, 1);
      assert(same(r, g));
    }),
    RUNS,
  );
});

Deno.test("colorPermutation: a bijection fixing the fixed set; applying it maps the value multiset", () => {
  fc.assert(
    fc.property(
      gridArb(),
      fc.integer(),
      fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }),
      (g, seed, fixed) => {
        const aug = colorPermutation({ fixed });
        const p = aug.sample(createRng(seed));
        assertEquals([...p.map].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const f of fixed) assertEquals(p.map[f], f);
        const out = aug.apply(g, p), hg = histogram(g), ho = histogram(out);
        for (let c = 0; c < 10; c++) assertEquals(ho[p.map[c]!], hg[c]);
        assert(same(aug.invert(out, p), g));
      },
    ),
    RUNS,
  );
});

Deno.test("sudokuShuffle: keeps solved grids valid and givens consistent, for 4x4, 6x6 and 9x9", () => {
  for (const [boxRows, boxCols] of [[2, 2], [2, 3], [3, 2], [3, 3]] as const) {
    const aug = sudokuShuffle({ boxRows, boxCols }), N = boxRows * boxCols, shape = { boxRows, boxCols };
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (seedPuzzle, seedAug) => {
        const p = generateSudoku(createRng(seedPuzzle), { ...shape, blanks: N * 2 });
        const params = aug.sample(createRng(seedAug));
        if (boxRows !== boxCols) assertEquals(params.transpose, false);
        const sol = aug.apply({ height: N, width: N, data: p.solution! }, params);
        const puz = aug.apply({ height: N, width: N, data: p.puzzle }, params);
        assert(isValidSolution(sol.data, shape), "shuffled solution stays valid");
        assert(isConsistentWith(puz.data, sol.data), "givens stay a subset of the solution");
        assert(same(aug.invert(sol, params), { height: N, width: N, data: p.solution! }));
      }),
      { numRuns: 40 },
    );
  }
});

Deno.test("sudokuShuffle: two different params give different grids on a generic puzzle", () => {
  const aug = sudokuShuffle();
  const p = generateSudoku(createRng(1));
  const g = { height: 9, width: 9, data: p.solution! };
  fc.assert(
    fc.property(fc.integer(), fc.integer(), (s1, s2) => {
      const a = aug.sample(createRng(s1)), b = aug.sample(createRng(s2));
      const key = (q: typeof a) => `${q.digits}|${q.transpose}|${q.rowPerm}|${q.colPerm}`;
      if (key(a) !== key(b)) assertNotEquals(aug.apply(g, a).data.join(), aug.apply(g, b).data.join());
    }),
    { numRuns: 100 },
  );
});

Deno.test("translation: place then crop is the identity and never writes outside the canvas", () => {
  fc.assert(
    fc.property(gridArb(), gridArb(), fc.integer(), (input, output, seed) => {
      const at = sampleTranslation(createRng(seed), { input, output });
      for (const g of [input, output]) {
        const canvas = placeOnCanvas(g, at, 30, 255);
        assertEquals(canvas.data.length, 900);
        assert(same(cropFromCanvas(canvas, at, g.height, g.width), g));
        // Every cell outside the window still holds the fill value.
        let outside = 0;
        canvas.data.forEach((v, i) => {
          const r = Math.floor(i / 30), c = i % 30;
          const inside = r >= at.row && r < at.row + g.height && c >= at.col && c < at.col + g.width;
          if (!inside) outside += v === 255 ? 0 : 1;
        });
        assertEquals(outside, 0);
      }
    }),
    RUNS,
  );
});

Deno.test("an augmentation applied to an example transforms input and label with the same params", () => {
  const aug = compose(colorPermutation(), dihedral());
  fc.assert(
    fc.property(gridArb(10), fc.integer(), (g, seed) => {
      const p = aug.sample(createRng(seed));
      const pair = applyPair(aug, { input: g, output: g }, p);
      assert(same(pair.input, pair.output));
      assert(same(pair.input, aug.apply(g, p)));
    }),
    RUNS,
  );
});

Deno.test("augmentation streams are reproducible from the seed", () => {
  const aug = compose(colorPermutation(), dihedral());
  const draw = (seed: number) => {
    const rng = createRng(seed);
    return Array.from(
      { length: 20 },
      () => JSON.stringify(aug.sample(rng), (_, v) => v instanceof Uint8Array ? [...v] : v),
    );
  };
  assertEquals(draw(9), draw(9));
  assertNotEquals(draw(9), draw(10));
});
