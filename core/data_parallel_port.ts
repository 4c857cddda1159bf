/**
 * A data-parallel worker seen from the coordinator: requests in, one reply each, in order (the worker
 * handles them one at a time). A failed request or a crashed worker rejects with one line naming the
 * worker.
 *
 * @module
 */
import type { Reply, Request } from "./data_parallel_protocol.ts";

/** A reply of the given type. */
export type ReplyOf<T extends Reply["type"]> = Extract<Reply, { type: T }>;

interface Waiting {
  readonly expect: Reply["type"];
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** One worker and the queue of its unanswered requests. */
export class WorkerPort {
  /** The worker's rank. */
  readonly rank: number;
  readonly #worker: Worker;
  readonly #waiting: Waiting[] = [];
  #failure: Error | null = null;

  /** Starts the module worker at `url`. */
  constructor(url: URL, rank: number) {
    this.rank = rank;
    this.#worker = new Worker(url.href, { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<Reply>) => {
      const w = this.#waiting.shift();
      if (!w) return;
      const r = e.data;
      if (r.type === "error") w.reject(new Error(`data-parallel worker ${rank}: ${r.message}`));
      else if (r.type !== w.expect) {
        w.reject(new Error(`data-parallel worker ${rank}: expected a "${w.expect}" reply, got "${r.type}"`));
      } else w.resolve(r);
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // a crashed worker fails its requests instead of the whole process
      this.#fail(new Error(`data-parallel worker ${rank} crashed: ${e.message}`));
    };
  }

  /** Sends `req` and resolves with its reply, which must be of type `expect`. */
  call<T extends Reply["type"]>(req: Request, expect: T): Promise<ReplyOf<T>> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      this.#waiting.push({ expect, resolve: resolve as (r: Reply) => void, reject });
      this.#worker.postMessage(req);
    });
  }

  /** Stops the worker; its unanswered requests reject. */
  terminate(): void {
    this.#worker.terminate();
    this.#fail(new Error(`data-parallel worker ${this.rank} was stopped`));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const w of this.#waiting.splice(0)) w.reject(error);
  }
}
