/**
 * The browser demo end to end in headless Chromium (Debian's `chromium`): `web/serve.ts` serves a small
 * checkpoint made here; Playwright loads the page, types a Sudoku (and picks an ARC task), solves it, and
 * the rendered answer and trace must equal what the same checkpoint gives in Deno. Screenshots are kept
 * under `out/test-artifacts/`. Ignored when Chromium is absent, unless `TRM_REQUIRE_BROWSER=1` (CI sets
 * it, after installing the package).
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { chromium, type Page } from "playwright-core";
import {
  createRng,
  createTrm,
  evaluate,
  type Example,
  initBackend,
  type TaskSpec,
  TrainSession,
} from "../core/mod.ts";
import { loadCheckpoint } from "../io/mod.ts";
import { mlpMixer } from "../plugins/mlp_mixer/mod.ts";
import { attention } from "../plugins/attention/mod.ts";
import { generateSudoku } from "../tasks/sudoku/generator.ts";
import { encodeArcGrid } from "../tasks/arc/tokenizer.ts";
import { saveCheckpoint } from "../io/checkpoint.ts";
import { tokensToText } from "../viz/mod.ts";
import { tinyConfig } from "./_helpers.ts";
import { taskOrSpec } from "../tasks/builtin.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium && Deno.env.get("TRM_REQUIRE_BROWSER") === "1") {
  throw new Error(`${CHROMIUM} is missing but TRM_REQUIRE_BROWSER=1: apt-get install chromium`);
}
const ARTIFACTS = new URL("../out/test-artifacts/", import.meta.url).pathname;
/** Three ARC-AGI-1 tasks shipped with the repository, so the test runs in a fresh clone. */
const ARC_FIXTURES = new URL("../tasks/arc/testdata/arc-agi-1/data/evaluation/", import.meta.url).pathname;

/** A checkpoint of a tiny model for `spec`, after two training steps on `examples`. */
async function makeCheckpoint(spec: TaskSpec, dir: string, examples: Example[], heads = 0): Promise<string> {
  const config = tinyConfig(heads ? attention({ heads }) : mlpMixer(), 2);
  using model = createTrm(spec, config);
  using session = new TrainSession(model, { totalSteps: 2 });
  for (let i = 0; i < 2; i++) await session.step(examples.slice(0, 2));
  return await saveCheckpoint(dir, { taskSpec: spec, config, session, seed: 0 });
}

/** What the checkpoint gives in Deno with early halting, as the page runs it: answer text and every step. */
async function solveInDeno(
  dir: string,
  input: Int32Array,
): Promise<{ text: string; steps: number; frames: number[][] }> {
  const ckpt = await loadCheckpoint(dir);
  using _ = ckpt.model;
  const ex = { input, label: input.slice(), puzzleId: 0 };
  const spec = ckpt.meta.taskSpec, frames: number[][] = [];
  const r = await evaluate(ckpt.model, { spec, size: 1, example: () => ex }, ckpt.puzzles, {
    batchSize: 1,
    earlyHalt: true,
    onStep: (_s, p) => void frames.push(Array.from(p[0]!)),
  });
  return { text: tokensToText(taskOrSpec(spec), r.predictions[0]!), steps: r.stepsUsed[0]!, frames };
}

/** Starts `web/serve.ts` on a free port; resolves to its URL and a stop function. */
async function serve(checkpoint: string, arc: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../web/serve.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--checkpoint",
      checkpoint,
      "--arc",
      arc,
    ],
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

