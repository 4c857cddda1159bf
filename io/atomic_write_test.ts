import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from "./atomic_write.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const names = (dir: string): string[] => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("writeFileAtomic() writes bytes, strings and chunks, replacing the old file and leaving no temp", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/f.bin`;
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    assertEquals(await Deno.readFile(path), Uint8Array.of(1, 2, 3));
    await writeFileAtomic(path, "héllo");
    assertEquals(await Deno.readTextFile(path), "héllo");
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.of(4);
      yield new Uint8Array(0);
      yield Uint8Array.of(5, 6);
    }
    await writeFileAtomic(path, chunks());
    assertEquals(await Deno.readFile(path), Uint8Array.of(4, 5, 6));
    await writeFileAtomic(path, [Uint8Array.of(7), Uint8Array.of(8)]);
    assertEquals(await Deno.readFile(path), Uint8Array.of(7, 8));
    const big = Uint8Array.from({ length: 3 << 20 }, (_, i) => i * 7);
    await writeFileAtomic(path, big);
    assertEquals(await Deno.readFile(path), big);
    assertEquals(names(dir), ["f.bin"]);
  });
});

Deno.test("writeFileAtomic() interrupted in the middle leaves the old file intact and no temp file", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/model.safetensors`;
    await Deno.writeTextFile(path, "old content");
    let written = 0;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1 << 16).fill(1);
      written++;
      // The temporary file now holds 64 KiB of the new content.
      assertEquals(names(dir).length, 2);
      throw new Error("disk on fire");
    }
    await assertRejects(() => writeFileAtomic(path, failing()), Error, "disk on fire");
    assertEquals(written, 1);
    assertEquals(await Deno.readTextFile(path), "old content");
    assertEquals(names(dir), ["model.safetensors"]);
  });
});

Deno.test("writeFileAtomic() failing at the rename keeps the target and removes the temp", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/target`;
    await Deno.mkdir(path);
    await Deno.writeTextFile(`${path}/inside`, "keep");
    await assertRejects(() => writeFileAtomic(path, "x"));
    assertThrows(() => writeFileAtomicSync(path, "x"));
    assertEquals(await Deno.readTextFile(`${path}/inside`), "keep");
    assertEquals(names(dir), ["target"]);
    await assertRejects(() => writeFileAtomic(`${dir}/missing/sub/f`, "x"), Deno.errors.NotFound);
    assertEquals(names(dir), ["target"]);
  });
});

Deno.test("writeFileAtomic() keeps an existing file's permission bits", async () => {
  if (Deno.build.os === "windows") return;
  await withDir(async (dir) => {
    const path = `${dir}/script.sh`;
    await Deno.writeTextFile(path, "old");
    await Deno.chmod(path, 0o700);
    await writeFileAtomic(path, "new");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o700);
    writeFileAtomicSync(path, "newer");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o700);
    assertEquals(await Deno.readTextFile(path), "newer");
  });
});

Deno.test("writeFileAtomic() run concurrently on one path ends with one complete version", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/c.txt`;
    const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000 + i));
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    assert(versions.includes(await Deno.readTextFile(path)));
    assertEquals(names(dir), ["c.txt"]);
  });
});

Deno.test("writeJsonAtomic() and writeJsonAtomicSync() write pretty JSON and refuse undefined", async () => {
  await withDir(async (dir) => {
    await writeJsonAtomic(`${dir}/a.json`, { a: [1, 2] });
    assertEquals(await Deno.readTextFile(`${dir}/a.json`), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
    writeJsonAtomicSync(`${dir}/b.json`, "s");
    assertEquals(await Deno.readTextFile(`${dir}/b.json`), '"s"\n');
    await assertRejects(() => writeJsonAtomic(`${dir}/c.json`, undefined), TypeError, "c.json");
    assertEquals(names(dir), ["a.json", "b.json"]);
  });
});

Deno.test("writeFileAtomicSync() replaces the old content and leaves no temp", async () => {
  await withDir(async (dir) => {
    writeFileAtomicSync(`${dir}/s.txt`, "one");
    writeFileAtomicSync(`${dir}/s.txt`, Uint8Array.of(0x32));
    assertEquals(await Deno.readTextFile(`${dir}/s.txt`), "2");
    assertEquals(names(dir), ["s.txt"]);
  });
});
