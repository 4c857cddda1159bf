/**
 * A run folder as `train()` writes it: `metrics.jsonl` (one JSON record per line, each with the run id),
 * `checkpoint/` (the end of the run) and `checkpoints/step-N/` (periodic, the newest `keep` kept), guarded
 * by a lock (`run_lock.ts`) so one trainer writes it at a time.
 *
 * @module
 */
import { pathExists } from "../core/mod.ts";
import { RunFolderError } from "./run_folder_error.ts";

/**
 * The run folder of a checkpoint: `run/checkpoint` -> `run`, `run/checkpoints/step-N` -> `run`.
 *
 * @example
 * ```ts
 * import { runFolderOf } from "@recursive/trm/io";
 * if (runFolderOf("runs/a/checkpoints/step-0000100") !== "runs/a") throw new Error("run folder");
 * ```
 */
export function runFolderOf(checkpoint: string): string {
  const parts = checkpoint.replace(/\/+$/, "").split("/");
  parts.pop();
  if (parts[parts.length - 1] === "checkpoints") parts.pop();
  return parts.join("/") || ".";
}

/** The folder of the periodic checkpoint of `step` inside run folder `out`. */
export function periodicCheckpointDir(out: string, step: number): string {
  return `${out}/checkpoints/step-${String(step).padStart(7, "0")}`;
}

/** Keeps the newest `keep` periodic checkpoints of `dir` (names sort by step). */
export async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isDirectory && /^step-\d+$/.test(e.name)) names.push(e.name);
  names.sort();
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    await Deno.remove(`${dir}/${name}`, { recursive: true });
  }
}

/** The step a checkpoint's meta.json records, or null when there is none (or it is unreadable). */
export async function savedStep(dir: string): Promise<number | null> {
  try {
    const step = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)).step;
    return Number.isSafeInteger(step) ? step : null;
  } catch {
    return null;
  }
}

/**
 * Checks `out` before any long work: a folder (created if missing) that is writable, holding no other
 * run unless `resumingHere` (this is that run, continued) or `overwrite`. Throws a one-line
 * {@linkcode RunFolderError} naming the folder and the way out.
 */
export async function prepareRunFolder(
  out: string,
  options: { readonly resumingHere: boolean; readonly overwrite: boolean },
): Promise<void> {
  const info = await Deno.stat(out).catch(() => null);
  if (info && !info.isDirectory) throw new RunFolderError(`--out: ${out} exists and is not a folder`);
  if (!info) await Deno.mkdir(out, { recursive: true });
  if (!options.resumingHere && !options.overwrite) {
    for (const name of ["metrics.jsonl", "checkpoint", "checkpoints"]) {
      if (await pathExists(`${out}/${name}`)) {
        throw new RunFolderError(
          `--out: ${out} holds another run (${name}); pass --resume ${out}/checkpoint to continue it, ` +
            "--overwrite to replace it, or another --out",
        );
      }
    }
  }
  const probe = `${out}/.write-test-${Deno.pid}`;
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new RunFolderError(`--out: ${out} is not writable (${(e as Error).message})`);
  }
}

/** An append-only JSONL log whose records all carry the run id (several runs may share one file). */
export class MetricsLog implements Disposable {
  /** The file. */
  readonly path: string;
  /** The run id written into every record. */
  readonly runId: string;
  readonly #file: Deno.FsFile;
  readonly #enc = new TextEncoder();

  private constructor(path: string, runId: string, file: Deno.FsFile) {
    this.path = path;
    this.runId = runId;
    this.#file = file;
  }

  /** Opens (creating) `path` for appending records of run `runId`. */
  static async open(path: string, runId: string): Promise<MetricsLog> {
    return new MetricsLog(path, runId, await Deno.open(path, { create: true, append: true }));
  }

  /** Appends `{ run, ...record }` as one line (synchronously: a crash loses at most the line in flight). */
  write(record: Readonly<Record<string, unknown>>): void {
    this.#file.writeSync(this.#enc.encode(JSON.stringify({ run: this.runId, ...record }) + "\n"));
  }

  /** Closes the file. */
  [Symbol.dispose](): void {
    this.#file.close();
  }
}
