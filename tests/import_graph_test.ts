/**
 * The import graph runs one way: core/ imports nothing above it (no plugins, tasks, io, viz, cli, web,
 * augment, bench, presets), and nothing published imports bench/ or tests/. Checked on the source text of
 * every import and re-export (type-only ones too: a type cycle is still a dependency).
 */
import { assertEquals } from "@std/assert";

const root = new URL("../", import.meta.url).pathname;

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(root + dir)) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory && e.name !== "testdata") yield* tsFiles(rel);
    else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield rel;
  }
}

/** Repository-relative targets of every relative import / export ... from "..." in `file`. */
async function imports(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(root + file);
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/gms)].map((m) =>
    m[1]!
  );
  return specs.map((s) => new URL(s, `file://${root}${file}`).pathname.slice(root.length));
}

async function violations(dir: string, forbidden: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const f of tsFiles(dir)) {
    for (const target of await imports(f)) {
      if (forbidden.some((p) => target.startsWith(p))) out.push(`${f} -> ${target}`);
    }
  }
  return out;
}

Deno.test("core/ imports nothing above it", async () => {
  const above = [
    "plugins/",
    "tasks/",
    "io/",
    "viz/",
    "cli/",
    "web/",
    "augment/",
    "bench/",
    "tests/",
    "presets.ts",
  ];
  assertEquals(await violations("core", above), []);
});

Deno.test("published folders never import bench/ or tests/, and tasks/viz never import cli/ or web/", async () => {
  for (const dir of ["core", "io", "plugins", "tasks", "augment", "viz"]) {
    assertEquals(await violations(dir, ["bench/", "tests/", "cli/", "web/"]), [], dir);
  }
});

Deno.test("viz/ imports no task: tasks draw themselves through viz (render hooks), never the reverse", async () => {
  assertEquals(await violations("viz", ["tasks/"]), []);
});

Deno.test("the checker sees a planted upward import", async () => {
  const dir = await Deno.makeTempDir({ dir: root + "core" });
  const rel = dir.slice(root.length);
  try {
    await Deno.writeTextFile(`${dir}/bad.ts`, 'import type { x } from "../../plugins/registry.ts";\n');
    assertEquals(await violations(rel, ["plugins/"]), [`${rel}/bad.ts -> plugins/registry.ts`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/, viz/ and web/ never switch on a task's name (tasks come through their hooks)", async () => {
  const names = ["sudoku", "maze", "arc", "nqueens"].join("|");
  const pattern = new RegExp(
    `(?:===|!==|==|!=|case)\\s*["'\`](?:${names})["'\`]|["'\`](?:${names})["'\`]\\s*(?:===|!==)`,
  );
  const found: string[] = [];
  for (const dir of ["cli", "viz", "web"]) {
    for await (const f of tsFiles(dir)) {
      const lines = (await Deno.readTextFile(root + f)).split("\n");
      lines.forEach((line, i) => pattern.test(line) && found.push(`${f}:${i + 1}: ${line.trim()}`));
    }
  }
  assertEquals(found, []);
});
