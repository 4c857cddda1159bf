/**
 * `deno task convert IN OUT [--to ours|torch|safetensors]`: moves a model between our checkpoints and the
 * official code's files. IN is our checkpoint directory, an official `torch.save` file (`step_N`, `.pt`)
 * or a reference-layout safetensors file; the last line is a one-line JSON report (tensor count, the
 * config inferred from the shapes and the values assumed for what no shape tells).
 *
 * @module
 */
import { parseArgs } from "@std/cli";
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
import { numberFlag, UsageError } from "./flags.ts";

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
What shapes cannot tell (to ours; paper defaults): --seq-len L (required for attention; MLP-mixer:
L' - puzzle-emb-len), --puzzle-emb-len P (16), --heads (8), --positions rope|none (rope), --n (6),
--T (3), --max-steps (16), --task-name (reference)
`;

type Format = "ours" | "torch" | "safetensors";

/** The mixers the official code has a counterpart for (others cannot be converted). */
function officialMixer(kind: string, options: Readonly<Record<string, unknown>>): TokenMixer {
  if (kind === "attention") return attention(options);
  if (kind === "mlp-mixer") return mlpMixer(options);
  throw new UsageError(`the checkpoint's mixer "${kind}" has no counterpart in the official code`);
}

async function isDir(path: string): Promise<boolean> {
  return (await Deno.stat(path)).isDirectory;
}

function targetOf(flag: unknown, inIsOurs: boolean, out: string): Format {
  if (flag !== undefined) {
    if (flag === "ours" || flag === "torch" || flag === "safetensors") return flag;
    throw new UsageError(`--to: expected ours, torch or safetensors, got "${String(flag)}"`);
  }
  if (out.endsWith(".safetensors")) return "safetensors";
  if (/\.(pt|pth)$/.test(out)) return "torch";
  return inIsOurs ? "torch" : "ours";
}

async function writeReference(
  tensors: Map<string, StoredTensor>,
  to: Format,
  out: string,
  flags: Record<string, unknown>,
): Promise<void> {
  const prefix = flags.prefix as string | undefined;
  if (to === "safetensors") {
    await writeFileAtomic(
      out,
      encodeSafetensors(Object.fromEntries(officialStateDict(tensors, prefix ?? ""))),
    );
    return;
  }
  const named = officialStateDict(tensors, prefix ?? "_orig_mod.model.");
  if (flags["init-dtype"] === "bf16") {
    for (const [k, v] of named) if (/\.(H|L)_init$/.test(k)) named.set(k, { ...v, dtype: "BF16" });
  }
  const archive = out.replace(/^.*\//, "").replace(/\.[^.]*$/, "") || "archive";
  await writeFileAtomic(out, encodeTorchStateDict(named, { archive }));
}

function answersOf(flags: Record<string, unknown>): ReferenceAnswers {
  const positions = flags.positions as string | undefined;
  if (positions !== undefined && positions !== "rope" && positions !== "none") {
    throw new UsageError(`--positions: expected rope or none, got "${positions}"`);
  }
  const pick = (name: string, field: keyof ReferenceAnswers) => {
    const v = numberFlag(flags, name);
    return v === undefined ? {} : { [field]: v };
  };
  return {
    ...pick("seq-len", "seqLen"),
    ...pick("puzzle-emb-len", "puzzleEmbLen"),
    ...pick("heads", "heads"),
    ...pick("n", "n"),
    ...pick("T", "T"),
    ...pick("max-steps", "maxSteps"),
    ...(positions ? { positions: positions as "rope" | "none" } : {}),
    ...(typeof flags["task-name"] === "string" ? { taskName: flags["task-name"] as string } : {}),
  };
}

/** Runs the convert command; returns the exit code. */
export async function convertCommand(argv: readonly string[]): Promise<number> {
  const flags = parseArgs(argv, {
    string: ["to", "prefix", "init-dtype", "seq-len", "puzzle-emb-len", "heads", "positions", "n", "T"]
      .concat(["max-steps", "task-name"]),
    boolean: ["help"],
    alias: { h: "help" },
  });
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return 0;
  }
  const [input, out, ...extra] = flags._.map(String);
  if (!input || !out || extra.length) throw new UsageError("expected IN and OUT (see --help)");
  const initDtype = flags["init-dtype"];
  if (initDtype !== undefined && initDtype !== "f32" && initDtype !== "bf16") {
    throw new UsageError(`--init-dtype: expected f32 or bf16, got "${String(initDtype)}"`);
  }
  try {
    return await convert(input, out, flags);
  } catch (e) {
    if (!(e instanceof TorchFileError)) throw e;
    // deno-lint-ignore no-console
    console.error(`error: ${e.message}`);
    return 2;
  }
}

async function convert(input: string, out: string, flags: Record<string, unknown>): Promise<number> {
  await initBackend("cpu"); // exact, and every tensor here is copied, not computed
  const ours = await isDir(input);
  const to = targetOf(flags.to, ours, out);
  const report: Record<string, unknown> = { in: input, out, to };
  if (ours) {
    if (to === "ours") throw new UsageError("IN is already our checkpoint; --to torch or safetensors");
    using loaded = await loadCheckpoint(input, officialMixer);
    const state = await exportReferenceState(loaded.model, loaded.puzzles);
    const inferred = inferConfig(state); // refuses what the official TRM cannot load, before writing
    if (to === "torch") {
      const prefix = (flags.prefix as string | undefined) ?? "_orig_mod.model.";
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
      const answers = answersOf(flags);
      const { spec, config } = referenceConfig(inferred, answers);
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
