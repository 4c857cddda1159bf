/**
 * Whether a WebGPU adapter is a hardware GPU: the page's version of the CLI's `auto` backend rule
 * (`hasRealGpu` in core/backend.ts, which Deno answers from the adapter's description). A browser may
 * leave the description empty and name a software rasteriser (SwiftShader, llvmpipe) only in its vendor
 * or architecture, so every field is looked at.
 *
 * @module
 */

/** The fields of a `GPUAdapterInfo` this looks at (all optional: browsers fill different ones). */
export interface AdapterInfoLike {
  /** e.g. "google", "nvidia". */
  readonly vendor?: string;
  /** e.g. "swiftshader", "turing". */
  readonly architecture?: string;
  /** Device name, often empty. */
  readonly device?: string;
  /** Driver description, often empty in browsers. */
  readonly description?: string;
  /** True for the implementation's software fallback (Chrome 136+). */
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/**
 * True unless the adapter says it is a fallback or names a software rasteriser in any field.
 *
 * @example
 * ```ts
 * import { isHardwareAdapter } from "./adapter.ts";
 * if (isHardwareAdapter({ vendor: "google", architecture: "swiftshader" })) throw new Error("software");
 * if (!isHardwareAdapter({ vendor: "nvidia", architecture: "hopper" })) throw new Error("hardware");
 * ```
 */
export function isHardwareAdapter(info: AdapterInfoLike, adapterIsFallback = false): boolean {
  if (adapterIsFallback || info.isFallbackAdapter === true) return false;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ");
  return !SOFTWARE.test(text);
}
