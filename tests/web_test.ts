/**
 * The browser demo end to end in headless Chromium (Debian's `chromium`): `web/serve.ts` serves a small
 * checkpoint made here; Playwright loads the page, types a puzzle (or picks an ARC task file from
 * `--examples`), solves it, and the answer, its validity, the trace and its marks must equal what the same
 * checkpoint gives in Deno through the same `predict` path. Covered: a built-in task (Sudoku: bad and
 * inconsistent input refused), ARC from an example file, a task plugin that is not built in
 * (`serve --task tests/testdata/sort_task.ts`), the backend choice (no adapter and SwiftShader's software
 * adapter both give wasm without a parameter; `?backend=webgpu` forces SwiftShader's WebGPU) and the wasm
 * thread count the backend really runs on. Screenshots are kept under `out/test-artifacts/`. Ignored when
 * Chromium is absent, unless `TRM_REQUIRE_BROWSER=1` (CI sets it, after installing the package).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { chromium, type Page } from "playwright-core";
import {
  createRng,
  createTrm,
  type Example,
  initBackend,
  predict,
  type Task,
  type TaskSpec,
  TrainSession,
} from "../core/mod.ts";
import { loadCheckpoint } from "../io/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { generateSudoku } from "../tasks/sudoku/generator.ts";
import { saveCheckpoint } from "../io/checkpoint.ts";
import { knownLabel, tokensToText, traceMarks } from "../viz/mod.ts";
import { tinyConfig } from "./_helpers.ts";
import { builtinTask } from "../tasks/builtin.ts";
import { sortTask } from "./testdata/sort_task.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium && Deno.env.get("TRM_REQUIRE_BROWSER") === "1") {
  throw new Error(`${CHROMIUM} is missing but TRM_REQUIRE_BROWSER=1: apt-get install chromium`);
}
const ARTIFACTS = new URL("../out/test-artifacts/", import.meta.url).pathname;
/** Three ARC-AGI-1 tasks shipped with the repository, so the test runs in a fresh clone. */
const ARC_FIXTURES = new URL("../tasks/arc/testdata/arc-agi-1/data/evaluation/", import.meta.url).pathname;
const SORT = new URL("./testdata/sort_task.ts", import.meta.url).pathname;

/** A checkpoint of a tiny model for `spec`, after two training steps on `examples` (no recipe). */
async function makeCheckpoint(spec: TaskSpec, dir: string, examples: Example[], heads = 0): Promise<string> {
  const config = tinyConfig(heads ? attention({ heads }) : mlpMixer(), 2);
  using model = createTrm(spec, config);
  using session = new TrainSession(model, { totalSteps: 2 });
  for (let i = 0; i < 2; i++) await session.step(examples.slice(0, 2));
  return await saveCheckpoint(dir, { taskSpec: spec, config, session, seed: 0 });
}

/** What the checkpoint gives in Deno for the typed `text`, as the page runs it (predict, early halting). */
interface DenoAnswer {
  readonly text: string;
  readonly frames: number[][];
  readonly valid: boolean | null;
  readonly input: Int32Array;
  readonly label: ArrayLike<number> | undefined;
}
async function solveInDeno(dir: string, task: Task<unknown>, text: string): Promise<DenoAnswer> {
  using ckpt = await loadCheckpoint(dir);
  const ex = task.encode(task.parse!(text));
  const [p] = await predict(ckpt.model, ckpt.puzzles, [ex], { batchSize: 1, trace: true });
  const valid = task.validate ? task.validate(task.decode(ex.input), task.decode(p!.answer)) : null;
  return {
    text: tokensToText(task, p!.answer),
    frames: p!.trace!.map((t) => Array.from(t)),
    valid,
    input: ex.input,
    label: knownLabel(ex.input, ex.label),
  };
}

