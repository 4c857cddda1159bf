/**
 * A depthwise-convolution token mixer: an example of a mixer plugin that is not in the paper.
 *
 * @example
 * ```ts
 * import { convMixer } from "@recursive/trm/plugins/conv-mixer";
 * if (convMixer().kind !== "conv-mixer") throw new Error("kind");
 * ```
 * @module
 */
export * from "./conv_mixer.ts";
