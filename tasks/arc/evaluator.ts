/**
 * The ARC evaluator (spec 7.2): each prediction is cropped, mapped back through the inverse of its
 * augmentation, hashed, and voted on per test pair; candidates rank by vote count, then by mean halting
 * probability. Reports pass@k and writes the Kaggle `submission.json`.
 *
 * @module
 */
import { type Grid, gridHash } from "../../augment/mod.ts";
import { arcAugmentation } from "./versions.ts";
import type { ArcTestMeta } from "./dataset.ts";
import type { ArcTask } from "./loader.ts";
import { decodeArcGrid } from "./tokenizer.ts";

interface Candidate {
  count: number;
  qSum: number;
  readonly grid: Grid;
  readonly hash: string;
}

/** One entry of `submission.json`. */
export interface ArcAttempts {
  /** Best answer. */
  readonly attempt_1: number[][];
  /** Second-best answer (the first repeated when there is only one). */
  readonly attempt_2: number[][];
}

/** Scores of an evaluation. */
export interface ArcResult {
  /** pass@k for each requested k: mean over tasks of (solved test pairs / test pairs). */
  readonly passAt: Readonly<Record<number, number>>;
  /** Number of test tasks scored. */
  readonly tasks: number;
  /** Kaggle submission: per task id, one entry per test input. */
  readonly submission: Readonly<Record<string, ArcAttempts[]>>;
}

/** Options of {@linkcode ArcEvaluator}. */
export interface ArcEvaluatorOptions {
  /**
   * Keep votes across evaluations (the reference's `aggregated_voting`, an ensemble of checkpoints).
   * Default false: each `result()` covers the predictions since the last `reset()`.
   */
  readonly aggregate?: boolean;
}

const toRows = (g: Grid): number[][] =>
  Array.from({ length: g.height }, (_, r) => Array.from(g.data.subarray(r * g.width, (r + 1) * g.width)));

/**
 * Collects predictions and votes.
 *
 * @example
 * ```ts
 * import { ArcEvaluator, encodeArcGrid } from "@recursive/trm/tasks/arc";
 * const g = { height: 1, width: 1, data: Uint8Array.from([5]) };
 * const task = { id: "t", train: [], test: [{ input: g, output: g }] };
 * const ev = new ArcEvaluator([task]);
 * ev.add(encodeArcGrid(g), { task: "t", pair: 0, version: { task: 0, params: null, puzzleId: 1 } }, 2);
 * if (ev.result([1]).passAt[1] !== 1) throw new Error("solved");
 * ```
 */
export class ArcEvaluator {
  readonly #tasks: ReadonlyMap<string, ArcTask>;
  readonly #aggregate: boolean;
  #votes = new Map<string, Map<string, Candidate>>(); // "task/pair" -> prediction hash -> votes

  /** `tasks`: the test-set tasks, with their true test outputs where known. */
  constructor(tasks: readonly ArcTask[], options: ArcEvaluatorOptions = {}) {
    this.#tasks = new Map(tasks.map((t) => [t.id, t]));
    this.#aggregate = options.aggregate ?? false;
  }

  /**
   * Starts a new evaluation: forgets the votes, except in aggregate mode, which keeps them so that
   * the next result votes over every checkpoint evaluated so far.
   */
  reset(): void {
    if (!this.#aggregate) this.clear();
  }

  /** Forgets every vote, in either mode. */
  clear(): void {
    this.#votes = new Map();
  }

  /**
   * Adds one prediction (900 tokens) of the test example described by `meta`, with the halting logit
   * of its last step. Padding rows (no `meta`, or puzzle id 0) are ignored. An empty crop votes for
   * the empty grid, as in the reference (it can never be right).
   */
  add(tokens: ArrayLike<number>, meta: ArcTestMeta | undefined, qHaltLogit: number): void {
    if (!meta || meta.version.puzzleId === 0) return;
    if (!this.#tasks.has(meta.task)) throw new RangeError(`ArcEvaluator: "${meta.task}" is not a test task`);
    const cropped = decodeArcGrid(tokens);
    const grid = meta.version.params && cropped.height > 0
      ? arcAugmentation.invert(cropped, meta.version.params)
      : cropped;
    const key = `${meta.task}\u0000${meta.pair}`;
    let pair = this.#votes.get(key);
    if (!pair) this.#votes.set(key, pair = new Map());
    const h = gridHash(grid);
    let c = pair.get(h);
    if (!c) pair.set(h, c = { count: 0, qSum: 0, grid, hash: h });
    c.count++;
    c.qSum += 1 / (1 + Math.exp(-qHaltLogit));
  }

  /** Number of predictions added since the last reset. */
  get votes(): number {
    let n = 0;
    for (const pair of this.#votes.values()) for (const c of pair.values()) n += c.count;
    return n;
  }

  #ranked(task: string, pair: number): Candidate[] {
    const votes = [...(this.#votes.get(`${task}\u0000${pair}`)?.values() ?? [])];
    return votes.sort((a, b) => b.count - a.count || b.qSum / b.count - a.qSum / a.count);
  }

  /** Ranked candidate grids of a test pair: vote count first, then mean sigmoid(q_halt). */
  ranked(task: string, pair: number): Grid[] {
    return this.#ranked(task, pair).map((c) => c.grid);
  }

  /**
   * pass@k over all test tasks (task score = solved test pairs / test pairs; a pair without
   * predictions counts as wrong), plus the Kaggle submission (top two non-empty answers per test
   * input, the first repeated when there is only one, `[[0]]` when there is none).
   */
  result(ks: readonly number[] = [1, 2, 5, 10]): ArcResult {
    const passAt: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
    const submission: Record<string, ArcAttempts[]> = {};
    let scored = 0;
    for (const task of this.#tasks.values()) {
      if (task.test.length === 0) continue;
      scored++;
      const solvedAt = ks.map(() => 0);
      submission[task.id] = task.test.map((p, i) => {
        const ranked = this.#ranked(task.id, i);
        if (p.output) {
          const rank = ranked.findIndex((c) => c.hash === gridHash(p.output!));
          ks.forEach((k, j) => (solvedAt[j]! += rank >= 0 && rank < k ? 1 : 0));
        }
        const [first, second] = ranked.filter((c) => c.grid.height > 0).map((c) => toRows(c.grid));
        return { attempt_1: first ?? [[0]], attempt_2: second ?? first ?? [[0]] };
      });
      ks.forEach((k, j) => (passAt[k]! += solvedAt[j]! / task.test.length));
    }
    for (const k of ks) passAt[k] = scored ? passAt[k]! / scored : 0;
    return { passAt, tasks: scored, submission };
  }
}
