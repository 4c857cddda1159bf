import fc from "fast-check";
import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createRng, type Example } from "@recursive/trm/core";
import { applyDihedral, type Augmentation, type DihedralId, type Grid } from "../../augment/mod.ts";
import { generateMaze, generateMazeSet } from "./generator.ts";
import { isValidPath, type Maze, mazeTask } from "./maze.ts";
import { mazeTestSource, mazeTrainSource } from "./source.ts";
import { pathCells, refAllShortestPaths, refShortest } from "./testdata/reference.ts";

const SIZE = 8, task = mazeTask({ size: SIZE });
const mazes = generateMazeSet(1, 12, { size: SIZE, minPathLength: 10, loops: 2 });
const key = (e: Example) => `${e.input.join("")}|${e.label.join("")}`;
const grid = (data: Uint8Array): Grid => ({ height: SIZE, width: SIZE, data });

/** A test-only augmentation: transpose or not. */
const transpose: Augmentation<{ readonly flip: boolean }> = {
  name: "transpose",
  sample: (rng) => ({ flip: rng.int(0, 1) === 1 }),
  apply: (g, p) => (p.flip ? applyDihedral(g, 6) : { ...g, data: g.data.slice() }),
  invert: (g, p) => (p.flip ? applyDihedral(g, 6) : { ...g, data: g.data.slice() }),
};

Deno.test("every dihedral transform of a valid (maze, label) is a valid (maze, label)", () => {
  fc.assert(
    fc.property(fc.integer(), fc.constantFrom(10, 11, 30), (seed, size) => {
      const m = generateMaze(createRng(seed), { size, minPathLength: size === 30 ? 110 : 16, loops: 5 });
      const best = refShortest(m);
      for (let t = 0; t < 8; t++) {
        const g = (data: Uint8Array) =>
          applyDihedral({ height: size, width: size, data }, t as DihedralId).data;
        const moved: Maze = { size, cells: g(m.cells), solution: g(m.solution!) };
        assertEquals(moved.cells.filter((v) => v === 3).length, 1);
        assertEquals(moved.cells.filter((v) => v === 4).length, 1);
        assertEquals(refShortest(moved), best, `transform ${t} keeps the shortest length`);
        const all = refAllShortestPaths(moved, 2);
        assertEquals(
          all,
          [pathCells(moved.solution!)],
          `transform ${t}: the label is the unique shortest path`,
        );
        assert(isValidPath(moved, moved.solution!));
        const ex = mazeTask({ size }).encode(moved);
        assertEquals(mazeTask({ size }).score(ex.label, ex), {
          exact: true,
          cellAccuracy: 1,
          pathValid: true,
        });
      }
    }),
    { numRuns: 30 },
  );
});

Deno.test("mazeTrainSource() is deterministic with random access across epochs", () => {
  const a = mazeTrainSource(task, mazes, { seed: 4 }), b = mazeTrainSource(task, mazes, { seed: 4 });
  assertEquals(a.epochSize, 12);
  const run = a.batch(0, 40).map(key); // more than three epochs
  assertEquals(b.batch(0, 40).map(key), run);
  for (const [step, size] of [[3, 5], [7, 4], [2, 13]] as const) {
    assertEquals(b.batch(step, size).map(key), run.slice(step * size, (step + 1) * size));
  }
  assertNotEquals(mazeTrainSource(task, mazes, { seed: 5 }).batch(0, 12).map(key), run.slice(0, 12));
});

Deno.test("mazeTrainSource() without augmentation visits every maze once per epoch", () => {
  const src = mazeTrainSource(task, mazes, { seed: 0, augment: null });
  const originals = mazes.map((m) => key(task.encode(m))).sort();
  for (let epoch = 0; epoch < 3; epoch++) {
    assertEquals(src.batch(epoch, 12).map(key).sort(), originals);
  }
  assertNotEquals(src.batch(0, 12).map(key), src.batch(1, 12).map(key), "a new order each epoch");
});

Deno.test("mazeTrainSource() augments by default with one dihedral transform on maze and label", () => {
  const src = mazeTrainSource(task, mazes, { seed: 2 });
  const seen = new Set<number>(), perMaze = mazes.map(() => new Set<number>());
  for (let epoch = 0; epoch < 4; epoch++) {
    const batch = src.batch(epoch, 12), used = new Set<number>();
    for (const ex of batch) {
      // Find the maze and the transform that give this input; the same must give its label.
      let found = false;
      for (const [i, m] of mazes.entries()) {
        for (let t = 0; t < 8 && !found; t++) {
          if (applyDihedral(grid(m.cells), t as DihedralId).data.join() !== ex.input.join()) continue;
          assertEquals([...ex.label], [...applyDihedral(grid(m.solution!), t as DihedralId).data]);
          found = true;
          seen.add(t);
          perMaze[i]!.add(t);
          used.add(i);
        }
      }
      assert(found, "every example is a dihedral image of a training maze");
      assert(task.score(ex.label, ex).pathValid);
    }
    assertEquals(used.size, 12, "each maze once per epoch");
  }
  assert(seen.size >= 5, `only transforms ${[...seen]} seen in 48 examples`);
  // Redrawn every epoch: a maze keeps one transform for 4 epochs with probability 1/512.
  assert(perMaze.filter((ts) => ts.size > 1).length >= 9, "the transform of a maze changes across epochs");
});

Deno.test("mazeTrainSource() takes any same-shape augmentation, applied alike to maze and label", () => {
  const src = mazeTrainSource(task, mazes, { seed: 3, augment: transpose });
  let flipped = 0;
  for (const ex of src.batch(0, 24)) {
    const m = mazes.find((m) =>
      [m.cells, applyDihedral(grid(m.cells), 6).data].some((c) => c.join() === ex.input.join())
    )!;
    const isFlipped = m.cells.join() !== ex.input.join();
    const label = isFlipped ? applyDihedral(grid(m.solution!), 6).data : m.solution!;
    assertEquals([...ex.label], [...label]);
    if (isFlipped) flipped++;
  }
  assert(flipped > 3 && flipped < 21, `${flipped} of 24 transposed`);
});

Deno.test("mazeTrainSource() and mazeTestSource() refuse mismatched mazes and augmentations", () => {
  const crop: Augmentation<null> = {
    name: "crop",
    sample: () => null,
    apply: (g) => ({ height: g.height - 1, width: g.width, data: g.data.slice(g.width) }),
    invert: (g) => g,
  };
  assertThrows(
    () => mazeTrainSource(task, mazes, { seed: 0, augment: crop }).batch(0, 1),
    RangeError,
    'augmentation "crop" made a 7x8 grid from a 8x8 maze',
  );
  const unsolved = { size: SIZE, cells: mazes[0]!.cells };
  assertThrows(
    () => mazeTrainSource(task, [mazes[0]!, unsolved], { seed: 0 }),
    RangeError,
    "maze 1 has no solution",
  );
  const big = generateMaze(createRng(0), { size: 10, minPathLength: 10 });
  assertThrows(() => mazeTestSource(task, [big]), RangeError, "maze 0 is 10x10, the task is 8x8");
  assertThrows(() => mazeTrainSource(task, [], { seed: 0 }), RangeError, "expected training puzzles");
});

Deno.test("mazeTestSource() gives the mazes in order, unaugmented", () => {
  const src = mazeTestSource(task, mazes);
  assertEquals(src.size, 12);
  assertEquals(src.spec, task.spec);
  mazes.forEach((m, i) => assertEquals(key(src.example(i)), key(task.encode(m))));
});
