/**
 * `deno task gpu-pack`: a self-contained folder for GPU machines that may have no network. It holds a
 * `deno bundle` of the CLI (train/eval/solve), the training benchmark and the inference benchmark, the
 * tfjs-backend-wasm binaries, the Deno binary compressed with xz, Debian's Vulkan loader (libvulkan1)
 * and `run.sh`, which unpacks Deno and runs a bundle (see bench/gpu_pack_run.sh).
 *
 * Flags: --out DIR (default out/gpu-pack), --entries train,bench,inference (default all),
 * --no-deno (skip the ~60 s xz of the Deno binary; run.sh then uses a deno on PATH), --no-vulkan,
 * --max-mb 60 (fail when the pack is larger). Prints one JSON line with the sizes and timings.
 */
import { parseArgs } from "@std/cli";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const flags = parseArgs(Deno.args, {
  string: ["out", "entries", "max-mb"],
  boolean: ["no-deno", "no-vulkan", "help"],
});
if (flags.help) {
  // deno-lint-ignore no-console
  console.log(
    "usage: deno run -A bench/gpu_pack.ts [--out DIR] [--entries train,bench,inference] [--no-deno] [--no-vulkan] [--max-mb 60]",
  );
  Deno.exit(0);
}
const out = String(flags.out ?? `${root}/out/gpu-pack`);
const maxMb = Number(flags["max-mb"] ?? 60);
const ENTRIES: Readonly<Record<string, string>> = {
  train: "cli/main.ts",
  bench: "bench/run.ts",
  inference: "bench/inference.ts",
};
const entries = String(flags.entries ?? Object.keys(ENTRIES).join(",")).split(",");
for (const e of entries) {
  if (!ENTRIES[e]) throw new Error(`--entries: unknown entry "${e}"; choose from ${Object.keys(ENTRIES)}`);
}
// deno-lint-ignore no-console
const say = (line: string) => console.error(line);

/** Runs a command; returns stdout; throws with its stderr when it fails. */
async function sh(cmd: string, args: string[], cwd = root): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text(r.stderr)}`);
  return text(r.stdout);
}

async function sizeOf(path: string): Promise<number> {
  const st = await Deno.stat(path);
  if (!st.isDirectory) return st.size;
  let n = 0;
  for await (const e of Deno.readDir(path)) n += await sizeOf(`${path}/${e.name}`);
  return n;
}

await Deno.remove(out, { recursive: true }).catch((e) => {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
});
await Deno.mkdir(`${out}/lib`, { recursive: true });
const deno = Deno.execPath();
const timings: Record<string, number> = {};

// 1. Bundles. tfjs-backend-wasm's Emscripten loader looks for its .wasm files in `__dirname` when it
// sees Node (Deno's npm compatibility). In an ES-module bundle there is no `__dirname`, so each bundle
// starts by declaring it as the bundle's own folder, where the .wasm files are copied.
const PRELUDE = "// gpu-pack: tfjs-backend-wasm loads its .wasm files from __dirname.\n" +
  "const __dirname = import.meta.dirname;\n";
for (const name of entries) {
  const t0 = performance.now();
  const file = `${out}/${name}.js`;
  await sh(deno, ["bundle", "--quiet", "--platform", "deno", "-o", file, ENTRIES[name]!]);
  const js = await Deno.readTextFile(file);
  // A bundled module that declared its own top-level __dirname would clash with the prelude.
  if (/^(?:var|let|const)\s+__dirname\b/m.test(js)) throw new Error(`${file}: declares __dirname itself`);
  await Deno.writeTextFile(file, PRELUDE + js);
  timings[`bundle_${name}_s`] = (performance.now() - t0) / 1000;
}

// 2. The tfjs wasm binaries, from Deno's npm cache (`deno info --json` names it). All three variants:
// which one loads depends on the machine's SIMD / threads support.
const info = JSON.parse(await sh(deno, ["info", "--json"])) as { npmCache?: string };
const wasmVersion = (JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
  imports: Record<string, string>;
}).imports["@tensorflow/tfjs-backend-wasm"]!.replace(/^npm:@tensorflow\/tfjs-backend-wasm@/, "");
const wasmDir = `${info.npmCache}/registry.npmjs.org/@tensorflow/tfjs-backend-wasm/${wasmVersion}/dist`;
let wasmFiles = 0;
try {
  for await (const e of Deno.readDir(wasmDir)) {
    if (!e.name.endsWith(".wasm")) continue;
    await Deno.copyFile(`${wasmDir}/${e.name}`, `${out}/${e.name}`);
    wasmFiles++;
  }
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
if (wasmFiles === 0) {
  throw new Error(`no tfjs .wasm files in ${wasmDir} (run \`deno cache cli/main.ts\` first)`);
}