Deno.test({
  name:
    "browser demo: solves a typed Sudoku and an ARC task in headless Chromium (wasm fallback, and WebGPU on SwiftShader) as Deno does",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await initBackend("wasm");
    const tmp = await Deno.makeTempDir();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    // A 4x4 Sudoku model and a puzzle it has not seen.
    const sudoku: TaskSpec = { name: "sudoku", vocabSize: 6, seqLen: 16, numPuzzleIds: 1 };
    const rng = createRng(3);
    const puzzles = Array.from({ length: 3 }, () => generateSudoku(rng, { boxRows: 2, boxCols: 2 }));
    const toEx = (p: (typeof puzzles)[number]): Example => ({
      input: Int32Array.from(p.puzzle, (v) => v + 1),
      label: Int32Array.from(p.solution!, (v) => v + 1),
      puzzleId: 0,
    });
    const sudokuDir = await makeCheckpoint(sudoku, `${tmp}/sudoku`, puzzles.map(toEx));
    const typed = Array.from(puzzles[2]!.puzzle, (v) => (v ? String(v) : ".")).join("");
    const wantSudoku = await solveInDeno(sudokuDir, toEx(puzzles[2]!).input);
    // A 30x30 ARC model and three real tasks (the fixtures).
    const arcDir = `${tmp}/arc-tasks`;
    await Deno.mkdir(arcDir);
    const ids = ["00576224", "009d5c81", "00dbd492"];
    for (const id of ids) {
      await Deno.copyFile(`${ARC_FIXTURES}${id}.json`, `${arcDir}/${id}.json`);
    }
    const task = JSON.parse(await Deno.readTextFile(`${arcDir}/${ids[1]}.json`));
    const grid = task.test[0].input as number[][];
    const arcInput = encodeArcGrid({
      height: grid.length,
      width: grid[0]!.length,
      data: Uint8Array.from(grid.flat()),
    });
    const arc: TaskSpec = { name: "arc", vocabSize: 12, seqLen: 900, numPuzzleIds: 2 };
    const arcCkpt = await makeCheckpoint(
      arc,
      `${tmp}/arc`,
      [0, 1].map(() => ({ input: arcInput, label: arcInput, puzzleId: 1 })),
      2,
    );
    const wantArc = await solveInDeno(arcCkpt, arcInput);

    const base = [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ];
    // Chromium's WebGPU on SwiftShader (CPU Vulkan): the page's GPU path without a GPU.
    const swiftshader = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"];
    const runs = [
      { kind: "sudoku", dir: sudokuDir, want: wantSudoku, backend: "wasm", flags: ["--disable-gpu"] },
      { kind: "arc", dir: arcCkpt, want: wantArc, backend: "wasm", flags: ["--disable-gpu"] },
      { kind: "sudoku", dir: sudokuDir, want: wantSudoku, backend: "webgpu", flags: swiftshader },
    ] as const;
    for (const { kind, dir, want, backend, flags } of runs) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...base, ...flags] });
      const server = await serve(dir, arcDir);
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        // No parameter on the wasm runs: the page itself must fall back from WebGPU to wasm.
        await page.goto(backend === "webgpu" ? `${server.url}?backend=webgpu` : server.url);
        await expectState(page, "ready", 120_000);
        if (kind === "arc") {
          assertEquals(await page.$$eval("#arc-task option", (o) => o.map((e) => e.textContent)), ids);
          await page.selectOption("#arc-task", ids[1]!);
        } else {
          // Bad input first: a clear message, not a crash.
          await page.fill("#puzzle", "12x4");
          await page.click("#solve");
          await page.waitForSelector('#status[data-state="error"]');
          assertStringIncludes(await page.textContent("#status") ?? "", "expected 16 cells");
          await page.fill("#puzzle", typed);
        }
        await page.click("#solve");
        await expectState(page, "solved", 180_000);
        const got = await page.evaluate(() =>
          (globalThis as unknown as { trm: { backend: string; stepsUsed: number; frames: number[][] } }).trm
        );
        assertStringIncludes(got.backend, backend);
        if (backend === "wasm") {
          // The same wasm kernels as in Deno: every step's answer and the rendered grid agree exactly.
          assertEquals(got.frames, want.frames);
          assertEquals(await page.textContent("#answer"), want.text);
        } else {
          // Another GPU's float rounding: an untrained model's near-ties may flip after many steps, so only
          // the first step is compared (the library's own WebGPU parity tests bound the numbers).
          const same = got.frames[0]!.filter((t, i) => t === want.frames[0]![i]).length;
          assert(same >= 15, `step 1 agrees with Deno on ${same}/16 cells`);
          assertEquals(
            await page.textContent("#answer"),
            tokensToText(taskOrSpec(sudoku), got.frames.at(-1)!),
          );
        }
        // The trace: the puzzle and one panel per supervision step, each captioned with its halting probability.
        const steps = got.frames.length;
        assertEquals(got.stepsUsed, steps);
        assertEquals(await page.locator("#trace svg > g").count(), steps + 1);
        assertStringIncludes(await page.innerHTML("#trace"), `step ${steps}, p=`);
        assert((await page.innerHTML("#anim")).includes("<svg"), "the animation shows a frame");
        const shot = `${ARTIFACTS}web-${kind}-${backend}.png`;
        await page.screenshot({ path: shot, fullPage: true });
        assert((await Deno.stat(shot)).size > 10_000, "a non-empty screenshot");
        assertEquals(errors, []);
      } finally {
        await server.stop();
        await browser.close();
      }
    }
    await Deno.remove(tmp, { recursive: true });
  },
});
