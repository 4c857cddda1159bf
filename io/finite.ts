/**
 * Finiteness of stored tensors: a checkpoint holding a NaN or an infinity is never written, and never
 * loaded, so a diverged run cannot replace good weights and a damaged file cannot pass for a model.
 *
 * @module
 */

/**
 * The first tensor (by name) holding a value that is not finite, with the index of that value, or null
 * when every floating-point tensor is finite (integer tensors always are).
 *
 * @example
 * ```ts
 * import { firstNonFinite } from "@recursive/trm/io";
 * const bad = firstNonFinite({ a: { data: Float32Array.of(1, NaN) } });
 * if (bad?.name !== "a" || bad.index !== 1) throw new Error("found the NaN");
 * if (firstNonFinite({ b: { data: Float32Array.of(0) } }) !== null) throw new Error("finite");
 * ```
 */
export function firstNonFinite(
  tensors: Readonly<Record<string, { readonly data: ArrayLike<number> }>>,
): { readonly name: string; readonly index: number; readonly value: number } | null {
  for (const name of Object.keys(tensors).sort()) {
    const d = tensors[name]!.data;
    if (!(d instanceof Float32Array || d instanceof Float64Array)) continue;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) return { name, index: i, value: d[i]! };
    }
  }
  return null;
}
