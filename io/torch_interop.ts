/**
 * Interoperability with the reference PyTorch implementation (SamsungSAILMontreal/TinyRecursiveModels):
 * maps its state-dict names and layouts onto ours and back. Torch `Linear` weights are [out, in]; ours
 * are [in, out], so every linear weight is transposed; the packed qkv column order Q | K | V is the same
 * in both. The puzzle table is the reference's `puzzle_emb.weights` buffer; y/z inits are `H_init` /
 * `L_init`. Reference keys may carry `_orig_mod.` (torch.compile) and `model.` (loss head) prefixes.
 *
 * To turn a reference checkpoint into a file this module reads:
 *
 * ```text
 * import torch
 * from safetensors.torch import save_file
 * sd = torch.load("checkpoint_step_N", map_location="cpu")
 * save_file({k: v.float().contiguous() for k, v in sd.items()}, "trm.safetensors")
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Trm } from "../core/model.ts";
import { namedVariables } from "../core/model.ts";
import type { PuzzleEmbedding } from "../core/puzzle_embedding.ts";
import type { StoredTensor } from "./safetensors.ts";

/** Reference name of one of our parameters, and whether its layout is transposed. */
export function referenceName(ours: string): { readonly name: string; readonly transpose: boolean } {
  const fixed: Record<string, [string, boolean]> = {
    embed_tokens: ["embed_tokens.embedding_weight", false],
    lm_head: ["lm_head.weight", true],
    "q_head/w": ["q_head.weight", true],
    "q_head/b": ["q_head.bias", false],
    // TRM's y / z are the official z_H / z_L (H_init / L_init); HRM's states are named zH / zL.
    y_init: ["H_init", false],
    z_init: ["L_init", false],
    zH_init: ["H_init", false],
    zL_init: ["L_init", false],
  };
  const f = fixed[ours];
  if (f) return { name: `inner.${f[0]}`, transpose: f[1] };
  // The first network of a scheme (TRM's f, HRM's L) is unprefixed: the official L_level; HRM's H is H_level.
  const m = /^(?:(H)\/)?block(\d+)\/(mixer|mlp)\/(qkv|o|gate_up|down)$/.exec(ours);
  if (!m) throw new RangeError(`referenceName: no reference name for parameter "${ours}"`);
  const [, net, i, part, w] = m;
  const level = net === "H" ? "H_level" : "L_level";
  const module = part === "mlp" ? "mlp" : w === "qkv" || w === "o" ? "self_attn" : "mlp_t";
  const proj = { qkv: "qkv_proj", o: "o_proj", gate_up: "gate_up_proj", down: "down_proj" }[w!];
  return { name: `inner.${level}.layers.${i}.${module}.${proj}.weight`, transpose: true };
}

/** The reference's name of the puzzle-embedding table. */
export const REFERENCE_PUZZLE_TABLE = "inner.puzzle_emb.weights";

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * Loads reference-layout tensors (keys with or without `_orig_mod.` / `model.` prefixes) into `model`
 * and `puzzles`. Throws naming the tensor when one is missing or has the wrong shape.
 *
 * @example
 * ```ts
 * import { createTrm, exportReferenceState, importReferenceState, initBackend, PuzzleEmbedding, resolveConfig } from "@recursive/trm";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * await initBackend("cpu");
 * const spec = { name: "t", vocabSize: 4, seqLen: 4, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), model: { hidden: 8, puzzleEmbLen: 1 } });
 * using a = createTrm(spec, config, { seed: 1 });
 * using b = createTrm(spec, config, { seed: 2 });
 * const table = new PuzzleEmbedding(1, 8);
 * importReferenceState(await exportReferenceState(a, table), b, table);
 * if ((await b.variables[0]!.data())[0] !== (await a.variables[0]!.data())[0]) throw new Error("copied");
 * ```
 */
export function importReferenceState(
  tensors: ReadonlyMap<string, StoredTensor>,
  model: Trm,
  puzzles: PuzzleEmbedding | null,
): void {
  const byName = new Map<string, StoredTensor>();
  for (const [k, v] of tensors) byName.set(k.replace(/^(_orig_mod\.)?(model\.)?/, ""), v);
  for (const [ours, variable] of namedVariables(model)) {
    const { name, transpose } = referenceName(ours);
    const t = byName.get(name);
    if (!t) throw new RangeError(`reference state: missing tensor "${name}" (for ${ours})`);
    const want = transpose ? [...variable.shape].reverse() : variable.shape;
    if (t.shape.join() !== want.join()) {
      throw new RangeError(`reference state: "${name}" has shape [${t.shape}], the model needs [${want}]`);
    }
    const data = transpose
      ? transpose2d(t.data as Float32Array, want[0]!, want[1]!)
      : (t.data as Float32Array);
    variable.assign(tf.tensor(data, variable.shape));
  }
  const table = byName.get(REFERENCE_PUZZLE_TABLE);
  if (puzzles && table) {
    if (table.data.length !== puzzles.weights.length) {
      throw new RangeError(
        `reference state: "${REFERENCE_PUZZLE_TABLE}" has shape [${table.shape}], expected [${puzzles.rows}, ${puzzles.dim}]`,
      );
    }
    puzzles.weights.set(table.data as Float32Array);
  }
}

/**
 * The model (and puzzle table) in the reference's names and layouts, as F32 tensors ready for
 * `encodeSafetensors`; load it in PyTorch with `safetensors.torch.load_file` (add the `_orig_mod.model.`
 * prefix if the trainer expects compiled keys).
 */
export async function exportReferenceState(
  model: Trm,
  puzzles: PuzzleEmbedding | null,
): Promise<Map<string, StoredTensor>> {
  const out = new Map<string, StoredTensor>();
  for (const [ours, variable] of namedVariables(model)) {
    const { name, transpose } = referenceName(ours);
    const data = (await variable.data()) as Float32Array;
    const shape = transpose ? [...variable.shape].reverse() : [...variable.shape];
    out.set(name, {
      dtype: "F32",
      shape,
      data: transpose ? transpose2d(data, variable.shape[0]!, variable.shape[1]!) : data,
    });
  }
  if (puzzles) {
    out.set(REFERENCE_PUZZLE_TABLE, {
      dtype: "F32",
      shape: [puzzles.rows, puzzles.dim],
      data: puzzles.weights,
    });
  }
  return out;
}
