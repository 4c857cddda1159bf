/** Shared test helpers: leak checks and tiny configurations. */
import * as tf from "@tensorflow/tfjs-core";
import { assertEquals } from "@std/assert";
import {
  type BackendName,
  initBackend,
  resolveConfig,
  type TokenMixer,
  type TrmConfig,
} from "../core/mod.ts";

/** Initialises the backend named by `TRM_TEST_BACKEND` (default cpu: exact and fast for tiny models). */
export async function testBackend(): Promise<string> {
  return await initBackend((Deno.env.get("TRM_TEST_BACKEND") ?? "cpu") as BackendName);
}

/**
 * Runs `fn` `warmup` times, then twice more, and requires `tf.memory().numTensors` to be unchanged
 * across the measured runs.
 */
export async function assertNoLeak(fn: () => unknown | Promise<unknown>, warmup = 1): Promise<void> {
  for (let i = 0; i < warmup; i++) await fn();
  const before = tf.memory().numTensors;
  await fn();
  await fn();
  assertEquals(tf.memory().numTensors, before, "tensor count changed across repeated calls");
}

/** A tiny but complete config (D 16, n 2, T 2, N_sup 3) for fast tests. */
export function tinyConfig(mixer: TokenMixer, batchSize = 4): TrmConfig {
  return resolveConfig({
    mixer,
    model: { hidden: 16, puzzleEmbLen: 2 },
    recursion: { n: 2, T: 2 },
    supervision: { maxSteps: 3 },
    optim: { batchSize, warmupSteps: 0, lr: 1e-2, emaDecay: 0.9 },
  });
}

/** Output of {@linkcode runCli}. */
export interface CliResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Runs `cli/main.ts` with the narrow permissions the README documents. */
export async function runCli(...args: string[]): Promise<CliResult> {
  const main = new URL("../cli/main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", main, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The JSON summary a CLI command prints as its last line of `stdout`. */
// deno-lint-ignore no-explicit-any
export function jsonSummary(stdout: string): any {
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}
