/**
 * Generic data sources for tasks whose training set is a list of puzzles (Sudoku, Maze, user tasks).
 *
 * @module
 */
import { createRng, deriveSeed, permutation } from "./rng.ts";
import type { Example, TaskSpec, TestSource, TrainSource } from "./task.ts";

/**
 * Training batches over `size` puzzles: example `k` of the run is position `k mod size` of epoch
 * `floor(k / size)`'s permutation (seeded by `deriveSeed(seed, epoch)`), built by
 * `example(index, epoch)`. Any step is computed directly, so a resumed run needs no iterator state.
 *
 * @example
 * ```ts
 * import { shuffledTrainSource } from "@recursive/trm/core";
 * const spec = { name: "t", vocabSize: 3, seqLen: 1, numPuzzleIds: 1 };
 * const src = shuffledTrainSource(spec, 4, 0, (i) => ({ input: Int32Array.of(i), label: Int32Array.of(i), puzzleId: 0 }));
 * const epoch = src.batch(0, 4).map((e) => e.input[0]).sort();
 * if (epoch.join() !== "0,1,2,3") throw new Error("each puzzle once per epoch");
 * ```
 */
export function shuffledTrainSource(
  spec: TaskSpec,
  size: number,
  seed: number,
  example: (index: number, epoch: number) => Example,
): TrainSource {
  if (!(Number.isInteger(size) && size > 0)) {
    throw new RangeError(`${spec.name}: expected training puzzles, got ${size}`);
  }
  const orders = new Map<number, Int32Array>();
  const order = (epoch: number): Int32Array => {
    let o = orders.get(epoch);
    if (!o) {
      if (orders.size > 4) orders.clear(); // batches straddle at most two epochs
      orders.set(epoch, o = permutation(createRng(deriveSeed(seed, epoch)), size));
    }
    return o;
  };
  return {
    spec,
    epochSize: size,
    batch: (step, batchSize) =>
      Array.from({ length: batchSize }, (_, b) => {
        const k = step * batchSize + b, epoch = Math.floor(k / size);
        return example(order(epoch)[k % size]!, epoch);
      }),
  };
}

/**
 * A test source over a fixed list of examples.
 *
 * @example
 * ```ts
 * import { listTestSource } from "@recursive/trm/core";
 * const spec = { name: "t", vocabSize: 3, seqLen: 1, numPuzzleIds: 1 };
 * const src = listTestSource(spec, [{ input: Int32Array.of(1), label: Int32Array.of(2), puzzleId: 0 }]);
 * if (src.size !== 1 || src.example(0).label[0] !== 2) throw new Error("list");
 * ```
 */
export function listTestSource(spec: TaskSpec, examples: readonly Example[]): TestSource {
  return { spec, size: examples.length, example: (i) => examples[i]! };
}
