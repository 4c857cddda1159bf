/**
 * Atomic file writes: write a temporary file beside the target, flush it to disk, then rename it over
 * the target. A crash at any point leaves either the old file or the new one, never a torn one.
 *
 * @module
 */

function tempName(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const base = slash < 0 ? path : path.slice(slash + 1);
  return `${dir}/.${base}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@recursive/trm/core";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello");
 * if (await Deno.readTextFile(`${dir}/a.txt`) !== "hello") throw new Error("written");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    using file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
    for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
    await file.sync();
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Writes `value` as pretty JSON to `path` atomically.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "@recursive/trm/core";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/a.json`, { a: 1 });
 * if (JSON.parse(await Deno.readTextFile(`${dir}/a.json`)).a !== 1) throw new Error("json");
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
