/**
 * Training progress for humans and scripts: a single-line progress bar on a terminal, plain lines
 * otherwise, and a JSONL metrics log.
 *
 * @module
 */

/** Formats seconds as `1m05s` / `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds), m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  if (d > 0) return `${d}d${String(h % 24).padStart(2, "0")}h`;
  if (h > 0) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Writes progress to stderr: `\r`-updated bar on a TTY, one line every `every` steps otherwise. */
export class Progress {
  readonly #total: number;
  readonly #tty: boolean;
  readonly #every: number;
  readonly #start = performance.now();
  #startStep = 0;
  readonly #enc = new TextEncoder();

  /** `total` steps; `every` = plain-line interval when not on a terminal. */
  constructor(total: number, every: number, startStep = 0) {
    this.#total = total;
    this.#every = Math.max(1, every);
    this.#tty = Deno.stderr.isTerminal();
    this.#startStep = startStep;
  }

  /** Reports step `step` (1-based) with a short metrics string. */
  update(step: number, metrics: string): void {
    const elapsed = (performance.now() - this.#start) / 1000;
    const done = step - this.#startStep;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (this.#total - step) / Math.max(rate, 1e-9);
    const stats = `${rate.toFixed(2)} steps/s ETA ${formatDuration(eta)}`;
    if (this.#tty) {
      const width = 24, filled = Math.round((width * step) / this.#total);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      Deno.stderr.writeSync(this.#enc.encode(`\r[${bar}] ${step}/${this.#total} ${metrics} ${stats}\x1b[K`));
      if (step === this.#total) Deno.stderr.writeSync(this.#enc.encode("\n"));
    } else if (step % this.#every === 0 || step === this.#total) {
      Deno.stderr.writeSync(this.#enc.encode(`step ${step}/${this.#total} ${metrics} ${stats}\n`));
    }
  }

  /** Prints a line without breaking the bar. */
  log(line: string): void {
    Deno.stderr.writeSync(this.#enc.encode(`${this.#tty ? "\r\x1b[K" : ""}${line}\n`));
  }
}
