/** The large-matmul GFLOP/s ceiling of the active backend: the reference point for "close to the limit". */
import * as tf from "@tensorflow/tfjs-core";

/** Median GFLOP/s of an `size`^3 2-D matmul (the fastest path every backend has). */
export async function matmulCeilingGflops(size = 1024, reps = 5): Promise<number> {
  const a = tf.randomNormal([size, size]), b = tf.randomNormal([size, size]);
  const times: number[] = [];
  try {
    for (let i = 0; i < reps + 1; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      if (i > 0) times.push(performance.now() - t0); // the first run warms up
    }
  } finally {
    tf.dispose([a, b]);
  }
  times.sort((x, y) => x - y);
  return (2 * size ** 3) / (times[Math.floor(times.length / 2)]! / 1000) / 1e9;
}
