/**
 * The command-line entry: `train`, `eval`, `solve`. Bad arguments exit with status 2 and one line.
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import { DataError, NonFiniteLossError } from "../core/mod.ts";
import { CheckpointError, SafetensorsError } from "../io/mod.ts";
import { trainCommand } from "./train.ts";
import { evalCommand } from "./eval.ts";
import { solveCommand } from "./solve.ts";
import { convertCommand } from "./convert.ts";

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  train: trainCommand,
  eval: evalCommand,
  solve: solveCommand,
  convert: convertCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    // deno-lint-ignore no-console
    console.error(`usage: deno task <${Object.keys(COMMANDS).join("|")}> [--help]`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    const known = e instanceof UsageError || e instanceof RangeError ||
      e instanceof CheckpointError || e instanceof SafetensorsError || e instanceof NonFiniteLossError ||
      e instanceof DataError ||
      (e instanceof Error && (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION");
    if (known || e instanceof Deno.errors.NotFound) {
      // deno-lint-ignore no-console
      console.error(`error: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof WebAssembly.RuntimeError) {
      // deno-lint-ignore no-console
      console.error(
        `error: the wasm backend failed (${e.message}); this usually means its heap (capped at 4 GiB) is exhausted: ` +
          "reduce --batch-size or --heads, or use --backend webgpu",
      );
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
