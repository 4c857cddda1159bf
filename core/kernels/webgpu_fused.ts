/**
 * Fused WGSL kernels for the WebGPU backend: RMSNorm over the last axis and the SwiGLU gate product
 * silu(g) * u, each with a fused gradient kernel, registered in tfjs's kernel registry (the wasm
 * backend's gate kernels, `wasm_gate.ts`, take the same names and gradient).
 *
 * Composed, RMSNorm is 5 kernels forward (square, mean = sum + div, add, rsqrt, mul) and about 12 backward,
 * each a dispatch plus a full read and write of the activation; the gate is 3 forward and ~8 backward.
 * Fused, each direction is one dispatch (two for the gate's gradient) that reads its inputs once. On
 * other backends, when disabled, and for shapes or dtypes the kernels do not cover, the functions run
 * exactly the composed ops of `core/layers.ts`, so cpu/wasm results are unchanged (wasm's own gate kernel
 * is bit-identical to them).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";

const RMS = "TrmFusedRmsNorm", RMS_GRAD = "TrmFusedRmsNormGrad";
/**
 * The kernel name of the fused gate product silu(g) * u (inputs `g`, `u`: float32 of one shape; one
 * output). The webgpu backend registers it on first use, the wasm backend in `initBackend`
 * (`installWasmGateKernels`); another backend may register its own, with {@linkcode SILU_MUL_GRAD_KERNEL},
 * and {@linkcode fusedSiluMul} takes it.
 */
export const SILU_MUL_KERNEL = "TrmFusedSiluMul";
/** The kernel name of the gate product's gradient: inputs `g`, `u`, `dy`; outputs [dg, du]. */
export const SILU_MUL_GRAD_KERNEL = "TrmFusedSiluMulGrad";
const GATE = SILU_MUL_KERNEL, GATE_GRAD = SILU_MUL_GRAD_KERNEL;
/** Threads per workgroup (and per row in the "workgroup" row layout: 2 vec4 loads each at D = 512). */
const WG = 64;

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

let enabled = true;

/**
 * Turns the fused WebGPU path on or off (on by default) and returns the previous setting. Off, the
 * functions of this module run the composed tfjs ops on every backend (for comparisons and benchmarks).
 *
 * @example
 * ```ts
 * import { setWebGpuFusion } from "@recursive/trm/kernels";
 * const before = setWebGpuFusion(false);
 * setWebGpuFusion(before);
 * if (before !== true) throw new Error("fusion is on by default");
 * ```
 */
