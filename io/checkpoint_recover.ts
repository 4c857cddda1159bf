/**
 * Recovery of an interrupted checkpoint swap. `saveCheckpoint` writes `<path>.tmp-<pid>-<id>` completely,
 * renames the old `<path>` to `<path>.old-<pid>-<id>`, renames the new one in, then removes the old one. A
 * kill between the two renames leaves no `<path>` but two complete directories; a kill while writing
 * leaves an incomplete `.tmp-`. {@linkcode recoverCheckpoint} puts the newest complete one back at
 * `<path>` and removes the leftovers of processes that are gone.
 *
 * @module
 */

/** Whether process `pid` is running; where this cannot be known (no `/proc`), it is assumed to be. */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === Deno.pid) return true;
  try {
    // A zombie (killed, not yet reaped by its parent) still has /proc/<pid>: it is gone all the same.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\S+ \(.*\) [ZX]/s.test(stat);
  } catch (e) {
    // Gone, or unknowable (no procfs; Deno reads /proc only with --allow-all): assume it runs.
    return !(e instanceof Deno.errors.NotFound) || !procfs();
  }
}

function procfs(): boolean {
  try {
    Deno.statSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

/** Options of {@linkcode recoverCheckpoint}. */
export interface RecoverOptions {
  /**
   * The caller knows no other process writes here (it holds the run's lock): every leftover is stale.
   * Without it, only leftovers of processes known to be gone (or of this one) are touched; where
   * liveness cannot be read (no `/proc`, or Deno without --allow-all), that is only this process's own.
   */
  readonly ownerGone?: boolean;
}

const LEFTOVER = /^(.*)\.(tmp|old)-(\d+)-[0-9a-f]+$/;

/**
 * Recovers `path` from the leftovers of an interrupted swap beside it (a complete `.tmp-` first, being
 * newer, then `.old-`), when `path` itself is missing, and removes the leftovers of dead processes (and of
 * this one). Returns the leftover that became `path`, or null.
 *
 * @example
 * ```ts
 * import { recoverCheckpoint } from "@recursive/trm/io";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/ck.old-999999999-abcd1234`);
 * await Deno.writeTextFile(`${dir}/ck.old-999999999-abcd1234/meta.json`, "{}");
 * await Deno.writeTextFile(`${dir}/ck.old-999999999-abcd1234/tensors.safetensors`, "");
 * if (await recoverCheckpoint(`${dir}/ck`) === null) throw new Error("recovered");
 * await Deno.stat(`${dir}/ck/meta.json`);
 * ```
 */
export async function recoverCheckpoint(
  path: string,
  options: RecoverOptions = {},
): Promise<string | null> {
  const stale = (pid: number) => options.ownerGone === true || pid === Deno.pid || !processAlive(pid);
  const cut = path.replace(/\/+$/, "").lastIndexOf("/");
  const dir = cut < 0 ? "." : path.slice(0, cut) || "/", base = path.replace(/\/+$/, "").slice(cut + 1);
  const leftovers: { name: string; kind: string }[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = LEFTOVER.exec(e.name);
      if (m && m[1] === base && stale(Number(m[3]))) {
        leftovers.push({ name: e.name, kind: m[2]! });
      }
    }
  } catch {
    return null; // no folder: nothing to recover
  }
  if (leftovers.length === 0) return null;
  let used: string | null = null;
  const present = await Deno.stat(path).then(() => true, () => false);
  if (!present) {
    const ordered = [
      ...leftovers.filter((l) => l.kind === "tmp"),
      ...leftovers.filter((l) => l.kind === "old"),
    ];
    for (const l of ordered) {
      const from = `${dir}/${l.name}`;
      if (await isFile(`${from}/meta.json`) && await isFile(`${from}/tensors.safetensors`)) {
        await Deno.rename(from, path);
        used = l.name;
        break;
      }
    }
  }
  for (const l of leftovers) {
    if (l.name !== used) await Deno.remove(`${dir}/${l.name}`, { recursive: true }).catch(() => {});
  }
  return used;
}

/** Runs {@linkcode recoverCheckpoint} for every checkpoint in `dir` that has leftovers beside it. */
export async function recoverCheckpointsIn(dir: string, options: RecoverOptions = {}): Promise<void> {
  const bases = new Set<string>();
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = LEFTOVER.exec(e.name);
      if (m) bases.add(m[1]!);
    }
  } catch {
    return;
  }
  for (const b of bases) await recoverCheckpoint(`${dir}/${b}`, options);
}
