/**
 * How much memory one training step needs, before running it: an analytic model of the peak heap bytes
 * of a supervision step for both gradient strategies (plain reverse mode and `recomputation()`), and the
 * choice between them for a memory limit (the wasm backend's heap is capped at 4 GiB and never shrinks, so
 * a step that does not fit aborts the process; recomputation costs ~20% more time, so it is chosen only
 * where the plain step would not fit).
 *
 * The model counts, in float32 elements, what tfjs keeps alive at the step's peak, which is either in
 * the gradient pass or in the optimizer step, whichever is larger:
 * - gradient pass: the tensors each evaluation of a network saves on the gradient tape (per block: the
 *   mixer's saved inputs, the channel SwiGLU's three [B*L', W] intermediates, the norms' inputs, the
 *   weight slices; attention adds two [B, heads, L', L'] score tensors per block), times the evaluations
 *   kept (plain: every on-tape one; recompute: one, plus each evaluation's input state); the backward
 *   pass's working set (frugal backprop frees as it goes: a few gradients of the largest intermediate);
 *   the weight gradients being summed; the embedded question, its one-hot [B*L, V] and the heads;
 * - optimizer step: the gradients, and AdamATan2's ~14 temporaries of the variable it is updating (one
 *   `tf.tidy` per variable frees them before the next: the largest variable's count);
 * - both: weights, AdamATan2 moments, the EMA shadow and the carry;
 * and scales the live bytes by a fragmentation factor measured on the wasm heap (dlmalloc keeps freed
 * blocks, emscripten grows the heap in steps, XNNPACK packs weights outside the tensors), plus the
 * module's own 16 MiB. The constants are calibrated by `bench/memory_bench.ts` against the measured heap
 * size (table in that file's header): the estimate is 1.03-1.26x the measured heap on 25 runs.
 *
 * Mixers are known by `kind` ("mlp-mixer", "attention", as `flops.ts` does); any other mixer is bounded
 * from its `largestTensor`.
 *
 * @module
 */
import type { TrmConfig } from "./config.ts";
import { swigluWidth } from "./layers.ts";
import type { TaskSpec } from "./task.ts";

/** Peak heap bytes of one training step, per gradient strategy. */
export interface StepBytes {
  /** Plain reverse mode (`reverseMode()`, the reference): every on-tape activation kept. */
  readonly plain: number;
  /** Activation recomputation (`recomputation()`): only each evaluation's input kept. */
  readonly recompute: number;
}

const F32 = 4;
/**
 * Heap size over live bytes at the step's peak, measured (heap minus its initial 16 MiB, over the live
 * tensor bytes): 1.04-1.14 for plain reverse mode with OpenBLAS (up to 1.14 with XNNPACK in an earlier
 * sweep: its packed weights live outside the tensors), 1.10-1.29 for recomputation, which frees and
 * reallocates one evaluation's tape per on-tape update. Set at or above the largest seen.
 */
const FRAGMENTATION_PLAIN = 1.15;
const FRAGMENTATION_RECOMPUTE = 1.3;
/** The wasm module's own heap before any tensor (static data, stack), measured: 16 MiB. */
const BASE_HEAP_BYTES = 16 * 2 ** 20;
/** Float32 temporaries per element of one AdamATan2 update (13, plus three bool masks where atan2 is not IEEE). */
const ADAM_TEMPORARIES = 14;

/** Shapes of one step, in elements. */
interface Dims {
  readonly B: number;
  /** L' = puzzle prefix + task length. */
  readonly Lp: number;
  readonly D: number;
  /** One [B, L', D] activation. */
  readonly act: number;
  /** One [B*L', W_D] channel-SwiGLU intermediate. */
  readonly channel: number;
}

function dimsOf(config: TrmConfig, spec: TaskSpec, B: number): Dims {
  const D = config.model.hidden, Lp = spec.seqLen + config.model.puzzleEmbLen;
  return { B, Lp, D, act: B * Lp * D, channel: B * Lp * swigluWidth(D, config.model.expansion) };
}