/** Starts `web/serve.ts` on a free port; resolves to its URL and a stop function. */
async function serve(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../web/serve.ts", import.meta.url).pathname, "--port", "0", ...args],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/http:\/\/\S+\//.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`web/serve.ts exited before listening: ${seen}`);
    seen += value;
  }
  const stop = async () => {
    child.kill();
    await reader.cancel();
    await child.status;
  };
  return { url: seen.match(/http:\/\/\S+\//)![0], stop };
}

/** Waits until the page's status is `state` or "error", and fails with the status text unless it is `state`. */
async function expectState(page: Page, state: string, timeout: number): Promise<void> {
  await page.waitForSelector(`#status[data-state="${state}"], #status[data-state="error"]`, { timeout });
  assertEquals(
    await page.getAttribute("#status", "data-state"),
    state,
    await page.textContent("#status") ?? "",
  );
}

/** Types `text` (unless null: an example was picked), presses Solve and expects an error naming `says`. */
async function expectRefused(page: Page, text: string, says: string): Promise<void> {
  await page.fill("#puzzle", text);
  await page.click("#solve");
  await page.waitForSelector('#status[data-state="error"]');
  assertStringIncludes(await page.textContent("#status") ?? "", says);
}

type PageResult = {
  backend: string;
  threads: number | null;
  stepsUsed: number;
  frames: number[][];
  valid: boolean | null;
};

const BASE = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// Chromium's WebGPU on SwiftShader (CPU Vulkan): a software adapter, so the page's GPU path without a GPU.
const SWIFTSHADER = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"];

interface Case {
  readonly kind: string;
  readonly serveArgs: string[];
  readonly task: Task<unknown>;
  /** The puzzle typed (or, with `example`, the file picked from --examples). */
  readonly text: string;
  readonly example?: string;
  readonly refusals?: [string, string][];
}

/** Loads the page with `query`, solves the case's puzzle, checks everything against Deno's answer. */
async function solveOnPage(
  page: Page,
  url: string,
  c: Case,
  want: DenoAnswer,
  webgpu: boolean,
): Promise<void> {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(webgpu ? `${url}?backend=webgpu` : url);
  await expectState(page, "ready", 120_000);
  for (const [text, says] of c.refusals ?? []) await expectRefused(page, text, says);
  if (c.example) {
    await page.selectOption("#examples", c.example);
    // Picking a file puts its text in the box (fetched): wait for it.
    for (let k = 0; (await page.inputValue("#puzzle")) !== c.text; k++) {
      assert(k < 100, "the picked example's text never reached the puzzle box");
      await new Promise((r) => setTimeout(r, 100));
    }
  } else {
    await page.fill("#puzzle", c.text);
  }
  await page.click("#solve");
  await expectState(page, "solved", 180_000);
  const got = await page.evaluate(() => (globalThis as unknown as { trm: PageResult }).trm);
  if (!webgpu) {
    assertMatch(got.backend, /^wasm \(\d+ threads?/);
    // The label shows the count the backend reported, not the machine's cores.
    assertStringIncludes(got.backend, `wasm (${got.threads} thread`);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert(got.threads! >= 1 && got.threads! <= cores, `${got.threads} threads on ${cores} cores`);
    // The same wasm kernels as in Deno: every step's answer and the rendered text agree exactly.
    assertEquals(got.frames, want.frames);
    assertEquals(await page.textContent("#answer"), want.text);
    assertEquals(got.valid, want.valid);
  } else {
    assertEquals(got.backend, "webgpu");
    // Another GPU's float rounding: an untrained model's near-ties may flip after many steps, so only
    // the first step is compared (the library's own WebGPU parity tests bound the numbers).
    const same = got.frames[0]!.filter((t, i) => t === want.frames[0]![i]).length;
    assert(same >= want.frames[0]!.length - 1, `step 1 agrees with Deno on ${same} cells`);
    assertEquals(await page.textContent("#answer"), tokensToText(c.task, got.frames.at(-1)!));
  }
  // Validity as the task judges the page's own answer.
  const last = Int32Array.from(got.frames.at(-1)!);
  const valid = c.task.validate ? c.task.validate(c.task.decode(want.input), c.task.decode(last)) : null;
  assertEquals(got.valid, valid);
  assertEquals(await page.getAttribute("#valid", "data-valid"), valid === null ? "unknown" : String(valid));
  // The trace: the puzzle, one panel per supervision step (captioned with p and validity), the legend;
  // its marks are those the frames imply.
  const steps = got.frames.length;
  assertEquals(got.stepsUsed, steps);
  assertEquals(await page.locator("#trace > svg > g").count(), steps + 2);
  assertStringIncludes(await page.innerHTML("#trace"), `step ${steps}, p=`);
  const marks = traceMarks(want.input, got.frames.map((tokens) => ({ tokens })), want.label);
  const sum = (key: "changed" | "wrong") =>
    marks.reduce((a, m) => a + (m[key]?.reduce((x, y) => x + y, 0) ?? 0), 0);
  assertEquals(await page.locator("#trace .changed").count(), sum("changed"));
  assertEquals(await page.locator("#trace .wrong").count(), sum("wrong"));
  assert((await page.innerHTML("#anim")).includes("<svg"), "the animation shows a frame");
  const shot = `${ARTIFACTS}web-${c.kind}-${webgpu ? "webgpu" : "wasm"}.png`;
  await page.screenshot({ path: shot, fullPage: true });
  assert((await Deno.stat(shot)).size > 10_000, "a non-empty screenshot");
  assertEquals(errors, []);
}

Deno.test({
  name:
    "browser demo: Sudoku, ARC and a task plugin solved in headless Chromium as in Deno (wasm without a hardware adapter, WebGPU when asked)",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await initBackend("wasm");
    const tmp = await Deno.makeTempDir();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    // A 4x4 Sudoku model and a puzzle it has not seen (no recipe: the built-in task of the spec's name).
    const sudoku: TaskSpec = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
    const sudokuTask = builtinTask(sudoku)!;
    const rng = createRng(3);
    const puzzles = Array.from({ length: 3 }, () => generateSudoku(rng, { boxRows: 2, boxCols: 2 }));
    const sudokuDir = await makeCheckpoint(sudoku, `${tmp}/sudoku`, puzzles.map((p) => sudokuTask.encode(p)));
    const typed = Array.from(puzzles[2]!.puzzle, (v) => (v ? String(v) : ".")).join("");
    // A 30x30 ARC model and three real task files offered as examples.
    const arcDir = `${tmp}/arc-tasks`;
    await Deno.mkdir(arcDir);
    const ids = ["00576224", "009d5c81", "00dbd492"];
    for (const id of ids) await Deno.copyFile(`${ARC_FIXTURES}${id}.json`, `${arcDir}/${id}.json`);
    const arcText = await Deno.readTextFile(`${arcDir}/${ids[1]}.json`);
    const arc: TaskSpec = { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 2 };
    const arcTask = builtinTask(arc)!;
    const arcInput = arcTask.encode(arcTask.parse!(arcText)).input;
    const arcCkpt = await makeCheckpoint(
      arc,
      `${tmp}/arc`,
      [0, 1].map(() => ({ input: arcInput, label: arcInput, puzzleId: 1 })),
      2,
    );
    // A task plugin from a file: its checkpoint says only "sort", so the page needs serve --task.
    const sortDir = await makeCheckpoint(
      sortTask.spec,
      `${tmp}/sort`,
      sortTask.generate!(4, 1).map((p) => sortTask.encode(p)),
    );

    const cases: { c: Case; dir: string; runs: { flags: string[]; webgpu: boolean }[] }[] = [
      {
        c: {
          kind: "sudoku",
          serveArgs: ["--checkpoint", sudokuDir],
          task: sudokuTask,
          text: typed,
          refusals: [["12x4", "expected 16 cells"], [
            "1.1.............",
            "inconsistent givens: row 1 holds 1 twice",
          ]],
        },
        dir: sudokuDir,
        runs: [{ flags: ["--disable-gpu"], webgpu: false }, { flags: SWIFTSHADER, webgpu: true }],
      },
      {
        c: {
          kind: "arc",
          serveArgs: ["--checkpoint", arcCkpt, "--examples", arcDir],
          task: arcTask,
          text: arcText,
          example: `${ids[1]}.json`,
        },
        dir: arcCkpt,
        runs: [{ flags: ["--disable-gpu"], webgpu: false }],
      },
      {
        c: {
          kind: "sort-plugin",
          serveArgs: ["--checkpoint", sortDir, "--task", SORT],
          task: sortTask as Task<unknown>,
          text: "930417",
          refusals: [["93041x", "expected 6 digits"]],
        },
        dir: sortDir,
        // SwiftShader's adapter is software: without a parameter the page must choose wasm.
        runs: [{ flags: SWIFTSHADER, webgpu: false }],
      },
    ];
    for (const { c, dir, runs } of cases) {
      const want = await solveInDeno(dir, c.task, c.text);
      const server = await serve(c.serveArgs);
      try {
        for (const { flags, webgpu } of runs) {
          const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE, ...flags] });
          try {
            await solveOnPage(await browser.newPage(), server.url, c, want, webgpu);
          } finally {
            await browser.close();
          }
        }
      } finally {
        await server.stop();
      }
    }
    // A checkpoint whose task is not built in, served without --task: one line, exit 2, before bundling.
    const refused = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../web/serve.ts", import.meta.url).pathname,
        "--port",
        "0",
        "--checkpoint",
        sortDir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const line = new TextDecoder().decode(refused.stderr).trim();
    assertEquals(refused.code, 2, line);
    assertEquals(line.split("\n").length, 1, line);
    assertStringIncludes(line, `${sortDir}/meta.json: task sort: cannot load it`);
    await Deno.remove(tmp, { recursive: true });
  },
});
