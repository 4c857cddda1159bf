import { assertEquals, assertThrows } from "@std/assert";
import { CheckpointError, FORMAT_VERSION, validateMeta } from "./checkpoint_meta.ts";

const FILE = "run/checkpoint/meta.json";

/** A valid format-2 meta.json. */
function good(): Record<string, unknown> {
  return {
    format: "recursive-trm-checkpoint",
    formatVersion: 2,
    version: "0.2.0",
    taskSpec: { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 },
    config: {
      model: { hidden: 8 },
      mixer: { kind: "mlp-mixer", options: {} },
      scheme: { kind: "trm", options: {} },
    },
    seed: 0,
    step: 2,
    ema: true,
    recipe: {
      task: "sudoku",
      preset: "sudoku-small",
      data: { kind: "generated", trainSize: 8, testSize: 4 },
      steps: 10,
      eval: { every: 0, limit: null },
      seed: 0,
    },
    state: { adam: { steps: {} }, train: { step: 2, rng: [1, 2, 3, 4] } },
  };
}

/** `good()` with the value at `path` (dot-separated) replaced, or deleted when `value` is undefined. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const root = good();
  const keys = path.split(".");
  let at = root as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]!];
  else at[keys[keys.length - 1]!] = value;
  return root;
}

Deno.test("validateMeta() accepts a good format-2 meta.json unchanged", () => {
  const meta = validateMeta(good(), FILE);
  assertEquals(meta.formatVersion, FORMAT_VERSION);
  assertEquals(meta.recipe?.data, { kind: "generated", trainSize: 8, testSize: 4 });
  assertEquals(meta.state.train, { step: 2, rng: [1, 2, 3, 4] });
});

Deno.test("validateMeta() names the file and the field of each bad value in one line", () => {
  const cases: [unknown, string][] = [
    [[], `(top level): expected a JSON object, got []`],
    [
      withField("format", "trm"),
      `format: expected "recursive-trm-checkpoint" (or format 1's "recursive-trm-checkpoint/1"), got "trm"`,
    ],
    [withField("formatVersion", undefined), `formatVersion: expected an integer >= 2, got nothing`],
    [withField("formatVersion", "2"), `formatVersion: expected an integer >= 2, got "2"`],
    [
      withField("formatVersion", 3),
      `formatVersion: 3 is newer than this library reads (1 to 2); load it with a newer @recursive/trm`,
    ],
    [withField("version", 2), `version: expected a version string like "0.1.0", got 2`],
    [withField("taskSpec", null), `taskSpec: expected an object, got null`],
    [withField("taskSpec.name", ""), `taskSpec.name: expected a non-empty string, got ""`],
    [withField("taskSpec.vocabSize", 0), `taskSpec.vocabSize: expected an integer >= 1, got 0`],
    [withField("taskSpec.seqLen", 1.5), `taskSpec.seqLen: expected an integer >= 1, got 1.5`],
    [
      withField("taskSpec.numPuzzleIds", undefined),
      `taskSpec.numPuzzleIds: expected an integer >= 1, got nothing`,
    ],
    [withField("config", "x"), `config: expected an object, got "x"`],
    [withField("config.mixer", undefined), `config.mixer: expected an object { kind, options }, got nothing`],
    [withField("config.mixer.kind", 7), `config.mixer.kind: expected a string, got 7`],
    [withField("config.mixer.options", []), `config.mixer.options: expected an object, got []`],
    [withField("config.scheme", "trm"), `config.scheme: expected an object { kind, options }, got "trm"`],
    [withField("config.scheme.kind", null), `config.scheme.kind: expected a string, got null`],
    [withField("seed", "0"), `seed: expected an integer, got "0"`],
    [withField("step", "2"), `step: expected an integer >= 0, got "2"`],
    [withField("step", -1), `step: expected an integer >= 0, got -1`],
    [withField("ema", 1), `ema: expected true or false, got 1`],
    [withField("recipe", undefined), `recipe: expected an object or null, got nothing`],
    [withField("recipe.task", ""), `recipe.task: expected a non-empty string, got ""`],
    [withField("recipe.preset", 3), `recipe.preset: expected a string or null, got 3`],
    [withField("recipe.data", []), `recipe.data: expected an object { kind, ... }, got []`],
    [withField("recipe.data.kind", undefined), `recipe.data.kind: expected a non-empty string, got nothing`],
    [withField("recipe.steps", 2.5), `recipe.steps: expected an integer >= 0, got 2.5`],
    [withField("recipe.eval", null), `recipe.eval: expected an object { every, limit }, got null`],
    [withField("recipe.eval.every", -5), `recipe.eval.every: expected an integer >= 0, got -5`],
    [withField("recipe.eval.limit", 0), `recipe.eval.limit: expected an integer >= 1 or null, got 0`],
    [withField("recipe.seed", undefined), `recipe.seed: expected an integer, got nothing`],
    [withField("state", undefined), `state: expected an object, got nothing`],
    [withField("state.adam", 5), `state.adam: expected an object, got 5`],
  ];
  for (const [json, message] of cases) {
    const e = assertThrows(() => validateMeta(json, FILE), CheckpointError);
    assertEquals(e.message, `${FILE}: ${message}`);
  }
});

/** A format-1 meta.json as v0.1's CLI wrote it. */
function v1(extra: unknown): Record<string, unknown> {
  const { formatVersion: _v, recipe: _r, state: _s, ...rest } = good();
  return { ...rest, format: "recursive-trm-checkpoint/1", preset: "sudoku-small", rng: [5, 6, 7, 8], extra };
}

Deno.test("validateMeta() migrates format 1: extra becomes the recipe, rng the session's", () => {
  const data = { data: "sudoku-extreme/train.csv", seed: 0, trainSize: 10, testSize: 5, skipInvalid: false };
  const meta = validateMeta(v1({ data, steps: 400 }), FILE);
  assertEquals(meta.formatVersion, 1);
  assertEquals(meta.recipe, {
    task: "sudoku",
    preset: "sudoku-small",
    data: { kind: "files", path: "sudoku-extreme/train.csv", trainSize: 10, testSize: 5, skipInvalid: false },
    steps: 400,
    eval: { every: 0, limit: null },
    seed: 0,
  });
  assertEquals(meta.state, { train: { rng: [5, 6, 7, 8] } });
  const generated = validateMeta(v1({ data: { seed: 0, trainSize: 1, testSize: 1 }, steps: 1 }), FILE);
  assertEquals(generated.recipe?.data, { kind: "generated", trainSize: 1, testSize: 1 });
  assertEquals(validateMeta(v1({}), FILE).recipe, null); // the library API stored no recipe
  const bad: [unknown, string][] = [
    [{ ...v1({}), preset: 1 }, `preset: expected a string or null, got 1`],
    [{ ...v1({}), rng: [] }, `rng: expected an RNG state (an array of four 32-bit integers), got []`],
    [v1("x"), `extra: expected an object, got "x"`],
    [v1({ steps: 3 }), `extra.data: expected an object, got nothing`],
    [v1({ data: {}, steps: "3" }), `extra.steps: expected an integer >= 0, got "3"`],
    [v1({ data: { data: 5 }, steps: 3 }), `extra.data.data: expected a path string, got 5`],
  ];
  for (const [json, message] of bad) {
    assertEquals(
      assertThrows(() => validateMeta(json, FILE), CheckpointError).message,
      `${FILE}: ${message}`,
    );
  }
});
