/**
 * The browser demo (bundled and served by `deno task serve`): loads a checkpoint over HTTP, runs the TRM
 * with WebGPU when the browser offers a hardware adapter (as the CLI's `auto`; else wasm, else plain JS),
 * solves the typed puzzle through the task plugin and `predict` (the same path as `deno task solve`),
 * says whether the answer is valid by the task's own rules, and animates the answer after each
 * supervision step with its halting probability, changed and wrong cells marked.
 *
 * The task: the plugin `serve --task` bundled with the page, else the built-in task the checkpoint
 * records. URL parameters: `backend` (webgpu | wasm | cpu; default: WebGPU on a hardware adapter, else
 * wasm), `threads` (wasm threads to ask for; the page shows the count the backend really runs on),
 * `checkpoint` (base URL of a checkpoint directory, default `/checkpoint/`).
 *
 * @module
 */
/// <reference lib="dom" />
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { initBackend, predict, type Task } from "../core/mod.ts";
import { decodeCheckpoint, type LoadedCheckpoint } from "../io/mod.ts";
import type { BackendName } from "../core/backend.ts";
import {
  frameCaption,
  knownLabel,
  markedPanel,
  sideBySide,
  tokensToText,
  type TraceFrame,
  traceMarks,
  traceSvg,
} from "../viz/mod.ts";
import { BUILTIN_TASKS } from "../tasks/builtin.ts";
import { isHardwareAdapter } from "./adapter.ts";

/** What `serve` bundles the page with: the task specifier and, for a module, its default export. */
export interface PageTask {
  /** A built-in name or a module specifier; default: the checkpoint's recorded task. */
  readonly specifier?: string;
  /** The module's default export (a Task, or a function of the checkpoint's spec returning one). */
  readonly plugin?: unknown;
}

