/**
 * `deno task convert IN OUT [--to ours|torch|safetensors]`: moves a model between our checkpoints and the
 * official code's files. IN is our checkpoint directory, an official `torch.save` file (`step_N`, `.pt`)
 * or a reference-layout safetensors file, of the official TRM, HRM or TRM single-z (the scheme is read
 * from the names, never asked); the last line is a one-line JSON report (tensor count, the config
 * inferred from the names and shapes and the values assumed for what no shape tells).
 *
 * @module
 */
import { createTrm, initBackend, PuzzleEmbedding, TrainSession } from "../core/mod.ts";
import {
  decodeReferenceFile,
  encodeSafetensors,
  encodeTorchStateDict,
  exportReferenceState,
  exportTorchCheckpoint,
  importReferenceState,
  inferConfig,
  loadCheckpoint,
  officialStateDict,
  type ReferenceAnswers,
  referenceConfig,
  saveCheckpoint,
  type StoredTensor,
  TorchFileError,
  writeFileAtomic,
} from "../io/mod.ts";
import type { TokenMixer } from "../core/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { type FlagTable, type ParsedFlags, parseFlags, UsageError } from "./schema.ts";

const HELP = `Convert a model between our checkpoints and the official PyTorch code's files.

Usage: deno task convert IN OUT [--to ours|torch|safetensors] [options]

IN   our checkpoint directory, an official torch.save checkpoint (pretrain.py's step_N, or .pt), or a
     reference-layout safetensors file (official names, torch [out, in] layout)
OUT  a checkpoint directory (--to ours), a torch.save file (--to torch), a .safetensors file
--to       default: torch for a checkpoint directory IN, ours for a file IN; a .safetensors OUT means
           safetensors, a .pt/.pth OUT means torch
--prefix   key prefix written (torch default "_orig_mod.model.", as pretrain.py with torch.compile; use
           "model." for DISABLE_COMPILE runs; safetensors default none)
--init-dtype f32|bf16  dtype of H_init/L_init in a torch file (default f32; bf16 is what the official
           model creates with forward_dtype=bfloat16)
The model is read from the names: H_level layers mean HRM (hrm.py), L_init without H_init means TRM
single-z (trm_singlez.py), otherwise TRM (trm.py); layers, D, V, the mixer and the puzzle table from shapes.
What shapes cannot tell (to ours; official defaults, HRM's in brackets): --seq-len L (required for
attention; MLP-mixer: L' - puzzle-emb-len), --puzzle-emb-len P (16 [1]), --heads (8),
--positions rope|none (rope), --n (6 [2]), --T (3 [2]), --max-steps (16), --task-name (reference)
`;

/**
 * Every flag of `convert` with its type and range (the typed schema of `cli/schema.ts`): an unknown
 * name is refused with the closest one, a bad value with what was expected, each in one line.
 */
export const CONVERT_FLAGS = {
  to: { kind: "choice", choices: ["ours", "torch", "safetensors"] },
  prefix: { kind: "string" },
  "init-dtype": { kind: "choice", choices: ["f32", "bf16"] },
  "seq-len": { kind: "int", min: 1 },
  // An official file always has the table (puzzle_emb_ndim = D), so at least one prefix position.
  "puzzle-emb-len": { kind: "int", min: 1 },
  heads: { kind: "int", min: 1 },
  positions: { kind: "choice", choices: ["rope", "none"] },
  n: { kind: "int", min: 1 },
  T: { kind: "int", min: 1 },
  "max-steps": { kind: "int", min: 1 },
  "task-name": { kind: "string" },
  help: { kind: "boolean" },
} as const satisfies FlagTable;

/** The parsed flags of `convert`. */
export type ConvertFlags = ParsedFlags<typeof CONVERT_FLAGS>;

type Format = "ours" | "torch" | "safetensors";

/** The mixers the official code has a counterpart for (others cannot be converted). */
function officialMixer(kind: string, options: Readonly<Record<string, unknown>>): TokenMixer {
  if (kind === "attention") return attention(options);
  if (kind === "mlp-mixer") return mlpMixer(options);
  throw new UsageError(`the checkpoint's mixer "${kind}" has no counterpart in the official code`);
}

/**
 * Our schemes whose weights are an official model's: trm.py, hrm.py, trm_singlez.py, and the 1-step
 * gradient ablation, whose network is trm.py's (only its training gradient differs).
 */
const OFFICIAL_SCHEMES: readonly string[] = ["trm", "trm-1step", "hrm", "singlez"];

async function isDir(path: string): Promise<boolean> {
  return (await Deno.stat(path)).isDirectory;
}

function targetOf(flag: Format | undefined, inIsOurs: boolean, out: string): Format {
  if (flag !== undefined) return flag;
  if (out.endsWith(".safetensors")) return "safetensors";
  if (/\.(pt|pth)$/.test(out)) return "torch";
  return inIsOurs ? "torch" : "ours";
}

