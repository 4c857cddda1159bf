/**
 * Half-precision floats for safetensors files: float32 to IEEE binary16 (F16) and bfloat16 (BF16) bit
 * patterns and back, as PyTorch stores them. Hand-written (a few bit operations per value): bfloat16 has
 * no array type in JavaScript, and the native `Float16Array` (Deno 2.9, browsers since 2025) is missing
 * from older runtimes this package runs on, so one exact path serves both. Internal to `safetensors.ts`
 * (its tests cover rounding ties, subnormals, overflow and NaN).
 *
 * @module
 */

/** IEEE binary16 bits → number (exact). */
function f16BitsToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
let f16Table: Float32Array | undefined; // all 65536 halves, built on first use (256 KiB)

/** float32 bits → binary16 bits, rounded to nearest, ties to even (overflow → ±Infinity, NaN stays NaN). */
function f32BitsToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000, exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) { // subnormal half: the 24-bit significand shifted right by 14 - e
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e, rest = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    const h = mant >>> shift;
    return sign | (rest > half || (rest === half && h & 1) ? h + 1 : h);
  }
  const h = (e << 10) | (mant >>> 13), rest = mant & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h); // a carry may reach Infinity
}

/** float32 bits → bfloat16 bits, rounded to nearest, ties to even (NaN stays a quiet NaN). */
function f32BitsToBf16(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40;
  return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
}

/** Narrows float32 values to F16 or BF16 bit patterns (round to nearest, ties to even). */
export function narrowHalf(d: Float32Array, dtype: "F16" | "BF16"): Uint16Array {
  const toBits = dtype === "F16" ? f32BitsToF16 : f32BitsToBf16;
  const bits = new Uint32Array(d.buffer, d.byteOffset, d.length), out = new Uint16Array(d.length);
  for (let i = 0; i < out.length; i++) out[i] = toBits(bits[i]!);
  return out;
}

/** Widens F16 (or, with `bf16`, BF16) bit patterns to float32 values (exact). */
export function widenHalf(h: Uint16Array, bf16: boolean): Float32Array {
  const out = new Float32Array(h.length), bits = new Uint32Array(out.buffer);
  if (bf16) { for (let i = 0; i < h.length; i++) bits[i] = h[i]! << 16; }
  else {
    const table = f16Table ??= Float32Array.from({ length: 65536 }, (_, i) => f16BitsToF32(i));
    for (let i = 0; i < h.length; i++) out[i] = table[h[i]!]!;
  }
  return out;
}