/** What a finished solve leaves on `window.trm` for scripts and tests. */
interface SolveResult {
  /** Backend in use, e.g. "webgpu" or "wasm (2 threads, SIMD)". */
  readonly backend: string;
  /** wasm: the threads XNNPACK runs on, read back from the backend after it started. */
  readonly threads: number | null;
  readonly answer: string;
  readonly tokens: number[];
  readonly stepsUsed: number;
  /** Tokens after each supervision step. */
  readonly frames: number[][];
  /** Halting probability after each supervision step. */
  readonly haltProbabilities: number[];
  /** The task's validate on the answer; null when the task has none. */
  readonly valid: boolean | null;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

function setStatus(text: string, state: string): void {
  $("status").textContent = text;
  $("status").dataset.state = state;
}

/** Whether the browser offers a hardware WebGPU adapter (not SwiftShader or another software one). */
async function hasHardwareGpu(): Promise<boolean> {
  type Adapter = { info?: Record<string, unknown>; isFallbackAdapter?: boolean };
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return false;
  return isHardwareAdapter(adapter.info ?? {}, adapter.isFallbackAdapter === true);
}

/** The backend asked for, else WebGPU on a hardware adapter, else wasm, else plain JS; with its label. */
async function startBackend(): Promise<{ label: string; threads: number | null }> {
  setWasmPaths("/vendor/wasm/");
  // tfjs picks its own default (fewer threads than cores on small machines); `?threads=N` asks for N.
  const wanted = Number(params.get("threads"));
  if (Number.isInteger(wanted) && wanted >= 1) setThreadsCount(wanted);
  const asked = params.get("backend");
  const order: BackendName[] = asked
    ? [asked as BackendName]
    : await hasHardwareGpu()
    ? ["webgpu", "wasm", "cpu"]
    : ["wasm", "cpu"];
  for (const name of order) {
    try {
      const used = await initBackend(name);
      if (used !== "wasm") return { label: used, threads: null };
      // The count XNNPACK really runs on (1 without cross-origin isolation, which `serve` sets up).
      const threads = getThreadsCount();
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      const shared = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
      const label = `wasm (${threads} thread${threads === 1 ? "" : "s"}${simd ? ", SIMD" : ""}${
        shared ? "" : ", no SharedArrayBuffer"
      })`;
      return { label, threads };
    } catch (e) {
      // deno-lint-ignore no-console
      console.warn(`backend ${name} failed:`, e);
    }
  }
  throw new Error(`no backend could start (tried ${order.join(", ")})`);
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
  return r;
}

async function loadModel(base: string): Promise<LoadedCheckpoint> {
  const meta = await (await fetchOk(`${base}meta.json`)).json();
  const bytes = new Uint8Array(await (await fetchOk(`${base}tensors.safetensors`)).arrayBuffer());
  return decodeCheckpoint(meta, bytes, base.replace(/\/$/, ""));
}

/** The task plugin of the page: the bundled module's, else the built-in one the checkpoint names. */
function pageTask(ckpt: LoadedCheckpoint, given: PageTask): Task<unknown> {
  const spec = ckpt.meta.taskSpec;
  const specifier = given.specifier ?? ckpt.meta.recipe?.task ?? spec.name;
  let task: Task<unknown> | undefined;
  if (given.plugin !== undefined) {
    const p = given.plugin as Task<unknown> | ((s: typeof spec) => Task<unknown>);
    task = typeof p === "function" ? p(spec) : p;
  } else if (Object.hasOwn(BUILTIN_TASKS, specifier)) {
    task = BUILTIN_TASKS[specifier]!(spec);
  } else {
    throw new Error(`the checkpoint's task "${specifier}" is not built in: start serve with --task <module>`);
  }
  if (typeof task?.encode !== "function" || task.spec?.seqLen !== spec.seqLen) {
    throw new Error(`task ${specifier}: expected a Task with the checkpoint's length ${spec.seqLen}`);
  }
  if (!task.parse) throw new Error(`the ${spec.name} task has no parse hook: the page cannot read puzzles`);
  return task;
}

/** A fresh puzzle from the task's generate hook as text (its input only), or null without the hooks. */
function generatedPuzzle(task: Task<unknown>, seed: number): string | null {
  if (!task.generate || !task.format) return null;
  const [p] = task.generate(1, seed);
  return p === undefined ? null : task.format(task.decode(task.encode(p).input));
}

let animation: ReturnType<typeof setInterval> | undefined;

/** Cycles through the frames in `#anim`, one every 700 ms, holding the last one a little longer. */
function animate(
  task: Task<unknown>,
  input: Int32Array,
  frames: readonly TraceFrame[],
  label: ArrayLike<number> | undefined,
): void {
  clearInterval(animation);
  const marks = traceMarks(input, frames, label);
  let k = 0;
  const show = () => {
    const i = Math.min(k, frames.length - 1), f = frames[i]!;
    $("anim").innerHTML = sideBySide([{
      panel: markedPanel(task, f.tokens, input, marks[i]!),
      caption: frameCaption(f, frames.length),
    }]);
    k = (k + 1) % (frames.length + 2);
  };
  show();
  animation = setInterval(show, 700);
}

async function solve(
  ckpt: LoadedCheckpoint,
  task: Task<unknown>,
  backend: { label: string; threads: number | null },
): Promise<void> {
  setStatus("Solving...", "solving");
  // The task's parse refuses malformed and inconsistent puzzles (shown as the error line).
  const example = task.encode(task.parse!($<HTMLTextAreaElement>("puzzle").value));
  const input = example.input, label = knownLabel(input, example.label);
  const validity = (tokens: Int32Array): boolean | undefined =>
    task.validate ? task.validate(task.decode(input), task.decode(tokens)) : undefined;
  const t0 = performance.now();
  const [p] = await predict(ckpt.model, ckpt.puzzles, [{ input, puzzleId: example.puzzleId }], {
    batchSize: 1,
    trace: true,
    ...($<HTMLInputElement>("full").checked ? { haltThreshold: null } : {}),
  });
  const ms = performance.now() - t0;
  const frames: TraceFrame[] = p!.trace!.map((tokens, k) => {
    const prob = p!.haltProbabilities[k]!, valid = validity(tokens);
    const q = k === p!.steps - 1 ? p!.margin : Math.log(prob / (1 - prob));
    return { step: k + 1, tokens, q, ...(valid !== undefined ? { valid } : {}) };
  });
  const answer = tokensToText(task, p!.answer);
  const valid = validity(p!.answer);
  $("answer").textContent = answer;
  $("valid").dataset.valid = valid === undefined ? "unknown" : String(valid);
  $("valid").textContent = valid === undefined
    ? `The ${task.spec.name} task has no validate hook: validity unknown.`
    : valid
    ? "Valid: a legal solution that keeps the givens (the task's validate)."
    : "Invalid: the answer breaks a rule or a given (the task's validate).";
  $("steps").textContent = `${p!.steps} of ${ckpt.config.supervision.maxSteps} supervision steps, halting ` +
    `probability ${p!.haltProbabilities[p!.steps - 1]!.toFixed(3)}, ${ms.toFixed(0)} ms on ${backend.label}`;
  $("trace").innerHTML = traceSvg(task, input, frames, label ? { label } : {});
  animate(task, input, frames, label);
  const result: SolveResult = {
    backend: backend.label,
    threads: backend.threads,
    answer,
    tokens: Array.from(p!.answer),
    stepsUsed: p!.steps,
    frames: frames.map((f) => Array.from(f.tokens)),
    haltProbabilities: Array.from(p!.haltProbabilities),
    valid: valid ?? null,
  };
  (globalThis as unknown as { trm: SolveResult }).trm = result;
  setStatus("Solved.", "solved");
}

/** Offers the served example files (`serve --examples DIR`); picking one puts its text in the box. */
async function listExamples(): Promise<string | null> {
  const names: string[] = await (await fetchOk("/examples/index.json")).json();
  if (names.length === 0) return null;
  const select = $<HTMLSelectElement>("examples");
  select.innerHTML = names.map((n) => `<option>${n.replace(/[<&]/g, "")}</option>`).join("");
  const load = async () => {
    $<HTMLTextAreaElement>("puzzle").value = await (await fetchOk(`/examples/${select.value}`)).text();
  };
  select.onchange = () => void load().catch((e) => setStatus(`Error: ${(e as Error).message}`, "error"));
  $("examples-input").hidden = false;
  await load();
  return names[0]!;
}

/** Starts the page: backend, checkpoint, task, then waits for Solve. */
export async function startPage(given: PageTask = {}): Promise<void> {
  try {
    const backend = await startBackend();
    const ckpt = await loadModel(params.get("checkpoint") ?? "/checkpoint/");
    const task = pageTask(ckpt, given);
    $("info").textContent =
      `${task.spec.name} model (${ckpt.meta.recipe?.preset ?? "custom"}), ${ckpt.meta.step} training ` +
      `steps, backend ${backend.label}`;
    $("info").dataset.backend = backend.label;
    const example = await listExamples();
    let seed = 1;
    const generated = generatedPuzzle(task, seed);
    if (generated !== null) {
      if (example === null) $<HTMLTextAreaElement>("puzzle").value = generated;
      $("new").hidden = false;
      $("new").onclick = () => void ($<HTMLTextAreaElement>("puzzle").value = generatedPuzzle(task, ++seed)!);
    }
    const button = $<HTMLButtonElement>("solve");
    button.onclick = () => {
      button.disabled = true;
      solve(ckpt, task, backend).catch((e) => setStatus(`Error: ${(e as Error).message}`, "error"))
        .finally(() => (button.disabled = false));
    };
    button.disabled = false;
    setStatus("Ready: type or pick a puzzle and press Solve.", "ready");
  } catch (e) {
    setStatus(`Error: ${(e as Error).message}`, "error");
  }
}
