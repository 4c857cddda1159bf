/**
 * The augmented versions of every ARC task (spec 6.4), stored compactly: 11 bytes per version (the
 * dihedral id and the 10-entry colour map) instead of one object per version, so 1000 augmentations x
 * 960 tasks take about 10 MB. Distinct versions are found with the same draws and the same
 * accept/reject decisions as `distinctAugmentations(pairs, arcAugmentation, ...)` from `augment/`, but
 * hash the augmented grids without building them and skip draws that repeat an earlier
 * (transform, colours actually used) choice, which makes the build about 10x faster.
 *
 * @module
 */
import { createRng, deriveSeed } from "@recursive/trm/core";
import {
  type Augmentation,
  colorPermutation,
  type ColorPermutationParams,
  compose,
  dihedral,
  type DihedralId,
  type DihedralParams,
  type Grid,
  type Pair,
  taskHash,
} from "../../augment/mod.ts";

/** Parameters of one augmented version: colour map first, then the dihedral transform. */
export type ArcAugParams = readonly [ColorPermutationParams, DihedralParams];

/** The reference's ARC augmentation: a colour permutation fixing 0 (black), then D4. */
export const arcAugmentation: Augmentation<ArcAugParams> = compose(
  colorPermutation({ fixed: [0] }),
  dihedral(),
);

/** One version of a task: the original (`params` null) or an augmentation. */
export interface ArcVersion {
  /** Index of the task (group) in the dataset's task list. */
  readonly task: number;
  /** Augmentation parameters, or null for the original. */
  readonly params: ArcAugParams | null;
  /** Row of the puzzle-embedding table (1-based; 0 is the blank identifier). */
  readonly puzzleId: number;
}

/** Salt of the per-task augmentation streams (keeps them apart from other uses of the seed). */
const SALT_AUGMENT = 0x41524341;

