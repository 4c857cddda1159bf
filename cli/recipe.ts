/**
 * The CLI's data options to and from a checkpoint's typed {@linkcode RunRecipe}: `data.kind` is
 * `"generated"` (puzzles made from the seed) or `"files"` (`--data PATH`), beside the sizes and the ARC
 * options. The same two kinds are what format-1 checkpoints are migrated to (io/checkpoint_meta.ts).
 *
 * @module
 */
import type { RunRecipe } from "../io/mod.ts";
import type { DataOptions } from "./data.ts";
import { UsageError } from "./flags.ts";

/** The recipe's `data` for `options` (the seed is the recipe's own field). */
export function recipeData(options: DataOptions): RunRecipe["data"] {
  const { data: path, seed: _seed, aggregateVotes: _votes, ...rest } = options;
  return path === undefined ? { kind: "generated", ...rest } : { kind: "files", path, ...rest };
}

/**
 * The data options a recipe stands for; throws a one-line {@linkcode UsageError} naming `file` and the
 * field when a value has the wrong type.
 */
export function dataOptionsOf(recipe: RunRecipe, file: string): DataOptions {
  const d = recipe.data as Record<string, unknown>;
  const bad = (field: string, expected: string): never => {
    throw new UsageError(
      `${file}: recipe.data.${field}: expected ${expected}, got ${JSON.stringify(d[field])}`,
    );
  };
  if (d.kind !== "generated" && d.kind !== "files") bad("kind", `"generated" or "files"`);
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
    data: d.kind === "files" ? d.path as string : undefined,
    seed: recipe.seed,
    trainSize: d.trainSize as number,
    testSize: d.testSize as number,
    ...(d.augmentations !== undefined ? { augmentations: d.augmentations as number } : {}),
    ...(d.testVersions !== undefined ? { testVersions: d.testVersions as number } : {}),
    ...(d.skipInvalid !== undefined ? { skipInvalid: d.skipInvalid as boolean } : {}),
  };
}
