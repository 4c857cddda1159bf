/**
 * Several workers of one process call the one native BLAS at the same time (as `DataParallelSession`'s
 * workers do): every product must still be right. OpenBLAS keeps its thread pool and buffers per process,
 * so a library that is not safe for concurrent callers would show wrong or NaN entries here.
 */
import { assert } from "@std/assert";
import { openNativeBlas } from "../core/kernels/mod.ts";

const available = openNativeBlas().blas !== null;
const required = Deno.env.get("TRM_REQUIRE_BLAS") === "1";
if (!available && !required) {
  // deno-lint-ignore no-console
  console.log("skip: native BLAS from concurrent workers (no BLAS library; install libopenblas0-pthread)");
}

Deno.test({
  name: "native BLAS: 3 workers multiplying at once all get the float64 reference's products",
  ignore: !available && !required,
  fn: async () => {
    const url = new URL("./testdata/blas_worker.ts", import.meta.url);
    const replies = await Promise.all(
      [1, 2, 3].map((seed) =>
        new Promise<{ worst?: number; error?: string }>((resolve, reject) => {
          const w = new Worker(url, { type: "module" });
          w.onmessage = (e) => (w.terminate(), resolve(e.data));
          w.onerror = (e) => (w.terminate(), reject(new Error(e.message)));
          w.postMessage({ seed, iters: 40 });
        })
      ),
    );
    for (const r of replies) {
      assert(r.error === undefined, r.error);
      assert(r.worst! < 1e-3, `largest error ${r.worst} (sums of 97-512 products of values in [-0.5, 0.5])`);
    }
  },
});