export function setWebGpuFusion(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether the fused kernels would run for a float32 tensor now: webgpu backend active and fusion on. */
function fusing(x: tf.Tensor): boolean {
  return enabled && x.dtype === "float32" && x.size > 0 && tf.getBackend() === "webgpu";
}

// ---- WGSL programs. tfjs declares `result` (binding 0), one array per variable name, and a
// `uniforms` struct (shapes, `size`, and our `eps`); `main(index)` gets the flat invocation index.

/** vec4 loads when the row length allows: llvmpipe turns them into SIMD, 1.5-3x fewer instructions. */
function components(n: number): 1 | 4 {
  return n % 4 === 0 ? 4 : 1;
}

/**
 * Where one row of RMSNorm is reduced. "workgroup": 64 threads per row combine partial sums through
 * shared memory (coalesced loads; the usual GPU layout). "thread": one thread per row, no shared memory
 * or barriers; CPU-emulated adapters (llvmpipe) run a workgroup's lanes as SIMD and pay dearly for
 * barriers, and there it measured 4-7x faster at [16, 97, 512]. "auto" picks "thread" on a software
 * adapter when there are at least 64 rows, else "workgroup".
 */
export type RowLayout = "auto" | "thread" | "workgroup";
let layout: RowLayout = "auto";

/**
 * Sets the RMSNorm row layout of the fused kernels and returns the previous one (for tests and benchmarks).
 *
 * @example
 * ```ts
 * import { setFusedRowLayout } from "@recursive/trm/kernels";
 * const before = setFusedRowLayout("workgroup");
 * if (setFusedRowLayout(before) !== "workgroup" || before !== "auto") throw new Error(before);
 * ```
 */
export function setFusedRowLayout(next: RowLayout): RowLayout {
  const previous = layout;
  layout = next;
  return previous;
}

/** Whether the backend's device is a software rasteriser (Deno exposes GPUDevice.adapterInfo). */
function softwareAdapter(backend: unknown): boolean {
  const info =
    (backend as { device?: { adapterInfo?: { isFallbackAdapter?: boolean; description?: string } } })
      .device?.adapterInfo;
  return (info?.isFallbackAdapter ?? false) || /llvmpipe|swiftshader|software/i.test(info?.description ?? "");
}

/**
 * RMSNorm rows of `x` [rows, cols]: a strided pass accumulates each row's sums (through a shared-memory
 * tree reduction when a workgroup shares a row), a second pass writes the row. `grad` also reads `dy`
 * and sums dy * x.
 */
function rowProgram(rows: number, cols: number, grad: boolean, perThread: boolean): WebGPUProgram {
  const c = components(cols), lanes = perThread ? 1 : WG;
  const sq = (a: string, b: string) => (c === 4 ? `dot(${a}, ${b})` : `${a} * ${b}`);
  const acc = grad ? "vec2<f32>" : "f32";
  const load = grad
    ? `let v = x[base + k]; let d = dy[base + k]; sum += vec2<f32>(${sq("v", "v")}, ${sq("d", "v")});`
    : `let v = x[base + k]; sum += ${sq("v", "v")};`;
  // dx = r dy - x r^3 mean(dy x), with r = rsqrt(mean(x^2) + eps): the analytic gradient of y = x r.
  const store = grad
    ? `result[base + k] = r * dy[base + k] - x[base + k] * (r * r * r * total.y / n);`
    : `result[base + k] = x[base + k] * r;`;
  const reduce = perThread ? "let total = sum;" : `
        partial[tid] = sum;
        workgroupBarrier();
        for (var s = ${WG / 2}; s > 0; s = s / 2) {
          if (tid < s) { partial[tid] = partial[tid] + partial[tid + s]; }
          workgroupBarrier();
        }
        let total = partial[0];`;
  return {
    variableNames: grad ? ["x", "dy"] : ["x"],
    variableComponents: grad ? [c, c] : [c],
    outputComponent: c,
    outputShape: [rows, cols],
    dispatchLayout: { x: [0, 1] },
    dispatch: [perThread ? Math.ceil(rows / WG) : rows, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: "eps : f32,",
    shaderKey: `trmRms_${grad ? "grad" : "fwd"}_${c}_${lanes}`,
    getUserCode: () => `
      ${perThread ? "" : `var<workgroup> partial : array<${acc}, ${WG}>;`}
      fn main(index : i32) {
        let row = index / ${lanes};
        let tid = index - row * ${lanes};
        let n = f32(uniforms.outShape[1]);
        let width = uniforms.outShape[1] / ${c};
        // Threads past the last row (a partial workgroup, or tfjs padding the dispatch to a square grid
        // past 65535 workgroups) loop zero times but still reach every barrier: WGSL wants barriers in
        // uniform control flow, so no early return.
        let count = select(0, width, row < uniforms.outShape[0]);
        let base = row * width;
        var sum = ${acc}(0.0);
        for (var k = tid; k < count; k += ${lanes}) { ${load} }
        ${reduce}
        let r = inverseSqrt(total${grad ? ".x" : ""} / n + uniforms.eps);
        for (var k = tid; k < count; k += ${lanes}) { ${store} }
      }`,
  };
}

/** Elementwise over `size` float32s (as vec4 when size % 4 == 0): the gate product or one of its gradients. */
function gateProgram(size: number, mode: "fwd" | "dg" | "du"): WebGPUProgram {
  const c = components(size);
  // silu(a) u = a s u with s = sigmoid(a); d/da = u s (1 + a (1 - s)), d/du = a s. Same operation order
  // as the composed mul(mul(g, sigmoid(g)), u), and sigmoid as tfjs writes it (1 / (1 + exp(-a))).
  const body = {
    fwd: "result[index] = (a * s) * u[index];",
    dg: "result[index] = dy[index] * u[index] * s * (1.0 + a * (1.0 - s));",
    du: "result[index] = dy[index] * (a * s);",
  }[mode];
  const names = mode === "fwd" ? ["g", "u"] : mode === "dg" ? ["g", "u", "dy"] : ["g", "dy"];
  return {
    variableNames: names,
    variableComponents: names.map(() => c),
    outputComponent: c,
    outputShape: [size],
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / c / WG), 1, 1],
    workgroupSize: [WG, 1, 1],
    size: true,
    shaderKey: `trmGate_${mode}_${c}`,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let a = g[index];
          let s = 1.0 / (1.0 + exp(-1.0 * a));
          ${body}
        }
      }`,
  };
}

// ---- Kernels (webgpu only) and their gradients, registered once on first use.

function run(backend: unknown, program: WebGPUProgram, inputs: Info[], eps?: number): Info {
  const uniforms = eps === undefined ? undefined : [{ type: "float32", data: [eps] }];
  return (backend as WebGPUBackend).runWebGPUProgram(program, inputs, "float32", uniforms);
}

function registerKernels(): void {
  if (tf.getKernel(RMS, "webgpu")) return;
  const reg = (kernelName: string, kernelFunc: (a: KernelArgs) => Info | Info[]) =>
    tf.registerKernel({ kernelName, backendName: "webgpu", kernelFunc: kernelFunc as tf.KernelFunc });
  const rowKernel = (grad: boolean) => ({ inputs, backend, attrs }: KernelArgs) => {
    const x = inputs.x as Info, [rows, cols] = x.shape as [number, number];
    const perThread = layout === "thread" || (layout === "auto" && rows >= WG && softwareAdapter(backend));
    const ins = grad ? [x, inputs.dy as Info] : [x];
    return run(backend, rowProgram(rows, cols, grad, perThread), ins, (attrs as { eps: number }).eps);
  };
  reg(RMS, rowKernel(false));
  reg(RMS_GRAD, rowKernel(true));
  reg(GATE, ({ inputs, backend }) => {
    const g = inputs.g as Info;
    return run(backend, gateProgram(g.shape[0]!, "fwd"), [g, inputs.u as Info]);
  });
  reg(GATE_GRAD, ({ inputs, backend }) => {
    const g = inputs.g as Info, u = inputs.u as Info, dy = inputs.dy as Info;
    return [
      run(backend, gateProgram(g.shape[0]!, "dg"), [g, u, dy]),
      run(backend, gateProgram(g.shape[0]!, "du"), [g, dy]),
    ];
  });
  // Gradients are kernel-level, so the tape of tf.grad / optimizer.minimize finds them like any other.
  tf.registerGradient({
    kernelName: RMS,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => ({
      x: () => tf.engine().runKernel(RMS_GRAD, { x: saved[0]!, dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
  registerSiluMulGradient();
}

/**
 * Registers the gradient of {@linkcode SILU_MUL_KERNEL} (once; the gradient registry is not per
 * backend): the backend's {@linkcode SILU_MUL_GRAD_KERNEL} on the saved `g`, `u` and the output's `dy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { registerSiluMulGradient, SILU_MUL_KERNEL } from "@recursive/trm/kernels";
 * registerSiluMulGradient();
 * if (!tf.getGradient(SILU_MUL_KERNEL)) throw new Error("registered");
 * ```
 */
export function registerSiluMulGradient(): void {
  if (tf.getGradient(GATE)) return;
  tf.registerGradient({
    kernelName: GATE,
    inputsToSave: ["g", "u"],
    gradFunc: (dy, saved) => {
      const [dg, du] = tf.engine().runKernel(GATE_GRAD, {
        g: saved[0]!,
        u: saved[1]!,
        dy: dy as tf.Tensor,
      }) as tf.Tensor[];
      return { g: () => dg!, u: () => du! };
    },
  });
}

/**
 * RMSNorm over the last axis without gain: y = x / sqrt(mean(x^2) + eps). One fused WGSL kernel (and
 * one for its gradient) on the webgpu backend; the composed tfjs ops elsewhere. Does not dispose `x`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedRmsNorm } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * const y = await fusedRmsNorm(tf.tensor2d([[1, 2, 3, 4]]), 1e-5).data();
 * if (Math.abs(y[0]! - 0.36515) > 1e-4) throw new Error(String(y));
 * ```
 */