async function writeReference(
  tensors: Map<string, StoredTensor>,
  to: Format,
  out: string,
  flags: ConvertFlags,
): Promise<void> {
  if (to === "safetensors") {
    await writeFileAtomic(
      out,
      encodeSafetensors(Object.fromEntries(officialStateDict(tensors, flags.prefix ?? ""))),
    );
    return;
  }
  const named = officialStateDict(tensors, flags.prefix ?? "_orig_mod.model.");
  if (flags["init-dtype"] === "bf16") {
    for (const [k, v] of named) if (/\.(H|L)_init$/.test(k)) named.set(k, { ...v, dtype: "BF16" });
  }
  const archive = out.replace(/^.*\//, "").replace(/\.[^.]*$/, "") || "archive";
  await writeFileAtomic(out, encodeTorchStateDict(named, { archive }));
}

function answersOf(flags: ConvertFlags): ReferenceAnswers {
  const pick = <K extends keyof ReferenceAnswers>(field: K, v: ReferenceAnswers[K] | undefined) =>
    v === undefined ? {} : { [field]: v };
  return {
    ...pick("seqLen", flags["seq-len"]),
    ...pick("puzzleEmbLen", flags["puzzle-emb-len"]),
    ...pick("heads", flags.heads),
    ...pick("positions", flags.positions),
    ...pick("n", flags.n),
    ...pick("T", flags.T),
    ...pick("maxSteps", flags["max-steps"]),
    ...pick("taskName", flags["task-name"]),
  };
}

/**
 * Runs the convert command; returns the exit code. Bad flags and values throw a one-line
 * {@linkcode UsageError} (exit 2 at the CLI's error boundary); unreadable official files print one line
 * and return 2.
 *
 * @example
 * ```ts
 * import { convertCommand } from "./convert.ts";
 * try {
 *   await convertCommand(["in.pt", "out", "--seq-lne", "81"]);
 *   throw new Error("accepted a typo");
 * } catch (e) {
 *   if (!(e as Error).message.includes("did you mean --seq-len?")) throw e;
 * }
 * ```
 */
export async function convertCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, CONVERT_FLAGS);
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  const [input, out, ...extra] = flags._;
  if (!input || !out || extra.length) throw new UsageError("expected IN and OUT (see --help)");
  try {
    return await convert(input, out, flags);
  } catch (e) {
    if (!(e instanceof TorchFileError)) throw e;
    // deno-lint-ignore no-console
    console.error(`error: ${e.message}`);
    return 2;
  }
}

async function convert(input: string, out: string, flags: ConvertFlags): Promise<number> {
  await initBackend("cpu"); // exact, and every tensor here is copied, not computed
  const ours = await isDir(input);
  const to = targetOf(flags.to, ours, out);
  const report: Record<string, unknown> = { in: input, out, to };
  if (ours) {
    if (to === "ours") throw new UsageError("IN is already our checkpoint; --to torch or safetensors");
    using loaded = await loadCheckpoint(input, officialMixer);
    const kind = loaded.config.scheme.kind;
    if (!OFFICIAL_SCHEMES.includes(kind)) {
      throw new UsageError(`the checkpoint's scheme "${kind}" has no counterpart in the official code`);
    }
    const state = await exportReferenceState(loaded.model, loaded.puzzles);
    const inferred = inferConfig(state); // refuses what the official code cannot load, before writing
    if (to === "torch") {
      const prefix = flags.prefix ?? "_orig_mod.model.";
      const initDtype = flags["init-dtype"] === "bf16" ? "BF16" : "F32";
      await writeFileAtomic(
        out,
        await exportTorchCheckpoint(loaded.model, loaded.puzzles, { prefix, initDtype }),
      );
    } else await writeReference(state, to, out, flags);
    Object.assign(report, { from: "ours", tensors: state.size, config: inferred });
  } else {
    const { format, tensors } = decodeReferenceFile(await Deno.readFile(input), input);
    const inferred = inferConfig(tensors);
    Object.assign(report, { from: format, tensors: tensors.size, config: inferred });
    if (to === "ours") {
      const { spec, config } = referenceConfig(inferred, answersOf(flags));
      using model = createTrm(spec, config);
      const puzzles = new PuzzleEmbedding(spec.numPuzzleIds, config.model.hidden);
      importReferenceState(tensors, model, puzzles);
      using session = new TrainSession(model, { totalSteps: 1, puzzles });
      await saveCheckpoint(out, { taskSpec: spec, config, session, seed: 0 });
      report.assumed = {
        seqLen: spec.seqLen,
        puzzleEmbLen: config.model.puzzleEmbLen,
        ...(inferred.mixer === "attention" ? { mixer: config.mixer.options } : {}),
        n: config.recursion.n,
        T: config.recursion.T,
        maxSteps: config.supervision.maxSteps,
      };
    } else await writeReference(tensors, to, out, flags);
  }
  // deno-lint-ignore no-console
  console.log(JSON.stringify(report));
  return 0;
}
