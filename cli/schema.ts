/**
 * One typed flag schema for every command: each flag is declared once with its kind and range, and
 * {@linkcode parseFlags} turns `argv` into a typed object or throws a one-line {@linkcode UsageError}
 * naming the flag. Hand-written rather than `@std/cli`'s `parseArgs` because that parser treats a value
 * that starts with `-` (`--steps -3`) as a flag, returns untyped strings, and says nothing about unknown
 * names; here a value is always the next argument, and an unknown flag gets the closest valid name.
 *
 * @module
 */

/** Raised for bad command-line input: the CLI prints its message alone and exits 2. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag's type and range. */
export type FlagSpec =
  | { readonly kind: "int"; readonly min: number; readonly max?: number }
  | { readonly kind: "number"; readonly min: number; readonly minExclusive?: boolean; readonly max?: number }
  /** A decay in [0, 1), or `off` (null). */
  | { readonly kind: "decay" }
  | { readonly kind: "string" }
  | { readonly kind: "choice"; readonly choices: readonly string[] }
  | { readonly kind: "boolean" };

/** A command's flags by name (without the leading `--`). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** The value type a spec parses to. */
export type FlagValue<S extends FlagSpec> = S extends { kind: "int" | "number" } ? number
  : S extends { kind: "decay" } ? number | null
  : S extends { kind: "boolean" } ? boolean
  : S extends { kind: "choice"; choices: readonly (infer C extends string)[] } ? C
  : string;

/** Parsed flags: each present flag's typed value, and the positional arguments in `_`. */
export type ParsedFlags<T extends FlagTable> =
  & { readonly [K in keyof T]?: FlagValue<T[K]> }
  & { readonly _: readonly string[] };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describe(spec: FlagSpec): string {
  switch (spec.kind) {
    case "int":
      return `an integer >= ${spec.min}${spec.max !== undefined ? ` and <= ${spec.max}` : ""}`;
    case "number":
      return `a finite number ${spec.minExclusive ? ">" : ">="} ${spec.min}${
        spec.max !== undefined ? ` and <= ${spec.max}` : ""
      }`;
    case "decay":
      return `a number >= 0 and < 1, or "off"`;
    case "choice":
      return `one of ${spec.choices.join(", ")}`;
    case "boolean":
      return "no value";
    case "string":
      return "a non-empty value";
  }
}

/** Parses one value against its spec, or throws a {@linkcode UsageError} naming `--name`. */
export function parseValue<S extends FlagSpec>(name: string, spec: S, raw: string): FlagValue<S> {
  const bad = (): never => {
    throw new UsageError(`--${name}: expected ${describe(spec)}, got ${JSON.stringify(raw)}`);
  };
  switch (spec.kind) {
    case "int":
    case "number": {
      if (!NUMBER.test(raw.trim())) bad();
      const v = Number(raw);
      if (!Number.isFinite(v) || v < spec.min || (spec.max !== undefined && v > spec.max)) bad();
      if (spec.kind === "int" && !Number.isSafeInteger(v)) bad();
      if (spec.kind === "number" && spec.minExclusive && v <= spec.min) bad();
      return v as FlagValue<S>;
    }
    case "decay": {
      if (raw === "off") return null as FlagValue<S>;
      const v = Number(raw);
      if (!NUMBER.test(raw.trim()) || !(v >= 0 && v < 1)) bad();
      return v as FlagValue<S>;
    }
    case "choice":
      if (!spec.choices.includes(raw)) bad();
      return raw as FlagValue<S>;
    case "string":
      if (raw === "") bad();
      return raw as FlagValue<S>;
    case "boolean":
      if (raw !== "true" && raw !== "false") bad();
      return (raw === "true") as FlagValue<S>;
  }
}

/** Levenshtein distance (for "did you mean"); names are short, so the plain O(mn) table is fine. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The valid name closest to `name`, when one is close enough to be a typo. */
export function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const n of names) {
    const d = distance(name, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Parses `argv` against `table`: `--name value`, `--name=value`, `--flag` for booleans, `-h` for
 * `--help`, `--` ends the flags. A value is always taken verbatim (so `--steps -3` reaches the range
 * check). Unknown and repeated flags and missing values are refused in one line.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./schema.ts";
 * const f = parseFlags(["--steps", "3", "--quiet", "x"], {
 *   steps: { kind: "int", min: 1 },
 *   quiet: { kind: "boolean" },
 * });
 * if (f.steps !== 3 || f.quiet !== true || f._[0] !== "x") throw new Error("parsed");
 * try {
 *   parseFlags(["--stpes", "3"], { steps: { kind: "int", min: 1 } });
 *   throw new Error("accepted a typo");
 * } catch (e) {
 *   if (!(e as Error).message.includes("did you mean --steps?")) throw e;
 * }
 * ```
 */
export function parseFlags<T extends FlagTable>(argv: readonly string[], table: T): ParsedFlags<T> {
  const out: Record<string, unknown> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || NUMBER.test(arg)) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    let name = arg.replace(/^--?/, "");
    let inline: string | undefined;
    if (eq >= 0) [name, inline] = [arg.slice(arg.startsWith("--") ? 2 : 1, eq), arg.slice(eq + 1)];
    if (name === "h" && arg.startsWith("-") && !arg.startsWith("--")) name = "help";
    const spec = table[name];
    if (!spec || (!arg.startsWith("--") && name !== "help")) {
      const near = closest(name, Object.keys(table));
      throw new UsageError(
        `unknown flag ${JSON.stringify(arg.slice(0, eq >= 0 ? eq : undefined))}${
          near ? `; did you mean --${near}?` : " (see --help)"
        }`,
      );
    }
    if (name in out) throw new UsageError(`--${name}: given more than once`);
    if (spec.kind === "boolean") {
      out[name] = inline === undefined ? true : parseValue(name, spec, inline);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new UsageError(`--${name}: expected ${describe(spec)} after it`);
    out[name] = parseValue(name, spec, raw);
  }
  return { ...out, _: positional } as unknown as ParsedFlags<T>;
}