/** Expansion of the MLP-mixer's sequence SwiGLU (its own option, else the model's). */
function mixerExpansion(config: TrmConfig): number {
  return (config.mixer.options as { expansion?: number }).expansion ?? config.model.expansion;
}

/**
 * Elements one mixer saves on the tape for a batch, the largest tensor it creates, and how many of those
 * the backward pass holds at its peak (frugal backprop frees each node's tensors once it has run; the
 * peak comes early, at the last block's weight gradients, for the MLP-mixer: ~2; attention's softmax
 * gradient holds its incoming gradient, two products and its result, ~4 score tensors). MLP-mixer: the
 * transposed input, its output before and after the transpose back (3 [B, L', D]) and three [B*D, W_L']
 * SwiGLU intermediates. Attention: Q, K (projection, head transpose, three RoPE terms, the rotated
 * result: 6 each), V (2), the weighted sum, its transpose and the output projection (17 [B, L', D]), and
 * the raw and softmaxed scores (2 [B, H, L', L']). Other mixers: a bound from their `largestTensor`.
 */
function mixerSaved(config: TrmConfig, d: Dims): { saved: number; largest: number; backward: number } {
  const kind = config.mixer.kind;
  if (kind === "mlp-mixer") {
    const m = d.B * d.D * swigluWidth(d.Lp, mixerExpansion(config));
    return { saved: 3 * d.act + GATE_SAVED * m, largest: m, backward: 2 };
  }
  if (kind === "attention") {
    const heads = (config.mixer.options as { heads?: number }).heads ?? 8;
    const scores = d.B * heads * d.Lp * d.Lp;
    return { saved: 17 * d.act + 2 * scores, largest: scores, backward: 4 };
  }
  const largest = Math.max(
    d.act,
    config.mixer.largestTensor?.({ seqLen: d.Lp, hidden: d.D, expansion: config.model.expansion }, d.B) ?? 0,
  );
  return { saved: 4 * d.act + 4 * largest, largest, backward: 4 };
}

/**
 * [B*L', W] tensors one SwiGLU keeps on the tape on wasm: its packed product [g | u] (two: the packed gate
 * saves it) and the gate product (the down projection's input). The composed ops of other backends keep
 * five (sigmoid(g) and g * sigmoid(g) too); their memory is not capped, so the wasm figure is the one used.
 */
const GATE_SAVED = 3;

/**
 * Elements one block saves: the mixer's, the channel SwiGLU's three [B*L', W_D] intermediates and three
 * [B, L', D] tensors (the normed mixer output, the SwiGLU output, the block output: the fused residual
 * norms keep their inputs, which are these, and no sum or square of their own).
 */
function blockSaved(config: TrmConfig, d: Dims): number {
  return mixerSaved(config, d).saved + GATE_SAVED * d.channel + 3 * d.act + weightSlices(config, d);
}

/**
 * Elements of the weight slices one block's evaluation creates and the tape keeps: attention splits its
 * packed Q|K|V, so every evaluation holds a copy of those weights until its backward pass
 * (batch-independent). SwiGLU slices nothing on wasm (its packed gate reads [g | u] in place).
 */
function weightSlices(config: TrmConfig, d: Dims): number {
  return config.mixer.kind === "attention" ? 3 * d.D * d.D : 0;
}

/** Elements of the largest trainable variable: a `gate_up` weight, attention's Q|K|V or the embedding. */
function largestParam(config: TrmConfig, spec: TaskSpec): number {
  const { hidden: D, expansion } = config.model, Lp = spec.seqLen + config.model.puzzleEmbLen;
  const kind = config.mixer.kind;
  const mixer = kind === "mlp-mixer" ? 2 * Lp * swigluWidth(Lp, mixerExpansion(config)) : 3 * D * D;
  return Math.max(2 * D * swigluWidth(D, expansion), mixer, spec.vocabSize * D);
}

