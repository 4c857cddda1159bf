/**
 * ARC task loaders: a folder of task JSON files (`{train: [{input, output}], test: [...]}`), nested
 * folders (ConceptARC), and the Kaggle combined format (`*_challenges.json` + `*_solutions.json`).
 * Every grid is validated (rectangular, 1..30 per side, integers 0..9, fields present); errors name the
 * file, the pair and the field.
 *
 * @module
 */
import { DataError } from "@recursive/trm/core";
import type { Grid } from "../../augment/types.ts";

/** One demonstration or test pair. `output` may be missing for an unsolved test input. */
export interface ArcPair {
  /** The input grid. */
  readonly input: Grid;
  /** The output grid (absent for hidden test answers). */
  readonly output?: Grid;
}

/** An ARC task. */
export interface ArcTask {
  /** Task id (file name without `.json`, or the Kaggle key). */
  readonly id: string;
  /** Demonstration pairs. */
  readonly train: readonly ArcPair[];
  /** Test pairs. */
  readonly test: readonly ArcPair[];
}

/** Parses one grid (a list of rows of integers 0..9), or throws naming `where`. */
export function parseGrid(value: unknown, where: string): Grid {
  if (!Array.isArray(value) || value.length === 0) {
    throw new DataError(`${where}: expected a non-empty list of rows`);
  }
  if (value.length > 30) throw new DataError(`${where}: ${value.length} rows, at most 30 allowed`);
  const width = Array.isArray(value[0]) ? value[0].length : -1;
  if (width < 1 || width > 30) {
    throw new DataError(`${where}: rows must have 1..30 cells, row 0 has ${width < 0 ? "no list" : width}`);
  }
  const data = new Uint8Array(value.length * width);
  value.forEach((row: unknown, r: number) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new DataError(
        `${where}: row ${r} has ${
          Array.isArray(row) ? row.length : "no"
        } cells, expected ${width} (ragged grid)`,
      );
    }
    row.forEach((v: unknown, c: number) => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 9) {
        throw new DataError(
          `${where}: cell (${r}, ${c}) is ${JSON.stringify(v)}, expected an integer colour 0..9`,
        );
      }
      data[r * width + c] = v as number;
    });
  });
  return { height: value.length, width, data };
}

function parsePairs(value: unknown, where: string, requireOutput: boolean): ArcPair[] {
  if (!Array.isArray(value)) throw new DataError(`${where}: expected a list of pairs`);
  return value.map((p: unknown, i: number) => {
    const at = `${where}[${i}]`;
    if (typeof p !== "object" || p === null) {
      throw new DataError(`${at}: expected an object with "input" and "output"`);
    }
    const o = p as { input?: unknown; output?: unknown };
    if (o.input === undefined) throw new DataError(`${at}: missing field "input"`);
    if (o.output === undefined && requireOutput) throw new DataError(`${at}: missing field "output"`);
    const input = parseGrid(o.input, `${at}.input`);
    return o.output === undefined ? { input } : { input, output: parseGrid(o.output, `${at}.output`) };
  });
}

/**
 * Parses one task object; `file` names it in errors.
 *
 * @example
 * ```ts
 * import { parseArcTask } from "@recursive/trm/tasks/arc";
 * const t = parseArcTask({ train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[3]], output: [[4]] }] }, "t.json", "t");
 * if (t.test[0]!.output!.data[0] !== 4) throw new Error("parsed");
 * ```
 */
export function parseArcTask(json: unknown, file: string, id: string): ArcTask {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new DataError(`${file}: expected a JSON object with "train" and "test"`);
  }
  const o = json as { train?: unknown; test?: unknown };
  if (o.train === undefined) throw new DataError(`${file}: missing field "train"`);
  if (o.test === undefined) throw new DataError(`${file}: missing field "test"`);
  const train = parsePairs(o.train, `${file}: train`, true);
  if (train.length === 0) throw new DataError(`${file}: "train" has no pairs`);
  return { id, train, test: parsePairs(o.test, `${file}: test`, false) };
}

