/**
 * A task plugin in one file, written against the public API only: sort 6 digits. Its default export is
 * what `deno task train --task tests/testdata/sort_task.ts` loads. The smallest working plugin is
 * `spec`, `encode`, `decode` and `generate`; `validate`, `parse` and `format` add a legality check for
 * evaluations and text input/output for `solve`; `preset` sizes the default run for a CPU test.
 *
 * @module
 */
import { createRng, DataError, type Task } from "../../mod.ts";

/** A puzzle: six digits 0..9. */
export type Digits = { readonly digits: number[] };
const L = 6;

/** Sorting six digits; tokens are digit + 1 (0 is padding). */
export const sortTask: Task<Digits> = {
  spec: { name: "sort", vocabSize: 11, seqLen: L, numPuzzleIds: 1 },
  encode: (p) => ({
    input: Int32Array.from(p.digits, (d) => d + 1),
    label: Int32Array.from([...p.digits].sort((a, b) => a - b), (d) => d + 1),
    puzzleId: 0,
  }),
  decode: (t) => ({ digits: Array.from(t, (v) => v - 1) }),
  validate: (p, a) =>
    a.digits.every((d, i) => i === 0 || a.digits[i - 1]! <= d) &&
    [...a.digits].sort().join() === [...p.digits].sort().join(),
  parse: (text) => {
    if (!/^[0-9]{6}$/.test(text.trim())) throw new DataError("puzzle: expected 6 digits");
    return { digits: Array.from(text.trim(), Number) };
  },
  format: (p) => p.digits.join(""),
  generate: (n, seed) => {
    const rng = createRng(seed);
    return Array.from({ length: n }, () => ({ digits: Array.from({ length: L }, () => rng.int(0, 9)) }));
  },
  // CPU-test size: a small model, 2 supervision steps, a 1-position puzzle prefix.
  preset: {
    steps: 60,
    trainSize: 2000,
    testSize: 40,
    config: {
      model: { hidden: 32, puzzleEmbLen: 1 },
      supervision: { maxSteps: 2 },
      optim: { batchSize: 32 },
    },
  },
};

export default sortTask;
