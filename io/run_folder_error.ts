/**
 * The error of a run folder that cannot be used as asked (another run in it, another trainer writing it,
 * not writable): the message names the folder and what to do; command-line tools print it alone.
 *
 * @module
 */

/**
 * A run folder problem the user can fix from the message alone.
 *
 * @example
 * ```ts
 * import { RunFolderError } from "@recursive/trm/io";
 * const e = new RunFolderError("runs/a: not writable");
 * if (e.name !== "RunFolderError") throw e;
 * ```
 */
export class RunFolderError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "RunFolderError";
  }
}
