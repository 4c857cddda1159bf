/**
 * The browser demo (bundled and served by `deno task serve`): loads a checkpoint over HTTP, runs the TRM
 * with WebGPU when the browser offers an adapter (else wasm, else plain JS), and animates the answer after
 * each supervision step with its halting probability. Sudoku and maze puzzles are typed; ARC tasks are
 * picked from the served folder.
 *
 * URL parameters: `backend` (webgpu | wasm | cpu; default: WebGPU if available), `checkpoint` (base URL of
 * a checkpoint directory, default `/checkpoint/`).
 *
 * @module
 */
/// <reference lib="dom" />
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRng, evaluate, type Example, initBackend } from "../core/mod.ts";
import { decodeCheckpoint, type LoadedCheckpoint } from "../io/mod.ts";
import type { BackendName } from "../core/backend.ts";
import { generateSudoku } from "../tasks/sudoku/generator.ts";
import { generateMaze } from "../tasks/maze/generator.ts";
import { encodeArcGrid } from "../tasks/arc/tokenizer.ts";
import {
  haltProbability,
  puzzleFromText,
  sideBySide,
  sudokuBoxRows,
  taskPanel,
  tokensToText,
  type TraceFrame,
  traceSvg,
} from "../viz/mod.ts";
import { taskOrSpec } from "../tasks/builtin.ts";

