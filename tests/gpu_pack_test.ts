/**
 * The GPU pack's bundles run without the repository: build a bundle-only pack (no xz of the Deno binary,
 * no libvulkan download), copy it to an empty folder and train one step through run.sh, with an empty
 * DENO_DIR and --cached-only (set by run.sh), so nothing can come from the npm cache or the network.
 */
import { assert, assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options }).output();
  const text = new TextDecoder();
  return { code: r.code, stdout: text.decode(r.stdout), stderr: text.decode(r.stderr) };
}

Deno.test("gpu pack: the bundled CLI trains one step from a folder outside the repository", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "gpu-pack-test-" });
  try {
    const pack = `${tmp}/build`;
    const built = await run(
      deno,
      ["run", "-A", "bench/gpu_pack.ts", "--out", pack, "--entries", "train", "--no-deno", "--no-vulkan"],
      { cwd: root },
    );
    assertEquals(built.code, 0, built.stderr);
    const summary = JSON.parse(built.stdout.trim()) as { files_mb: Record<string, number> };
    assert("train.js" in summary.files_mb && "tfjs-backend-wasm-simd.wasm" in summary.files_mb, built.stdout);

    // A copy elsewhere: the bundle must find its .wasm files beside itself, not in the repo or npm cache.
    const work = `${tmp}/elsewhere`;
    await Deno.mkdir(`${work}/pack`, { recursive: true });
    for await (const e of Deno.readDir(pack)) {
      if (e.isFile) await Deno.copyFile(`${pack}/${e.name}`, `${work}/pack/${e.name}`);
    }
    await Deno.chmod(`${work}/pack/run.sh`, 0o755);
    const dir = deno.slice(0, deno.lastIndexOf("/"));
    const trained = await run(
      `${work}/pack/run.sh`,
      [
        "train",
        "--backend",
        "wasm",
        "--steps",
        "1",
        "--train-size",
        "8",
        "--test-size",
        "2",
        "--out",
        "r",
        "--quiet",
      ],
      {
        cwd: work,
        clearEnv: true,
        env: { PATH: `${dir}:/usr/bin:/bin`, HOME: work, DENO_DIR: `${work}/deno-dir`, NO_COLOR: "1" },
      },
    );
    assertEquals(trained.code, 0, trained.stderr);
    const result = JSON.parse(trained.stdout.trim().split("\n").pop()!) as { backend: string; steps: number };
    assertEquals([result.backend, result.steps], ["wasm", 1]);
    assert((await Deno.stat(`${work}/r/checkpoint/meta.json`)).isFile);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
