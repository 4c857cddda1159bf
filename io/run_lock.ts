/**
 * One trainer per run folder: `OUT/.lock` holds an exclusive advisory lock (flock) and the pid and run id
 * of the trainer writing there. A second trainer refuses in one line naming that pid. A trainer that dies,
 * even by kill -9, loses its lock with its process, so a stale lock file is simply taken over; no pid
 * liveness check is needed (that would need `/proc`, which Deno only reads with --allow-all).
 *
 * @module
 */
import { RunFolderError } from "./run_folder_error.ts";

/** A held lock; disposing it releases it (the file stays: removing it could let two processes lock two inodes). */
export interface RunLock extends Disposable {
  /** The lock file's path. */
  readonly path: string;
}

/** How long to wait for the lock before deciding another live trainer holds it. */
const WAIT_MS = 300;

/** Takes `dir/.lock` for run `runId`, or throws a {@linkcode RunFolderError} naming the holder's pid. */
export async function lockRun(dir: string, runId: string): Promise<RunLock> {
  const path = `${dir}/.lock`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const got = await Promise.race([
    file.lock(true).then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), WAIT_MS)),
  ]);
  clearTimeout(timer);
  if (!got) {
    // The holder keeps it; our pending request is dropped when this process exits.
    let holder = "another process";
    try {
      holder = `pid ${JSON.parse(await Deno.readTextFile(path)).pid}`;
    } catch {
      // still being written
    }
    throw new RunFolderError(`${dir}: another training (${holder}) is writing this folder (lock ${path})`);
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify({ pid: Deno.pid, run: runId }) + "\n"));
  return {
    path,
    [Symbol.dispose]() {
      file.close(); // releases the lock
    },
  };
}
