/**
 * Backend kernels: the wasm batched-matmul override and the fused WebGPU kernels.
 *
 * **Unstable**: these are implementation details exposed for benchmarks and experiments; their names
 * and switches may change in any minor release. Models pick them up automatically through `initBackend`.
 *
 * @module
 */
export * from "./wasm_batch_matmul.ts";
export * from "./webgpu_fused.ts";
