/**
 * `deno task bench`: runs every benchmark part, each in its own process, with `--json` (one JSON object
 * per line) passed to all of them:
 *
 * 1. `steps`   bench/run.ts: matmul ceilings (the backend's kernel, the native BLAS on every core, the
 *              machine's = the best) and ms per training step of the paper configs, with each step's
 *              share of the machine's ceiling;
 * 2. `torch`   bench/compare.ts: ours against PyTorch (bench/torch_baseline.py) in alternating rounds,
 *              when a python3 with torch is found (else ours alone);
 * 3. `data`    bench/data_bench.ts (`deno bench`): data-side throughput;
 * 4. `arc`     bench/arc_bench.ts: the ARC pipeline on ../shared/datasets (skipped when absent).
 *
 * Flags: --help, --json, --only steps,torch,data,arc; bench/run.ts's --backend --configs --batches
 * --steps --max-seconds --recompute; bench/compare.ts's --workloads --rounds --python.
 */
import { parseArgs } from "@std/cli";

const PARTS = ["steps", "torch", "data", "arc"] as const;
const RUN_FLAGS = ["backend", "configs", "batches", "steps", "max-seconds"] as const;
const COMPARE_FLAGS = ["workloads", "rounds", "python"] as const;
const flags = parseArgs(Deno.args, {
  string: ["only", ...RUN_FLAGS, ...COMPARE_FLAGS],
  boolean: ["json", "help", "recompute"],
});
// deno-lint-ignore no-console
const log = console.log;
if (flags.help) {
  log(`usage: deno task bench [--json] [--only ${PARTS.join(",")}]
  [--backend wasm,webgpu,cpu] [--configs sudoku-mlp-d64,sudoku-mlp,arc-att] [--batches 8,32] [--steps 2]
  [--max-seconds 150] [--recompute]                      (steps: bench/run.ts)
  [--workloads sudoku-small,sudoku-mlp-b8,infer-b1,infer-b64] [--rounds 5] [--python PATH]
                                                         (torch: bench/compare.ts, ours vs PyTorch)
Parts run in separate processes: steps, torch, data (bench/data_bench.ts), arc (bench/arc_bench.ts).
--json makes every part print one JSON object per line.`);
  Deno.exit(0);
}
const only = String(flags.only ?? PARTS.join(",")).split(",");
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) {
  // deno-lint-ignore no-console
  console.error(`--only: unknown part ${unknown.join(", ")}; expected some of ${PARTS.join(", ")}`);
  Deno.exit(2);
}
const here = (f: string) => new URL(f, import.meta.url).pathname;
const pass = (names: readonly string[]) =>
  names.flatMap((n) => (flags[n] === undefined ? [] : [`--${n}`, String(flags[n])]));
const json = flags.json ? ["--json"] : [];
const perms = ["--allow-read", "--allow-write", "--allow-env", "--allow-ffi", "--allow-run"];
const commands: Record<(typeof PARTS)[number], string[]> = {
  steps: [
    "run",
    ...perms,
    here("run.ts"),
    ...pass(RUN_FLAGS),
    ...(flags.recompute ? ["--recompute"] : []),
    ...json,
  ],
  torch: ["run", ...perms, here("compare.ts"), ...pass(COMPARE_FLAGS), ...json],
  data: ["bench", "--allow-read", ...json, here("data_bench.ts")],
  arc: ["run", "-A", "--v8-flags=--expose-gc", here("arc_bench.ts"), ...json],
};
let failed = false;
for (const part of PARTS) {
  if (!only.includes(part)) continue;
  if (!flags.json) log(`== ${part}`);
  const { code } = await new Deno.Command(Deno.execPath(), { args: commands[part] }).spawn().status;
  // arc_bench exits 2 when the shared ARC datasets are not there: a skip, not a failure.
  if (code !== 0 && !(part === "arc" && code === 2)) {
    failed = true;
    // deno-lint-ignore no-console
    console.error(`bench part ${part} exited with status ${code}`);
  }
}
if (failed) Deno.exit(1);
