/**
 * A worker for tests/native_blas_concurrency_test.ts: opens the native BLAS (the same library handle as
 * every other worker of the process) and multiplies the same matrices `iters` times, replying with the
 * largest error of any product against a float64 reference computed here once.
 */
import { openNativeBlas } from "../../core/kernels/native_blas.ts";

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<{ seed: number; iters: number }>) => void) | null;
};
scope.onmessage = (e) => {
  const { seed, iters } = e.data;
  const r = openNativeBlas({ threads: 1 });
  if (!r.blas) return scope.postMessage({ error: r.reason });
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  let worst = 0;
  for (const [m, n, k] of [[97, 256, 512], [300, 300, 200], [64, 97, 97]] as const) {
    const a = new Float32Array(m * k).map(rnd), b = new Float32Array(k * n).map(rnd);
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) {
        for (let j = 0; j < n; j++) want[i * n + j]! += a[i * k + q]! * b[q * n + j]!;
      }
    }
    const c = new Float32Array(m * n);
    for (let it = 0; it < iters; it++) {
      c.fill(NaN);
      r.blas.sgemm(false, false, m, n, k, a, k, b, n, c, n);
      for (let i = 0; i < c.length; i++) {
        const d = Math.abs(c[i]! - want[i]!);
        worst = d > worst || Number.isNaN(d) ? (Number.isNaN(d) ? Infinity : d) : worst;
      }
    }
  }
  scope.postMessage({ worst });
};
