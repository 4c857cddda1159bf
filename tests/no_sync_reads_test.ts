/**
 * The library never reads a tensor synchronously: `dataSync`/`arraySync` throw on WebGPU in Deno and stall
 * the GPU elsewhere. Scans every published and served source file (tests and benches may read on cpu).
 */
import { assertEquals } from "@std/assert";

const ROOTS = [
  "core",
  "plugins",
  "tasks",
  "augment",
  "viz",
  "cli",
  "web",
  "mod.ts",
  "presets.ts",
];

async function* sources(path: string): AsyncGenerator<string> {
  const info = await Deno.stat(path);
  if (info.isFile) {
    if (path.endsWith(".ts") && !path.endsWith("_test.ts")) yield path;
    return;
  }
  for await (const e of Deno.readDir(path)) yield* sources(`${path}/${e.name}`);
}

Deno.test("no dataSync or arraySync in library, CLI or web sources", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const offenders: string[] = [];
  let scanned = 0;
  for (const r of ROOTS) {
    for await (const file of sources(`${root}${r}`)) {
      scanned++;
      const lines = (await Deno.readTextFile(file)).split("\n");
      lines.forEach((l, i) => {
        if (/\.(dataSync|arraySync)\(/.test(l)) offenders.push(`${file.slice(root.length)}:${i + 1}`);
      });
    }
  }
  assertEquals(offenders, []);
  if (scanned < 50) throw new Error(`scanned only ${scanned} files: the roots moved?`);
});