/** Trainable parameters (elements): token embedding, every net's blocks, lm_head, q_head. */
function paramCount(config: TrmConfig, spec: TaskSpec): number {
  const { hidden: D, expansion } = config.model, Lp = spec.seqLen + config.model.puzzleEmbLen;
  const channel = 3 * D * swigluWidth(D, expansion);
  const kind = config.mixer.kind;
  const mixer = kind === "mlp-mixer"
    ? 3 * Lp * swigluWidth(Lp, mixerExpansion(config))
    : kind === "attention"
    ? 4 * D * D
    : 16 * D; // conv-mixer: kernel x D; a small bound for unknown mixers
  const blocks = Object.values(config.scheme.nets)
    .reduce((s, net) => s + (net.layers ?? config.model.layers), 0);
  return spec.vocabSize * D + blocks * (mixer + channel) + D * spec.vocabSize + 2 * D + 2;
}

/**
 * Estimated peak heap bytes of one training step at `batch` rows, for plain reverse mode and for
 * activation recomputation (see the module doc for what is counted). Biased high: it is meant to decide
 * whether a step fits, so it errs towards "does not fit".
 *
 * @example
 * ```ts
 * import { estimateStepBytes, resolveConfig } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), recursion: { n: 6, T: 3 } });
 * const e = estimateStepBytes(config, spec, 8);
 * if (!(e.recompute < e.plain && e.plain < 4 * 2 ** 30)) throw new Error(JSON.stringify(e));
 * ```
 */
export function estimateStepBytes(config: TrmConfig, spec: TaskSpec, batch: number): StepBytes {
  if (!(Number.isInteger(batch) && batch > 0)) {
    throw new RangeError(`estimateStepBytes: batch must be a positive integer, got ${batch}`);
  }
  const d = dimsOf(config, spec, batch);
  const states = config.scheme.states.length;
  const plan = config.scheme.plan(config.recursion);
  const layersOf = (net: string) => config.scheme.nets[net]?.layers ?? config.model.layers;
  const block = blockSaved(config, d);
  // One evaluation: its blocks, plus the injection sums (one [B, L', D] each) and its output.
  const evalSaved = (u: { net: string; inject: readonly string[] }) =>
    layersOf(u.net) * block + (u.inject.length + 1) * d.act;
  const onTape = plan.onTape.reduce((s, u) => s + evalSaved(u), 0);
  const oneEval = plan.onTape.reduce((m, u) => Math.max(m, evalSaved(u)), 0);
  const mixer = mixerSaved(config, d), largest = Math.max(mixer.largest, d.channel, d.act);
  const P = paramCount(config, spec);
  // Between steps: weights, two AdamATan2 moments, the EMA shadow and the carry.
  const persistent = P * (3 + (config.optim.emaDecay === null ? 0 : 1)) + states * d.act;
  // During the gradient pass: the weight gradients being summed (the running sum and the new term), the
  // embedded question x and the entering state, one-hot tokens (int32 and their float32 cast), the
  // heads' slice of y, their logits and the loss's [B, L, V] terms; the backward working set.
  const L = spec.seqLen, V = spec.vocabSize;
  const step = 2 * P + d.act * (1 + states) + 2 * batch * L * d.D + 10 * batch * L * V;
  const backward = mixer.backward * largest + 4 * d.act;
  // Recomputation keeps the state before every on-tape update (its tensors are the inputs), the gradient
  // reaching each state and x, and holds one evaluation's tape at a time.
  const kept = (plan.onTape.length + states + 1) * d.act + oneEval;
  // The optimizer step: the gradients, and the temporaries of one variable's update at a time (AdamATan2
  // runs one tf.tidy per variable).
  const optimizer = persistent + P + ADAM_TEMPORARIES * largestParam(config, spec);
  const gradientPass = (tape: number) => persistent + step + tape + backward;
  // Fragmentation is the gradient pass's (recomputation frees and reallocates a tape per update); the
  // optimizer step is the same tensors under both strategies.
  const heap = (tape: number, fragmentation: number) =>
    BASE_HEAP_BYTES + F32 * Math.max(fragmentation * gradientPass(tape), FRAGMENTATION_PLAIN * optimizer);
  const plain = heap(onTape, FRAGMENTATION_PLAIN);
  // Never above plain: with one on-tape evaluation recomputation keeps the same tape.
  return { plain, recompute: Math.min(plain, heap(Math.min(onTape, kept), FRAGMENTATION_RECOMPUTE)) };
}