/** What a finished solve leaves on `window.trm` for scripts and tests. */
interface SolveResult {
  /** Backend in use, e.g. "webgpu" or "wasm (2 threads)". */
  readonly backend: string;
  readonly answer: string;
  readonly tokens: number[];
  readonly stepsUsed: number;
  /** Tokens after each supervision step. */
  readonly frames: number[][];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

function setStatus(text: string, state: string): void {
  $("status").textContent = text;
  $("status").dataset.state = state;
}

/** WebGPU when the browser has an adapter, else wasm, else the plain-JS backend; what was asked first. */
async function startBackend(): Promise<string> {
  setWasmPaths("/vendor/wasm/");
  const asked = params.get("backend");
  const hasGpu = !!(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
    ?.requestAdapter().catch(() => null));
  const order: BackendName[] = asked
    ? [asked as BackendName]
    : hasGpu
    ? ["webgpu", "wasm", "cpu"]
    : ["wasm", "cpu"];
  for (const name of order) {
    try {
      const used = await initBackend(name);
      // Threads need cross-origin isolation, which `deno task serve` sets up.
      return used === "wasm" ? `wasm (${getThreadsCount()} threads)` : used;
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

/** A fresh example puzzle of the checkpoint's shape, as text. */
function examplePuzzle(ckpt: LoadedCheckpoint, seed: number): string {
  const spec = ckpt.meta.taskSpec, side = Math.round(Math.sqrt(spec.seqLen)), rng = createRng(seed);
  if (spec.name === "maze") {
    return tokensToText(taskOrSpec(spec), Int32Array.from(generateMaze(rng, { size: side }).cells));
  }
  const boxRows = sudokuBoxRows(side);
  const p = generateSudoku(rng, { boxRows, boxCols: side / boxRows });
  return Array.from(p.puzzle, (v) => (v === 0 ? "." : v.toString(36))).join("").replace(
    new RegExp(`(.{${side}})(?!$)`, "g"),
    "$1\n",
  );
}

/** The puzzle the user chose, as tokens. */
async function chosenInput(ckpt: LoadedCheckpoint): Promise<Int32Array> {
  const spec = ckpt.meta.taskSpec;
  if (spec.name !== "arc") return puzzleFromText(taskOrSpec(spec), $<HTMLTextAreaElement>("puzzle").value);
  const id = $<HTMLSelectElement>("arc-task").value;
  const task = await (await fetchOk(`/arc/${id}.json`)).json();
  const input = task?.test?.[0]?.input;
  if (!Array.isArray(input)) throw new Error(`/arc/${id}.json: expected test[0].input to be a grid`);
  const height = input.length, width = input[0]?.length ?? 0;
  return encodeArcGrid({ height, width, data: Uint8Array.from(input.flat()) });
}

let animation: ReturnType<typeof setInterval> | undefined;

/** Cycles through the frames in `#anim`, one every 700 ms, holding the last one a little longer. */
function animate(ckpt: LoadedCheckpoint, input: Int32Array, frames: readonly TraceFrame[]): void {
  clearInterval(animation);
  let k = 0;
  const show = () => {
    const f = frames[Math.min(k, frames.length - 1)]!;
    $("anim").innerHTML = sideBySide([{
      panel: taskPanel(taskOrSpec(ckpt.meta.taskSpec), f.tokens, input),
      caption: `step ${f.step} of ${frames.length}, halt p=${haltProbability(f.q).toFixed(2)}`,
    }]);
    k = (k + 1) % (frames.length + 2);
  };
  show();
  animation = setInterval(show, 700);
}

async function solve(ckpt: LoadedCheckpoint, backend: string): Promise<void> {
  setStatus("Solving...", "solving");
  const spec = ckpt.meta.taskSpec;
  const input = await chosenInput(ckpt);
  const example: Example = { input, label: input.slice(), puzzleId: 0 };
  const frames: TraceFrame[] = [];
  const t0 = performance.now();
  const r = await evaluate(ckpt.model, { spec, size: 1, example: () => example }, ckpt.puzzles, {
    batchSize: 1,
    earlyHalt: !$<HTMLInputElement>("full").checked,
    onStep: (step, p, q) => void frames.push({ step, tokens: p[0]!.slice(), q: q[0]! }),
  });
  const answer = tokensToText(taskOrSpec(spec), r.predictions[0]!);
  $("answer").textContent = answer;
  $("steps").textContent =
    `${r.stepsUsed[0]} of ${ckpt.config.supervision.maxSteps} supervision steps, halting ` +
    `confidence ${haltProbability(r.qHalt[0]!).toFixed(3)}, ${
      (performance.now() - t0).toFixed(0)
    } ms on ${backend}`;
  $("trace").innerHTML = traceSvg(taskOrSpec(spec), input, frames);
  animate(ckpt, input, frames);
  const result: SolveResult = {
    backend,
    answer,
    tokens: Array.from(r.predictions[0]!),
    stepsUsed: r.stepsUsed[0]!,
    frames: frames.map((f) => Array.from(f.tokens)),
  };
  (globalThis as unknown as { trm: SolveResult }).trm = result;
  setStatus("Solved.", "solved");
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const ckpt = await loadModel(params.get("checkpoint") ?? "/checkpoint/");
  const spec = ckpt.meta.taskSpec;
  $("info").textContent =
    `${spec.name} model (${ckpt.meta.recipe?.preset ?? "custom"}), ${ckpt.meta.step} training ` +
    `steps, backend ${backend}`;
  if (spec.name === "arc") {
    const ids: string[] = await (await fetchOk("/arc/index.json")).json();
    $("arc-task").innerHTML = ids.map((id) => `<option>${id}</option>`).join("");
    $("arc-input").hidden = false;
  } else {
    let seed = 1;
    $<HTMLTextAreaElement>("puzzle").value = examplePuzzle(ckpt, seed);
    $("new").onclick = () => void ($<HTMLTextAreaElement>("puzzle").value = examplePuzzle(ckpt, ++seed));
    $("text-input").hidden = false;
  }
  const button = $<HTMLButtonElement>("solve");
  button.onclick = () => {
    button.disabled = true;
    solve(ckpt, backend).catch((e) => setStatus(`Error: ${(e as Error).message}`, "error"))
      .finally(() => (button.disabled = false));
  };
  button.disabled = false;
  setStatus("Ready: type or pick a puzzle and press Solve.", "ready");
}

main().catch((e) => setStatus(`Error: ${(e as Error).message}`, "error"));
