/**
 * `--config run.json`: a whole recipe in one file, as `{ "flag-name": value }` (the same names, types
 * and ranges as the command's flags, checked by the same schema); flags on the command line override it.
 * A flat object of flag names rather than a nested config keeps one vocabulary for the file, the flags
 * and `--help`.
 *
 * @module
 */
import { closest, type FlagTable, type ParsedFlags, parseValue, UsageError } from "./schema.ts";

/**
 * Reads `path` as flags of `table`; throws a one-line {@linkcode UsageError} naming the file and field.
 *
 * @example
 * ```ts
 * import { readRunConfig } from "./run_config.ts";
 * const file = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(file, JSON.stringify({ steps: 20, quiet: true }));
 * const f = await readRunConfig(file, { steps: { kind: "int", min: 1 }, quiet: { kind: "boolean" } });
 * if (f.steps !== 20 || f.quiet !== true) throw new Error(JSON.stringify(f));
 * ```
 */
export async function readRunConfig<T extends FlagTable>(path: string, table: T): Promise<ParsedFlags<T>> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`--config: ${path} does not exist`);
    throw new UsageError(`--config: ${path}: not a JSON file (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`--config: ${path}: expected a JSON object of flags, e.g. {"steps": 200}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(json)) {
    const spec = table[name];
    if (!spec || name === "config" || name === "help") {
      const near = closest(name, Object.keys(table));
      throw new UsageError(`${path}: unknown field "${name}"${near ? `; did you mean "${near}"?` : ""}`);
    }
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new UsageError(
        `${path}: ${name}: expected a string, number or boolean, got ${JSON.stringify(value)}`,
      );
    }
    try {
      out[name] = parseValue(name, spec, String(value));
    } catch (e) {
      throw new UsageError(`${path}: ${(e as Error).message.replace(/^--/, "")}`);
    }
  }
  return { ...out, _: [] } as unknown as ParsedFlags<T>;
}
