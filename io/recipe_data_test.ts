import { assertEquals, assertThrows } from "@std/assert";
import type { RunRecipe } from "./checkpoint_meta.ts";
import { recipeDataOptions } from "./recipe_data.ts";
import { RunFolderError } from "./run_folder_error.ts";

const recipe = (data: Record<string, unknown>) =>
  ({ task: "sudoku", preset: null, steps: 1, seed: 3, eval: { every: 0, limit: null }, data }) as RunRecipe;

Deno.test("recipeDataOptions: generated and file data with their sizes and ARC options", () => {
  assertEquals(recipeDataOptions(recipe({ kind: "generated", trainSize: 10, testSize: 2 }), "m.json"), {
    trainSize: 10,
    testSize: 2,
  });
  assertEquals(
    recipeDataOptions(
      recipe({ kind: "files", path: "arc", trainSize: 0, testSize: 0, augmentations: 8, skipInvalid: true }),
      "m.json",
    ),
    { path: "arc", trainSize: 0, testSize: 0, augmentations: 8, skipInvalid: true },
  );
});

Deno.test("recipeDataOptions: one line naming the file and the field for what cannot be rebuilt", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ kind: "custom" }, `m.json: recipe.data.kind: expected "generated" or "files"`],
    [
      { kind: "files", trainSize: 1, testSize: 1 },
      "m.json: recipe.data.path: expected a path string, got undefined",
    ],
    [
      { kind: "generated", trainSize: -1, testSize: 1 },
      "m.json: recipe.data.trainSize: expected an integer >= 0, got -1",
    ],
    [
      { kind: "generated", trainSize: 1, testSize: 1, testVersions: 0 },
      "recipe.data.testVersions: expected an integer >= 1",
    ],
    [
      { kind: "generated", trainSize: 1, testSize: 1, skipInvalid: "yes" },
      "recipe.data.skipInvalid: expected true or false",
    ],
  ];
  for (const [data, says] of cases) {
    assertThrows(() => recipeDataOptions(recipe(data), "m.json"), RunFolderError, says);
  }
});
