/**
 * The ARC evaluator (spec 7.2): each prediction is cropped, mapped back through the inverse of its
 * augmentation, hashed, and voted on per test pair; candidates rank by vote count, then by mean halting
 * probability. Reports pass@k and writes the Kaggle `submission.json`.
 *
 * @module
 */
import { type Grid, gridHash } from "../../augment/mod.ts";
import { arcAugmentation } from "./dataset.ts";
import type { ArcTestMeta } from "./dataset.ts";
import type { ArcTask } from "./loader.ts";
import { decodeArcGrid } from "./tokenizer.ts";

interface Candidate {
  count: number;
  qSum: number;
  grid: Grid;
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

  /** Forgets the votes (a no-op in aggregate mode, which keeps them across checkpoints). */
  reset(): void {
    if (!this.#aggregate) this.#votes = new Map();
  }

  /**
   * Adds one prediction (900 tokens) of the test example described by `meta`, with its halting logit.
   * Padding rows (no task) should simply not be added.
   */
  add(tokens: ArrayLike<number>, meta: ArcTestMeta, qHaltLogit: number): void {
    const cropped = decodeArcGrid(tokens);
    if (cropped.height === 0 || cropped.width === 0) return; // nothing predicted: no vote
    const grid = meta.version.params ? arcAugmentation.invert(cropped, meta.version.params) : cropped;
    const key = `${meta.task}/${meta.pair}`;
    let pair = this.#votes.get(key);
    if (!pair) this.#votes.set(key, pair = new Map());
    const h = gridHash(grid);
    const c = pair.get(h) ?? { count: 0, qSum: 0, grid };
    c.count++;
    c.qSum += 1 / (1 + Math.exp(-qHaltLogit));
    pair.set(h, c);
  }

  /** Ranked candidate grids of a test pair (count first, then mean halting probability). */
  ranked(task: string, pair: number): Grid[] {
    const votes = [...(this.#votes.get(`${task}/${pair}`)?.values() ?? [])];
    votes.sort((a, b) => b.count - a.count || b.qSum / b.count - a.qSum / a.count);
    return votes.map((v) => v.grid);
  }

  /** pass@k over all test tasks (a pair without predictions counts as wrong), plus the submission. */
  result(ks: readonly number[] = [1, 2, 5, 10]): ArcResult {
    const passAt: Record<number, number> = Object.fromEntries(ks.map((k) => [k, 0]));
    const submission: Record<string, ArcAttempts[]> = {};
    let scored = 0;
    for (const task of this.#tasks.values()) {
      if (task.test.length === 0) continue;
      scored++;
      submission[task.id] = task.test.map((_, i) => {
        const [first, second] = this.ranked(task.id, i);
        const a1 = first ? toRows(first) : [[0]];
        return { attempt_1: a1, attempt_2: second ? toRows(second) : a1 };
      });
      for (const k of ks) {
        let solved = 0;
        task.test.forEach((p, i) => {
          if (!p.output) return;
          const truth = gridHash(p.output);
          if (this.ranked(task.id, i).slice(0, k).some((g) => gridHash(g) === truth)) solved++;
        });
        passAt[k]! += solved / task.test.length;
      }
    }
    for (const k of ks) passAt[k] = scored ? passAt[k]! / scored : 0;
    return { passAt, tasks: scored, submission };
  }
}