// 3. The Deno binary (~95 MB), xz-compressed to ~31 MB. -T0 uses every core; -6 is xz's default level
// (-9 saves ~1 MB for several times the time).
if (!flags["no-deno"]) {
  const t0 = performance.now();
  say(`compressing ${deno} with xz (about a minute on 2 cores)...`);
  const xz = new Deno.Command("xz", {
    args: ["-T0", "-6", "-c", deno],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const target = await Deno.open(`${out}/deno.xz`, { write: true, create: true, truncate: true });
  await xz.stdout.pipeTo(target.writable);
  if (!(await xz.status).success) throw new Error("xz failed");
  timings.xz_s = (performance.now() - t0) / 1000;
}

// 4. Debian's Vulkan loader: NVIDIA drivers provide the Vulkan ICD but not always libvulkan.so.1, which
// Deno's WebGPU dlopens. `apt-get download` fetches the .deb without installing it (no root needed).
let vulkan = "skipped";
if (!flags["no-vulkan"]) {
  const tmp = await Deno.makeTempDir({ prefix: "gpu-pack-vulkan-" });
  try {
    await sh("apt-get", ["download", "libvulkan1"], tmp);
    const deb = [...Deno.readDirSync(tmp)].find((e) => e.name.endsWith(".deb"))!.name;
    await sh("dpkg-deb", ["-x", `${tmp}/${deb}`, `${tmp}/x`], tmp);
    const so =
      (await sh("find", [`${tmp}/x`, "-name", "libvulkan.so.1*", "-type", "f"])).trim().split("\n")[0];
    if (!so) throw new Error(`${deb} holds no libvulkan.so.1`);
    // Copied under its soname (no symlinks: the pack may be copied with tools that drop them).
    await Deno.copyFile(so, `${out}/lib/libvulkan.so.1`);
    const copyright = `${tmp}/x/usr/share/doc/libvulkan1/copyright`;
    await Deno.copyFile(copyright, `${out}/lib/libvulkan1.copyright`).catch(() => {});
    vulkan = deb;
  } catch (e) {
    say(
      `warning: no libvulkan1 in the pack (${(e as Error).message.split("\n")[0]}); ` +
        "run.sh then relies on the GPU machine's own libvulkan.so.1",
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

// 5. The launcher and a README.
await Deno.copyFile(`${root}/bench/gpu_pack_run.sh`, `${out}/run.sh`);
await Deno.chmod(`${out}/run.sh`, 0o755);
const arch = Deno.build.arch === "x86_64" ? "amd64" : Deno.build.arch;
await Deno.writeTextFile(
  `${out}/README.txt`,
  `TRM GPU pack (@recursive/trm), built ${new Date().toISOString()} with Deno ${Deno.version.deno} for
linux ${arch}. Needs no network: copy this folder, then run for example

  ./run.sh gpu-info                                  # which WebGPU adapter Deno sees
  ./run.sh bench --json --batches 32,256 --configs sudoku-mlp,arc-att
  ./run.sh inference --batch 256 --puzzles 1024      # 9x9 Sudoku with early halting
  ./run.sh train --preset sudoku-mlp --steps 200 --out runs/mlp
  ./run.sh bench --backend wasm                      # any later --backend overrides webgpu

Contents: train.js (the CLI: train, eval, solve), bench.js (bench/run.ts), inference.js
(bench/inference.ts): single-file \`deno bundle\`s that load the tfjs-backend-wasm .wasm files beside them;
deno.xz (Deno ${Deno.version.deno}, unpacked by run.sh with xz or python3); lib/libvulkan.so.1 (${vulkan};
Apache-2.0, see lib/libvulkan1.copyright), used only when the system has no libvulkan.so.1.

No adapter? The NVIDIA driver's Vulkan ICD must be visible: in containers set
NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics (or all); run.sh writes an ICD manifest for
libGLX_nvidia.so.0 when none is installed. VK_ICD_FILENAMES overrides the choice.
`,
);

const total = await sizeOf(out);
const mb = (n: number) => Math.round(n / 1e4) / 100;
const files: Record<string, number> = {};
for await (const e of Deno.readDir(out)) files[e.name] = mb(await sizeOf(`${out}/${e.name}`));
// deno-lint-ignore no-console
console.log(JSON.stringify({
  out,
  total_mb: mb(total),
  files_mb: files,
  vulkan,
  ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
}));
if (total > maxMb * 1e6) {
  say(`error: the pack is ${mb(total)} MB, over the ${maxMb} MB limit`);
  Deno.exit(1);
}
