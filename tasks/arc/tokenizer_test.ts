import { assertEquals } from "@std/assert";
import { createRng } from "@recursive/trm/core";
import type { Grid } from "../../augment/mod.ts";
import { loadArcFolder } from "./loader.ts";
import { assertArcRoundTrip } from "./testdata/round_trip.ts";
import { decodeArcGrid, encodeArcGrid, encodeArcLabel } from "./tokenizer.ts";

Deno.test("encodeArcGrid() reproduces the spec 6.4 example exactly", () => {
  const t = encodeArcGrid({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
  const row = (r: number) => Array.from(t.subarray(r * 30, r * 30 + 30));
  assertEquals(row(0), [3, 2, 5, 1, ...Array(26).fill(0)]);
  assertEquals(row(1), [6, 7, 2, 1, ...Array(26).fill(0)]);
  assertEquals(row(2), [1, 1, 1, 0, ...Array(26).fill(0)]);
  assertEquals(t.subarray(90).every((v) => v === 0), true);
  const l = encodeArcLabel({ height: 2, width: 3, data: Uint8Array.from([1, 0, 3, 4, 5, 0]) });
  assertEquals([l[3], l[4], l[63]], [1, -100, -100]); // EOS supervised, PAD ignored, corner PAD
});

Deno.test("encodeArcGrid() equals a literal transcription of the reference on random grids and offsets", () => {
  // np.pad(grid + 2) at (r0, c0); EOS on row r0+h (columns c0..c0+w-1) and column c0+w (rows r0..r0+h-1).
  const reference = (g: Grid, r0: number, c0: number) => {
    const canvas = Array.from({ length: 30 }, () => new Array<number>(30).fill(0));
    for (let r = 0; r < g.height; r++) {
      for (let c = 0; c < g.width; c++) canvas[r0 + r]![c0 + c] = g.data[r * g.width + c]! + 2;
    }
    if (r0 + g.height < 30) { for (let c = c0; c < c0 + g.width; c++) canvas[r0 + g.height]![c] = 1; }
    if (c0 + g.width < 30) { for (let r = r0; r < r0 + g.height; r++) canvas[r]![c0 + g.width] = 1; }
    return canvas.flat();
  };
  const rng = createRng(11);
  for (let k = 0; k < 300; k++) {
    const h = k % 3 === 0 ? 30 - rng.int(0, 2) : rng.int(1, 30),
      w = k % 4 === 0 ? 30 - rng.int(0, 2) : rng.int(1, 30);
    const g = { height: h, width: w, data: Uint8Array.from({ length: h * w }, () => rng.int(0, 9)) };
    const at = { row: rng.int(0, 30 - h), col: rng.int(0, 30 - w) };
    const expected = reference(g, at.row, at.col);
    assertEquals(Array.from(encodeArcGrid(g, at)), expected, `${h}x${w} at ${at.row},${at.col}`);
    assertEquals(Array.from(encodeArcLabel(g, at)), expected.map((t) => (t === 0 ? -100 : t)));
  }
});

Deno.test("decodeArcGrid() crops as the reference's _crop: shrinking column bound, largest area", () => {
  const canvas = (rows: number[][]) => {
    const t = new Int32Array(900);
    rows.forEach((r, i) => t.set(r, i * 30));
    return t;
  };
  // Row 1 is wider than row 0, but the bound only shrinks: 2 x 3; row 2's single cell loses on area.
  const a = decodeArcGrid(canvas([[2, 3, 4, 1], [5, 6, 7, 8, 9, 1], [10, 0]]));
  assertEquals([a.height, a.width, Array.from(a.data)], [2, 3, [0, 1, 2, 3, 4, 5]]);
  // A narrower but taller rectangle wins: 10 rows of 2 beat 1 row of 3.
  const b = decodeArcGrid(canvas([[2, 2, 2, 0], ...Array.from({ length: 9 }, () => [3, 3, 1]), [1]]));
  assertEquals([b.height, b.width], [10, 2]);
  // EOS or PAD first: nothing predicted.
  assertEquals(decodeArcGrid(canvas([[1, 2, 3]])).height, 0);
});

Deno.test("encode -> decode is the identity on the fixture tasks' grids, translated or not, under every augmentation", async () => {
  // The shipped ARC-AGI-1 fixtures (full_datasets_test.ts runs the same check on every public task).
  const fixtures = new URL("./testdata/arc-agi-1/data/", import.meta.url).pathname;
  const tasks = [
    ...await loadArcFolder(`${fixtures}training`),
    ...await loadArcFolder(`${fixtures}evaluation`),
  ];
  const { grids, transforms } = assertArcRoundTrip(tasks);
  assertEquals(transforms.size, 8);
  assertEquals(grids, 2 * tasks.reduce((n, t) => n + t.train.length + t.test.length, 0));
  assertEquals(tasks.length, 8);
});