export function fusedRmsNorm<T extends tf.Tensor>(x: T, eps: number): T {
  return tf.tidy(() => {
    if (!fusing(x) || x.rank === 0) {
      return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))) as T;
    }
    registerKernels();
    const cols = x.shape[x.rank - 1]!;
    const x2 = tf.reshape(x, [x.size / cols, cols]);
    return tf.reshape(tf.engine().runKernel(RMS, { x: x2 }, { eps }) as tf.Tensor, x.shape) as T;
  });
}

/**
 * The SwiGLU gate product silu(g) * u = g * sigmoid(g) * u, for `g` and `u` of one shape. One fused
 * WGSL kernel (two for its gradient) on the webgpu backend, one SIMD pass each way on wasm with
 * tfjs-wasm's own sigmoid algorithm inline (bit-identical to the composed ops; `installWasmGateKernels`),
 * the backend's own
 * {@linkcode SILU_MUL_KERNEL} where one is registered; the composed tfjs ops elsewhere (and when the
 * shapes differ, so broadcasting keeps working). Does not dispose its inputs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { fusedSiluMul } from "@recursive/trm/kernels";
 * await initBackend("cpu");
 * const y = await fusedSiluMul(tf.tensor1d([0, 1]), tf.tensor1d([5, 2])).data();
 * if (y[0] !== 0 || Math.abs(y[1]! - 2 / (1 + Math.exp(-1))) > 1e-6) throw new Error(String(y));
 * ```
 */
export function fusedSiluMul<T extends tf.Tensor>(g: T, u: T): T {
  return tf.tidy(() => {
    const backend = tf.getBackend();
    const kernel = backend === "webgpu" ? fusing(g) : tf.getKernel(GATE, backend) !== undefined;
    const fits = g.dtype === "float32" && g.size > 0 && u.dtype === "float32" &&
      tf.util.arraysEqual(g.shape, u.shape);
    if (!kernel || !fits) return tf.mul(tf.mul(g, tf.sigmoid(g)), u) as T;
    if (backend === "webgpu") registerKernels();
    registerSiluMulGradient();
    const out = tf.engine().runKernel(GATE, { g: tf.reshape(g, [g.size]), u: tf.reshape(u, [u.size]) });
    return tf.reshape(out as tf.Tensor, g.shape) as T;
  });
}
