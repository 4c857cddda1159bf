/**
 * A faster `BatchMatMul` for the wasm backend, installed through tfjs's public kernel registry.
 *
 * tfjs-backend-wasm 4.22 sends a matmul to XNNPACK only when neither operand is transposed; transposed
 * operands (every backward-pass matmul, attention's Q K^T) fall to a naive scalar loop that is 4-10x
 * slower. We materialise the transposes with the (fast) wasm Transpose kernel and call the original
 * kernel with plain operands. Results are identical up to float summation order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { uninstallNativeMatMul } from "./wasm_native_matmul.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface Info {
  readonly dataId: object;
  readonly shape: number[];
}

let original: tf.KernelConfig | undefined;

/**
 * Replaces the wasm `BatchMatMul` kernel (idempotent). Requires the wasm backend to be registered.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@recursive/trm/core";
 * import { installWasmKernels, uninstallWasmKernels } from "@recursive/trm/kernels";
 * await initBackend("wasm", { nativeBlas: "off" });
 * installWasmKernels();
 * const c = tf.matMul(tf.ones([3, 2]), tf.ones([4, 3]), true, true);
 * if (c.shape.join() !== "2,4" || (await c.data())[0] !== 3) throw new Error("matmul");
 * uninstallWasmKernels();
 * ```
 */
export function installWasmKernels(): void {
  if (original) return;
  const base = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!base || !transpose) throw new Error("installWasmKernels: the wasm backend is not registered");
  original = base;
  const swapLast = (x: Info, backend: KernelArgs["backend"]): Info => {
    const perm = x.shape.map((_, i) => i);
    const n = perm.length;
    [perm[n - 1], perm[n - 2]] = [perm[n - 2]!, perm[n - 1]!];
    return transpose.kernelFunc({ inputs: { x } as never, backend, attrs: { perm } }) as unknown as Info;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...base,
    kernelFunc: (args: KernelArgs) => {
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return base.kernelFunc(args);
      const tmp: Info[] = [];
      let a = inputs.a as unknown as Info, b = inputs.b as unknown as Info;
      if (transposeA) tmp.push(a = swapLast(a, backend));
      if (transposeB) tmp.push(b = swapLast(b, backend));
      try {
        return base.kernelFunc({
          inputs: { a, b } as never,
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        for (const t of tmp) (backend as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
      }
    },
  });
}

/**
 * Restores the original wasm `BatchMatMul` kernel (for tests and comparisons); a native BLAS kernel
 * installed on top of this one is removed too.
 *
 * @example
 * ```ts
 * import { uninstallWasmKernels } from "@recursive/trm/kernels";
 * uninstallWasmKernels(); // a no-op when nothing is installed
 * ```
 */
export function uninstallWasmKernels(): void {
  uninstallNativeMatMul();
  if (!original) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(original);
  original = undefined;
}