/** Options of the folder loaders. */
export interface LoadArcOptions {
  /** Report invalid files through `onSkip` and continue, instead of stopping at the first. */
  readonly skipInvalid?: boolean;
  /** Called with each skipped file's error (default: nothing). */
  readonly onSkip?: (error: DataError) => void;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read (${(e as Error).message.split("\n")[0]})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

async function* jsonFiles(dir: string): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) entries.push(e);
  } catch (e) {
    throw new DataError(`${dir}: cannot read folder (${(e as Error).message.split("\n")[0]})`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* jsonFiles(path);
    else if (e.isFile && e.name.endsWith(".json")) yield path;
  }
}

/**
 * Loads one task file; its id is the file name without `.json`.
 *
 * @example
 * ```ts
 * import { loadArcFile } from "@recursive/trm/tasks/arc";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({ train: [{ input: [[1]], output: [[2]] }], test: [[1, 2]] }));
 * const error = await loadArcFile(path).then(() => "", (e) => e.message);
 * if (!error.endsWith(`${path}: test[0]: missing field "input"`)) throw new Error(error);
 * ```
 */
export async function loadArcFile(path: string): Promise<ArcTask> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return parseArcTask(await readJson(path), path, name.endsWith(".json") ? name.slice(0, -5) : name);
}

/**
 * Loads every `*.json` task under `dir`, recursively (ARC-AGI folders and ConceptARC's nested ones), in
 * sorted path order.
 *
 * @example
 * ```ts
 * import { loadArcFolder } from "@recursive/trm/tasks/arc";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.json`, JSON.stringify({ train: [{ input: [[1]], output: [[1]] }], test: [] }));
 * if ((await loadArcFolder(dir))[0]!.id !== "a") throw new Error("loaded");
 * ```
 */
export async function loadArcFolder(dir: string, options: LoadArcOptions = {}): Promise<ArcTask[]> {
  const tasks: ArcTask[] = [];
  let kaggle = false;
  for await (const path of jsonFiles(dir)) {
    if (/_(challenges|solutions)\.json$/.test(path)) {
      kaggle = true;
      continue;
    }
    try {
      tasks.push(await loadArcFile(path));
    } catch (e) {
      if (!(e instanceof DataError) || !options.skipInvalid) throw e;
      options.onSkip?.(e);
    }
  }
  if (tasks.length === 0 && kaggle) {
    throw new DataError(
      `${dir}: holds Kaggle combined files; load them with loadKaggleArc(challenges, solutions)`,
    );
  }
  if (tasks.length === 0) throw new DataError(`${dir}: no ARC task files (*.json) found`);
  return tasks;
}

/**
 * Loads the Kaggle combined format: `{id: {train, test: [{input}]}}` plus `{id: [output, ...]}`.
 *
 * @example
 * ```ts
 * import { loadKaggleArc } from "@recursive/trm/tasks/arc";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ t1: { train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[3]] }] } }));
 * await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify({ t1: [[[4]]] }));
 * const [t] = await loadKaggleArc(`${dir}/c.json`, `${dir}/s.json`);
 * if (t!.test[0]!.output!.data[0] !== 4) throw new Error("solution attached");
 * ```
 */
export async function loadKaggleArc(
  challengesPath: string,
  solutionsPath?: string,
  options: LoadArcOptions = {},
): Promise<ArcTask[]> {
  const asObject = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new DataError(`${path}: expected a JSON object keyed by task id`);
    }
    return v as Record<string, unknown>;
  };
  const challenges = asObject(await readJson(challengesPath), challengesPath);
  const solutions = solutionsPath ? asObject(await readJson(solutionsPath), solutionsPath) : {};
  const tasks: ArcTask[] = [];
  for (const [id, raw] of Object.entries(challenges).sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      const task = parseArcTask(raw, `${challengesPath}#${id}`, id);
      const sol = solutions[id];
      if (sol === undefined) {
        tasks.push(task);
        continue;
      }
      if (!Array.isArray(sol) || sol.length !== task.test.length) {
        throw new DataError(`${solutionsPath}#${id}: expected ${task.test.length} solution grids`);
      }
      tasks.push({
        ...task,
        test: task.test.map((p, i) => ({
          input: p.input,
          output: parseGrid(sol[i], `${solutionsPath}#${id}[${i}]`),
        })),
      });
    } catch (e) {
      if (!(e instanceof DataError) || !options.skipInvalid) throw e;
      options.onSkip?.(e);
    }
  }
  return tasks;
}
