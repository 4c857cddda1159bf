/**
 * Backend kernels: the wasm batched-matmul overrides (XNNPACK with explicit transposes; the system BLAS
 * through `Deno.dlopen`), the wasm copy, gate, residual-norm and atan2 kernels, and the fused WebGPU
 * kernels.
 *
 * **Unstable**: these are implementation details exposed for benchmarks and experiments; their names
 * and switches may change in any minor release. Models pick them up automatically through `initBackend`.
 *
 * @module
 */
export * from "./wasm_batch_matmul.ts";
export * from "./native_blas.ts";
export * from "./wasm_native_matmul.ts";
export * from "./matmul_kernel.ts";
export * from "./wasm_copy_kernels.ts";
export * from "./wasm_gate.ts";
export * from "./packed_gate.ts";
export * from "./residual_norm.ts";
export * from "./wasm_norm.ts";
export * from "./wasm_atan2.ts";
export * from "./frugal_backprop.ts";
export * from "./webgpu_fused.ts";