/**
 * The most bytes the wasm backend's heap can reach: tfjs-backend-wasm 4.22 is built with a 4 GiB
 * maximum (emscripten's `getHeapMax()`, 4 GiB minus one 64 KiB page). It is the cap itself, not the
 * free part of it: {@linkcode estimateStepBytes} already counts the module's own heap and the model's
 * weights, moments and EMA, which exist when the choice is made, so subtracting what is in use would count
 * them twice. A process that holds other large tensors (a second model) should pass less.
 *
 * @example
 * ```ts
 * import { wasmHeapLimitBytes } from "@recursive/trm/core";
 * if (wasmHeapLimitBytes() !== 4 * 2 ** 30 - 65536) throw new Error("4 GiB");
 * ```
 */
export function wasmHeapLimitBytes(): number {
  return 4 * 2 ** 30 - 65536;
}

/** Safety margin of {@linkcode chooseGradient}: a strategy fits when its estimate is under this share. */
export const MEMORY_MARGIN = 0.9;

/** What {@linkcode chooseGradient} decided. */
export interface GradientChoice {
  /** The gradient strategy to use (a name `resolveConfig` accepts for `optim.gradient`). */
  readonly gradient: "reverse" | "recompute";
  /** Both estimates it decided on. */
  readonly estimate: StepBytes;
  /** Whether the chosen strategy's estimate fits the limit (false: neither does; reduce the batch). */
  readonly fits: boolean;
  /** One line for the log: the choice, both estimates and the limit. */
  readonly reason: string;
}

/**
 * Plain reverse mode where its step fits `limitBytes`, else activation recomputation (about 20% slower,
 * a fraction of the memory). "Fits" means the estimate is at most {@linkcode MEMORY_MARGIN} (90%) of the
 * limit: the estimate is calibrated to sit above the measured heap (by 3-26%), and the margin covers what
 * the model does not count (a mixer or scheme it only bounds, evaluation batches between steps sharing
 * the heap, fragmentation worse than measured). When neither fits it still answers `"recompute"` (the
 * smaller one), with `fits: false` and a reason that says so.
 *
 * @example
 * ```ts
 * import { chooseGradient, resolveConfig, wasmHeapLimitBytes } from "@recursive/trm/core";
 * import { mlpMixer } from "@recursive/trm/plugins/mlp-mixer";
 * const spec = { name: "sudoku", vocabSize: 11, seqLen: 81, numPuzzleIds: 1 };
 * const config = resolveConfig({ mixer: mlpMixer(), recursion: { n: 6, T: 3 } });
 * const small = chooseGradient(config, spec, 8, wasmHeapLimitBytes());
 * const large = chooseGradient(config, spec, 40, wasmHeapLimitBytes());
 * if (small.gradient !== "reverse" || large.gradient !== "recompute") throw new Error(large.reason);
 * ```
 */
export function chooseGradient(
  config: TrmConfig,
  spec: TaskSpec,
  batch: number,
  limitBytes: number,
): GradientChoice {
  if (!(limitBytes > 0)) throw new RangeError(`chooseGradient: limitBytes must be > 0, got ${limitBytes}`);
  const estimate = estimateStepBytes(config, spec, batch);
  const budget = MEMORY_MARGIN * limitBytes;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const both = `plain ~${gib(estimate.plain)}, recompute ~${gib(estimate.recompute)}, limit ${
    gib(limitBytes)
  }`;
  if (estimate.plain <= budget) {
    return {
      gradient: "reverse",
      estimate,
      fits: true,
      reason: `gradient reverse: the plain step fits (${both})`,
    };
  }
  const fits = estimate.recompute <= budget;
  const reason = fits
    ? `gradient recompute: the plain step would not fit at batch ${batch} (${both})`
    : `gradient recompute, but neither strategy fits at batch ${batch} (${both}): reduce the batch size`;
  return { gradient: "recompute", estimate, fits, reason };
}
