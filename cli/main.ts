/**
 * The command-line entry: `train`, `eval`, `solve`. Bad arguments exit with status 2 and one line.
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import { DataError, NonFiniteLossError } from "../core/mod.ts";
import { CheckpointError, RunFolderError, SafetensorsError } from "../io/mod.ts";
import { UnknownPluginError } from "../plugins/registry.ts";
import { trainCommand } from "./train.ts";
import { evalCommand } from "./eval.ts";
import { solveCommand } from "./solve.ts";
import { convertCommand } from "./convert.ts";
import { plotCommand } from "./plot.ts";

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  train: trainCommand,
  eval: evalCommand,
  solve: solveCommand,
  convert: convertCommand,
  plot: plotCommand,
};

/** One line: control characters (from data files, paths, JSON) escaped, so a message never spans lines. */
export function oneLine(message: string): string {
  // deno-lint-ignore no-control-regex
  return message.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Bad input (exit 2): the user can fix it from the message alone. */
function isBadInput(e: unknown): boolean {
  return e instanceof UsageError || e instanceof RangeError || e instanceof CheckpointError ||
    e instanceof SafetensorsError || e instanceof RunFolderError || e instanceof NonFiniteLossError ||
    e instanceof DataError ||
    e instanceof UnknownPluginError || e instanceof Deno.errors.NotFound ||
    e instanceof Deno.errors.IsADirectory || e instanceof Deno.errors.NotADirectory ||
    e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.AlreadyExists ||
    e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.InvalidData ||
    (e instanceof Error && (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION");
}

/**
 * The one error boundary: every failure is one line on stderr; exit 2 for bad input, 1 for an internal
 * fault (with the stack only under `--debug`).
 */
async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const [name, ...rest] = argv.filter((a) => a !== "--debug");
  const command = name ? COMMANDS[name] : undefined;
  const say = (line: string) => {
    // deno-lint-ignore no-console
    console.error(oneLine(line));
  };
  if (!command) {
    say(`usage: deno task <${Object.keys(COMMANDS).join("|")}> [--help]`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (debug) {
      // deno-lint-ignore no-console
      console.error(e);
    }
    if (isBadInput(e)) {
      say(`error: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof WebAssembly.RuntimeError) {
      say(
        `error: the wasm backend failed (${e.message}); this usually means its heap (capped at 4 GiB) is exhausted: ` +
          "reduce --batch-size or --heads, or use --backend webgpu",
      );
      return 1;
    }
    say(
      `internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}${
        debug ? "" : " (--debug shows the stack)"
      }`,
    );
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
