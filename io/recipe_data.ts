/**
 * The data a checkpoint's recipe records, checked once for everyone who rebuilds it (`train()`'s resume,
 * the CLI's `--resume`, `eval`, `solve`, `deno task test-time`): `kind` is `"generated"` (puzzles made
 * from the seed) or `"files"` (a path the task's `load` hook reads), beside the sizes and the ARC
 * options. Data handed to `train()` directly is recorded as `"custom"` and cannot be rebuilt.
 *
 * @module
 */
import type { RunRecipe } from "./checkpoint_meta.ts";
import { RunFolderError } from "./run_folder_error.ts";

/** The checked data settings of a recipe. */
export interface RecipeDataOptions {
  /** The data path (kind `"files"`), or undefined for generated puzzles. */
  readonly path?: string;
  /** Training puzzles. */
  readonly trainSize: number;
  /** Held-out puzzles. */
  readonly testSize: number;
  /** ARC: augmentations per task. */
  readonly augmentations?: number;
  /** ARC: versions of each test task evaluated. */
  readonly testVersions?: number;
  /** ARC: invalid task files skipped. */
  readonly skipInvalid?: boolean;
}

/**
 * The data settings `recipe` stands for; throws a one-line {@linkcode RunFolderError} naming `file` and the
 * field when the kind cannot be rebuilt or a value has the wrong type.
 *
 * @example
 * ```ts
 * import { recipeDataOptions, type RunRecipe } from "@recursive/trm/io";
 * const recipe: RunRecipe = {
 *   task: "sudoku", preset: null, steps: 10, seed: 0, eval: { every: 0, limit: null },
 *   data: { kind: "generated", trainSize: 100, testSize: 20 },
 * };
 * const d = recipeDataOptions(recipe, "run/checkpoint/meta.json");
 * if (d.trainSize !== 100 || d.path !== undefined) throw new Error(JSON.stringify(d));
 * ```
 */
export function recipeDataOptions(recipe: RunRecipe, file: string): RecipeDataOptions {
  const d = recipe.data as Record<string, unknown>;
  const bad = (field: string, expected: string): never => {
    throw new RunFolderError(
      `${file}: recipe.data.${field}: expected ${expected}, got ${JSON.stringify(d[field])}`,
    );
  };
  if (d.kind !== "generated" && d.kind !== "files") {
    bad("kind", `"generated" or "files" (data given to train() directly cannot be rebuilt: pass it again)`);
  }
  if (d.kind === "files" && typeof d.path !== "string") bad("path", "a path string");
  for (const f of ["trainSize", "testSize"]) {
    if (!(Number.isSafeInteger(d[f]) && (d[f] as number) >= 0)) bad(f, "an integer >= 0");
  }
  for (const f of ["augmentations", "testVersions"]) {
    if (d[f] !== undefined && !(Number.isSafeInteger(d[f]) && (d[f] as number) >= 1)) {
      bad(f, "an integer >= 1");
    }
  }
  if (d.skipInvalid !== undefined && typeof d.skipInvalid !== "boolean") bad("skipInvalid", "true or false");
  return {
    ...(d.kind === "files" ? { path: d.path as string } : {}),
    trainSize: d.trainSize as number,
    testSize: d.testSize as number,
    ...(d.augmentations !== undefined ? { augmentations: d.augmentations as number } : {}),
    ...(d.testVersions !== undefined ? { testVersions: d.testVersions as number } : {}),
    ...(d.skipInvalid !== undefined ? { skipInvalid: d.skipInvalid as boolean } : {}),
  };
}
