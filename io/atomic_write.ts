/**
 * Atomic file writes: write a temporary file `.<name>.tmp-<pid>-<random>` beside the target, flush it to
 * disk, rename it over the target, then flush the directory (where the platform allows opening one). A
 * crash or an error at any point leaves either the old file or the new one, never a torn one; on an error
 * the temporary file is removed. An existing target keeps its permission bits. A symlink at `path` is
 * replaced by the file, not followed.
 *
 * @module
 */

/** Bytes to write: a buffer, a string (UTF-8) or chunks, possibly produced asynchronously. */
export type AtomicWriteData = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

function split(path: string): [dir: string, base: string] {
  const cut = Deno.build.os === "windows"
    ? Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
    : path.lastIndexOf("/");
  return cut < 0 ? [".", path] : [path.slice(0, cut) || "/", path.slice(cut + 1)];
}

function tempPath(path: string): string {
  const [dir, base] = split(path);
  return `${dir}/.${base}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
}

function oldMode(path: string): number | null {
  try {
    return Deno.statSync(path).mode;
  } catch {
    return null;
  }
}

/** Flushes the directory entry of a rename; best effort (Windows cannot open directories). */
async function syncDir(path: string): Promise<void> {
  try {
    using dir = await Deno.open(split(path)[0], { read: true });
    await dir.sync();
  } catch {
    // not supported here; the rename itself is still atomic
  }
}

function syncDirSync(path: string): void {
  try {
    using dir = Deno.openSync(split(path)[0], { read: true });
    dir.syncSync();
  } catch {
    // not supported here; the rename itself is still atomic
  }
}

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename, directory fsync). Chunked data is
 * streamed; if the iterator throws, the old file is left untouched and the temporary file removed.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@recursive/trm";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello");
 * if (await Deno.readTextFile(`${dir}/a.txt`) !== "hello") throw new Error("written");
 * ```
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData): Promise<void> {
  const tmp = tempPath(path), mode = oldMode(path);
  try {
    {
      using file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
      const chunks = typeof data === "string"
        ? [new TextEncoder().encode(data)]
        : data instanceof Uint8Array
        ? [data]
        : data;
      for await (const chunk of chunks) {
        for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
      }
      await file.sync();
    }
    if (mode !== null) await Deno.chmod(tmp, mode & 0o7777);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await syncDir(path);
}

/**
 * Synchronous {@linkcode writeFileAtomic} for a buffer or a string.
 *
 * @example
 * ```ts
 * import { writeFileAtomicSync } from "@recursive/trm";
 * const path = `${Deno.makeTempDirSync()}/a.bin`;
 * writeFileAtomicSync(path, Uint8Array.of(1, 2, 3));
 * if (Deno.readFileSync(path)[2] !== 3) throw new Error("written");
 * ```
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = tempPath(path), mode = oldMode(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    {
      using file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o644 });
      for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
      file.syncSync();
    }
    if (mode !== null) Deno.chmodSync(tmp, mode & 0o7777);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw e;
  }
  syncDirSync(path);
}

function toJson(path: string, value: unknown): string {
  const json: string | undefined = JSON.stringify(value, null, 2);
  if (json === undefined) throw new TypeError(`${path}: cannot write ${typeof value} as JSON`);
  return json + "\n";
}

/**
 * Writes `value` as pretty JSON (two-space indent, trailing newline) to `path` atomically.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "@recursive/trm";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/a.json`, { a: 1 });
 * if (JSON.parse(await Deno.readTextFile(`${dir}/a.json`)).a !== 1) throw new Error("json");
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, toJson(path, value));
}

/**
 * Synchronous {@linkcode writeJsonAtomic}.
 *
 * @example
 * ```ts
 * import { writeJsonAtomicSync } from "@recursive/trm";
 * const path = `${Deno.makeTempDirSync()}/a.json`;
 * writeJsonAtomicSync(path, [1, 2]);
 * if (JSON.parse(Deno.readTextFileSync(path))[1] !== 2) throw new Error("json");
 * ```
 */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomicSync(path, toJson(path, value));
}