// gridHash() of augment/distinct.ts, computed on the transformed grid without building it.
function augmentedGridHash(g: Grid, t: number, map: Uint8Array): string {
  const H = g.height, W = g.width, d = g.data;
  const swap = t === 1 || t === 3 || t === 6 || t === 7;
  const oh = swap ? W : H, ow = swap ? H : W;
  // Source index of output (i, j) is base + i * si + j * sj (spec 6.5's table).
  const [base, si, sj] = [
    [0, W, 1],
    [W - 1, -1, W],
    [(H - 1) * W + W - 1, -W, -1],
    [(H - 1) * W, 1, -W],
    [W - 1, W, -1],
    [(H - 1) * W, -W, 1],
    [0, 1, W],
    [(H - 1) * W + W - 1, -1, -W],
  ][t]!;
  let h1 = 0x811c9dc5 | 0, h2 = 0x050c5d1f | 0;
  h1 = Math.imul(h1 ^ oh, 0x01000193);
  h2 = Math.imul(h2 ^ oh, 0x01000193) ^ (h2 >>> 15);
  h1 = Math.imul(h1 ^ ow, 0x01000193);
  h2 = Math.imul(h2 ^ ow, 0x01000193) ^ (h2 >>> 15);
  for (let i = 0; i < oh; i++) {
    let s = base! + i * si!;
    for (let j = 0; j < ow; j++, s += sj!) {
      const v = map[d[s]!]!;
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x01000193) ^ (h2 >>> 15);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/**
 * Params of up to `count` distinct augmented versions of a task (all its pairs), drawn from `seed`:
 * exactly what `distinctAugmentations(pairs, arcAugmentation, { count, rng: createRng(seed) })` returns,
 * faster.
 *
 * @example
 * ```ts
 * import { arcDistinctAugmentations } from "@recursive/trm/tasks/arc";
 * const g = { height: 1, width: 2, data: Uint8Array.from([0, 1]) }; // one colour besides black
 * const found = arcDistinctAugmentations([{ input: g, output: g }], 1000, 0);
 * // 9 colours x 4 distinct placements of a 1x2 strip, minus the original.
 * if (found.length !== 35) throw new Error(`${found.length}`);
 * ```
 */
export function arcDistinctAugmentations(
  pairs: readonly Pair[],
  count: number,
  seed: number,
  maxAttempts: number = 5 * count,
): ArcAugParams[] {
  const used = new Set<number>();
  for (const p of pairs) {
    for (const g of [p.input, p.output]) for (const v of g.data) if (v !== 0) used.add(v);
  }
  const colours = [...used].sort((a, b) => a - b);
  const seen = new Set([taskHash(pairs)]), tried = new Set<number>();
  const rng = createRng(seed), out: ArcAugParams[] = [];
  for (let a = 0; a < maxAttempts && out.length < count; a++) {
    const p = arcAugmentation.sample(rng);
    const map = p[0].map, t = p[1].transform;
    // Same (transform, map on the colours present) -> same augmented task: already judged.
    let key = t;
    for (const c of colours) key = key * 10 + map[c]!;
    if (tried.has(key)) continue;
    tried.add(key);
    const h = pairs.map((q) => `${augmentedGridHash(q.input, t, map)}|${augmentedGridHash(q.output, t, map)}`)
      .sort().join(",");
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(p);
  }
  return out;
}

/**
 * Every task's versions (the original first, then its distinct augmentations), with puzzle ids
 * assigned from 1 in task order, each task's versions contiguous.
 *
 * @example
 * ```ts
 * import { ArcVersions } from "@recursive/trm/tasks/arc";
 * const g = { height: 1, width: 2, data: Uint8Array.from([0, 1]) };
 * const v = ArcVersions.build([[{ input: g, output: g }], [{ input: g, output: g }]], 5, 0);
 * if (v.size !== 12 || v.version(7).params !== null || v.version(8).task !== 1) throw new Error("ids");
 * ```
 */
export class ArcVersions {
  readonly #start: Int32Array; // first version index of each task, plus the total
  readonly #params: Uint8Array; // 11 bytes per version: transform, then map[0..9] (zeros for originals)

  private constructor(start: Int32Array, params: Uint8Array) {
    this.#start = start;
    this.#params = params;
  }

  /** Builds the table: up to `count` distinct augmentations of each task (all of its `pairs`). */
  static build(tasks: readonly (readonly Pair[])[], count: number, seed: number): ArcVersions {
    const found = tasks.map((pairs, t) =>
      count > 0 ? arcDistinctAugmentations(pairs, count, deriveSeed(seed, SALT_AUGMENT, t)) : []
    );
    const start = new Int32Array(tasks.length + 1);
    found.forEach((f, t) => (start[t + 1] = start[t]! + 1 + f.length));
    const params = new Uint8Array(start[tasks.length]! * 11);
    found.forEach((f, t) =>
      f.forEach(([colours, d], k) => {
        const o = (start[t]! + 1 + k) * 11;
        params[o] = d.transform;
        params.set(colours.map, o + 1);
      })
    );
    return new ArcVersions(start, params);
  }

  /** Number of tasks. */
  get tasks(): number {
    return this.#start.length - 1;
  }

  /** Number of versions of all tasks (= the puzzle ids in use, without the blank). */
  get size(): number {
    return this.#start[this.#start.length - 1]!;
  }

  /** Versions of task `task` (1 + accepted augmentations). */
  count(task: number): number {
    return this.#start[task + 1]! - this.#start[task]!;
  }

  /** Puzzle id of version `k` (0 = original) of task `task`. */
  puzzleId(task: number, k: number): number {
    if (!(k >= 0 && k < this.count(task))) throw new RangeError(`task ${task} has no version ${k}`);
    return this.#start[task]! + k + 1;
  }

  /** The version behind a puzzle id (1..size). */
  version(puzzleId: number): ArcVersion {
    const i = puzzleId - 1;
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) {
      throw new RangeError(`puzzle id ${puzzleId} outside 1..${this.size}`);
    }
    let lo = 0, hi = this.tasks - 1; // last task whose start is <= i
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#start[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    if (i === this.#start[lo]) return { task: lo, params: null, puzzleId };
    const o = i * 11;
    const params: ArcAugParams = [
      { map: this.#params.slice(o + 1, o + 11) },
      { transform: this.#params[o] as DihedralId },
    ];
    return { task: lo, params, puzzleId };
  }
}
