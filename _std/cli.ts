/**
 * A local stand-in for `jsr:@std/cli` (JSR is unreachable from our machines), on top of `node:util`.
 *
 * `parseArgs(args, { string, boolean, default, alias })` follows std's option names and returns
 * `{ _: positionals, ...flags }`. Flags may be given as `--name value` or `--name=value`; dotted and
 * kebab-case names are kept as written.
 *
 * @example
 * ```ts
 * import { parseArgs } from "@std/cli";
 * const a = parseArgs(["train", "--steps", "10", "--quiet"], { string: ["steps"], boolean: ["quiet"] });
 * if (a.steps !== "10" || a.quiet !== true || a._[0] !== "train") throw new Error("parseArgs");
 * ```
 * @module
 */
import { parseArgs as nodeParseArgs } from "node:util";

/** Options accepted by {@linkcode parseArgs} (the subset of std's that we use). */
export interface ParseOptions {
  /** Flags that take a string value. */
  readonly string?: readonly string[];
  /** Flags that are booleans. */
  readonly boolean?: readonly string[];
  /** Default values by flag name. */
  readonly default?: Readonly<Record<string, string | boolean>>;
  /** Single-letter aliases: `{ h: "help" }`. */
  readonly alias?: Readonly<Record<string, string>>;
  /** Reject flags not listed in `string`/`boolean` (std's `unknown` callback, simplified). Default true. */
  readonly strict?: boolean;
}

/** Result of {@linkcode parseArgs}: positionals under `_`, flags by name. */
export interface Args {
  /** Positional arguments. */
  _: string[];
  /** Flag values. */
  [flag: string]: string | boolean | string[] | undefined;
}

/** Parses command-line arguments (std `parseArgs` names, `node:util` underneath). */
export function parseArgs(args: readonly string[], options: ParseOptions = {}): Args {
  type NodeOpt = { type: "string" | "boolean"; short?: string; default?: string | boolean };
  const opts: Record<string, NodeOpt> = {};
  for (const name of options.string ?? []) opts[name] = { type: "string" };
  for (const name of options.boolean ?? []) opts[name] = { type: "boolean" };
  for (const [short, long] of Object.entries(options.alias ?? {})) {
    const o = opts[long];
    if (o && short.length === 1) o.short = short;
  }
  for (const [name, value] of Object.entries(options.default ?? {})) {
    const o = opts[name];
    if (o) o.default = value;
  }
  const { values, positionals } = nodeParseArgs({
    args: [...args],
    options: opts,
    allowPositionals: true,
    strict: options.strict ?? true,
  });
  // parseArgs returns a null-prototype object; copy so users get a plain one.
  const out: Args = { _: positionals };
  for (const [k, v] of Object.entries(values)) out[k] = v as string | boolean;
  return out;
}
