/**
 * The CLI's data options to and from a checkpoint's typed {@linkcode RunRecipe}: `data.kind` is
 * `"generated"` (puzzles made from the seed) or `"files"` (`--data PATH`), beside the sizes and the ARC
 * options. The same two kinds are what format-1 checkpoints are migrated to (io/checkpoint_meta.ts).
 *
 * @module
 */
import { type RecipeDataOptions, recipeDataOptions, RunFolderError, type RunRecipe } from "../io/mod.ts";
import type { DataOptions } from "./data.ts";
import { UsageError } from "./flags.ts";

/** The recipe's `data` for `options` (the seed is the recipe's own field). */
export function recipeData(options: DataOptions): RunRecipe["data"] {
  const { data: path, seed: _seed, aggregateVotes: _votes, ...rest } = options;
  return path === undefined ? { kind: "generated", ...rest } : { kind: "files", path, ...rest };
}

/**
 * The CLI's data options a recipe stands for (checked by io's `recipeDataOptions`); throws a one-line
 * {@linkcode UsageError} naming `file` and the field when a value has the wrong type.
 */
export function dataOptionsOf(recipe: RunRecipe, file: string): DataOptions {
  let d: RecipeDataOptions;
  try {
    d = recipeDataOptions(recipe, file);
  } catch (e) {
    if (e instanceof RunFolderError) throw new UsageError(e.message);
    throw e;
  }
  const { path, ...rest } = d;
  return { data: path, seed: recipe.seed, ...rest };
}
