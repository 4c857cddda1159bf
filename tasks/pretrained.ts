/**
 * Pretrained models shipped inside the package: small checkpoints (`tasks/<task>/pretrained/<name>/`,
 * made by `deno task pretrain`) and their cards. `pretrainedFor` gives the URL of a model's folder, for
 * `loadCheckpoint` (a `file:` URL locally; an `https:` URL when the package is imported from JSR, which
 * `loadCheckpoint` fetches, needing `--allow-net`).
 *
 * @module
 */
import type { TaskSpec } from "@recursive/trm/core";
import sudoku4 from "./sudoku/pretrained/sudoku-4x4/card.json" with { type: "json" };
import sudoku6 from "./sudoku/pretrained/sudoku-6x6/card.json" with { type: "json" };
import maze7 from "./maze/pretrained/maze-7x7/card.json" with { type: "json" };
import queens8 from "./nqueens/pretrained/nqueens-8x8/card.json" with { type: "json" };

/** Accuracy of a model on its held-out set, for one way of running it. */
export interface PretrainedScores {
  /** Fraction of held-out puzzles answered exactly. */
  readonly exactAccuracy: number;
  /** Fraction of answers that are legal solutions (the task's `validate`), or null without one. */
  readonly validRate: number | null;
  /** Mean supervision steps used. */
  readonly meanSteps: number;
}

/** The card of a shipped model (its `card.json`). */
export interface PretrainedCard {
  /** Model name, e.g. `"sudoku-4x4"`. */
  readonly name: string;
  /** Built-in task name (`tasks/builtin.ts`). */
  readonly task: string;
  /** The task spec the model was built for. */
  readonly taskSpec: TaskSpec;
  /** The checkpoint folder, relative to `tasks/`. */
  readonly path: string;
  /** What it was trained on. */
  readonly data: string;
  /** Optimizer steps. */
  readonly steps: number;
  /** Seed of data, initialisation and exploration. */
  readonly seed: number;
  /** Generated training puzzles. */
  readonly trainSize: number;
  /**
   * The held-out set (the first `count` generated puzzles of the seed, none of them trained on): every
   * supervision step run (N_sup, as training's evaluation), and with early halting.
   */
  readonly heldOut: PretrainedScores & {
    /** Held-out puzzles. */
    readonly count: number;
    /** Each row stops at the first step whose halting probability exceeds `haltThreshold`. */
    readonly earlyHalt: PretrainedScores & { readonly haltThreshold: number };
  };
  /** The main config values (the full config is in the checkpoint's meta.json). */
  readonly config: {
    readonly hidden: number;
    readonly mixer: string;
    readonly n: number;
    readonly T: number;
    readonly maxSteps: number;
    readonly batchSize: number;
    readonly lr: number;
    readonly emaDecay: number | null;
  };
  /** Trainable parameters. */
  readonly params: number;
  /** Bytes of the checkpoint files. */
  readonly bytes: number;
  /** The command that trained it. */
  readonly command: string;
  /** How the shipped files were made: the pretrain command, backend, kernel, training seconds (null: not timed). */
  readonly made: {
    readonly by: string;
    readonly backend: string;
    readonly matmulKernel: string;
    readonly trainSeconds: number | null;
  };
}

const CARDS: readonly PretrainedCard[] = [sudoku4, sudoku6, maze7, queens8] as readonly PretrainedCard[];

/**
 * Each model's folder beside this module, as literal `new URL(..., import.meta.url)` expressions: the form
 * bundlers and static analysis recognise as a file the module needs.
 */
const FOLDERS: Readonly<Record<string, () => URL>> = {
  "sudoku-4x4": () => new URL("./sudoku/pretrained/sudoku-4x4/", import.meta.url),
  "sudoku-6x6": () => new URL("./sudoku/pretrained/sudoku-6x6/", import.meta.url),
  "maze-7x7": () => new URL("./maze/pretrained/maze-7x7/", import.meta.url),
  "nqueens-8x8": () => new URL("./nqueens/pretrained/nqueens-8x8/", import.meta.url),
};

/**
 * The cards of every shipped model.
 *
 * @example
 * ```ts
 * import { pretrainedModels } from "@recursive/trm/tasks";
 * const names = pretrainedModels().map((c) => c.name);
 * if (!names.includes("sudoku-4x4")) throw new Error(names.join());
 * ```
 */
export function pretrainedModels(): readonly PretrainedCard[] {
  return CARDS;
}

/**
 * The card for a model name (`"sudoku-6x6"`), a task name (its first model: `"sudoku"` is 4x4), or a
 * task spec (same name, vocabulary and length), or undefined when none is shipped.
 *
 * @example
 * ```ts
 * import { pretrainedCard } from "@recursive/trm/tasks";
 * const spec = { name: "sudoku", vocabSize: 8, seqLen: 36, numPuzzleIds: 1 };
 * if (pretrainedCard(spec)?.name !== "sudoku-6x6") throw new Error("6x6 Sudoku");
 * if (pretrainedCard("arc") !== undefined) throw new Error("no ARC model is shipped");
 * ```
 */
export function pretrainedCard(taskOrSpec: string | TaskSpec): PretrainedCard | undefined {
  if (typeof taskOrSpec === "string") {
    return CARDS.find((c) => c.name === taskOrSpec) ?? CARDS.find((c) => c.task === taskOrSpec);
  }
  const s = taskOrSpec;
  return CARDS.find((c) =>
    c.taskSpec.name === s.name && c.taskSpec.seqLen === s.seqLen && c.taskSpec.vocabSize === s.vocabSize
  );
}

/**
 * The URL of the shipped checkpoint folder for a model name, task name or task spec (see
 * {@linkcode pretrainedCard}), for `loadCheckpoint(url)`; undefined when none is shipped.
 *
 * @example
 * ```ts
 * import { initBackend, loadCheckpoint } from "@recursive/trm";
 * import { pretrainedFor } from "@recursive/trm/tasks";
 * await initBackend("cpu");
 * using loaded = await loadCheckpoint(pretrainedFor("sudoku")!);
 * if (loaded.meta.taskSpec.seqLen !== 16) throw new Error("4x4 Sudoku");
 * ```
 */
export function pretrainedFor(taskOrSpec: string | TaskSpec): URL | undefined {
  const card = pretrainedCard(taskOrSpec);
  return card ? FOLDERS[card.name]?.() : undefined;
}
