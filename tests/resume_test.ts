/**
 * Reliability: a run killed hard (SIGKILL) leaves only complete checkpoints, and resuming from the last
 * one reproduces the uninterrupted run's losses bit for bit on the cpu backend. A NaN loss stops the run
 * with a one-line message naming the step and keeps the last good checkpoint.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const TINY = [
  "--hidden",
  "16",
  "--batch-size",
  "4",
  "--train-size",
  "40",
  "--test-size",
  "8",
  "--backend",
  "cpu",
  "--quiet",
];

function command(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  });
}

async function stepLosses(metrics: string): Promise<Map<number, number>> {
  const lines = (await Deno.readTextFile(metrics)).trim().split("\n").map((l) => JSON.parse(l));
  return new Map(lines.filter((l) => l.event === "step").map((l) => [l.step, l.loss]));
}

async function checkpointsAreComplete(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    assert(!e.name.includes(".tmp-") && !e.name.includes(".old-"), `left behind: ${e.name}`);
    names.push(e.name);
    await Deno.stat(`${dir}/${e.name}/meta.json`);
    await Deno.stat(`${dir}/${e.name}/tensors.safetensors`);
  }
  return names.sort();
}

Deno.test("SIGKILL mid-run, then --resume: complete checkpoints and bit-identical losses (cpu)", async () => {
  const root = await Deno.makeTempDir();
  const steps = ["--steps", "40", "--checkpoint-every", "5", "--keep", "2"];
  const full = await command(["train", ...TINY, ...steps, "--out", `${root}/full`]).output();
  assertEquals(full.code, 0, new TextDecoder().decode(full.stderr));

  const child = command(["train", ...TINY, ...steps, "--out", `${root}/killed`]).spawn();
  // Kill as soon as at least 12 steps are logged (so a checkpoint or two exist), wherever it is.
  // Polls for up to 5 minutes: on a loaded 2-core machine 12 tiny steps took over 30 s.
  for (let i = 0; i < 6000; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const logged = await stepLosses(`${root}/killed/metrics.jsonl`).catch(() => new Map());
    if (logged.size >= 12) break;
  }
  child.kill("SIGKILL");
  await child.output();
  const kept = await checkpointsAreComplete(`${root}/killed/checkpoints`);
  assert(kept.length >= 1 && kept.length <= 2, `kept ${kept}`);
  const before = (await stepLosses(`${root}/killed/metrics.jsonl`)).size;
  assert(before >= 12 && before < 40, `killed after ${before} steps: not mid-run`);

  const resumed = await command([
    "train",
    "--resume",
    `${root}/killed/checkpoints/${kept[kept.length - 1]}`,
    "--quiet",
    "--backend",
    "cpu",
  ]).output();
  assertEquals(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
  const want = await stepLosses(`${root}/full/metrics.jsonl`);
  const got = await stepLosses(`${root}/killed/metrics.jsonl`); // later lines (the resumed run) win
  assertEquals(got.size, 40);
  for (const [step, loss] of want) assertEquals(got.get(step), loss, `step ${step}`);
  const a = JSON.parse(new TextDecoder().decode(full.stdout).trim().split("\n").pop()!);
  const b = JSON.parse(new TextDecoder().decode(resumed.stdout).trim().split("\n").pop()!);
  assertEquals(b.exact_accuracy, a.exact_accuracy);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a non-finite loss stops training with one line naming the step and keeps the last checkpoint", async () => {
  const root = await Deno.makeTempDir();
  // AdamATan2 moves weights by up to lr * pi/2 per step: lr 1e30 overflows float32 within two steps.
  const r = await command([
    "train",
    ...TINY,
    "--steps",
    "10",
    "--lr",
    "1e30",
    "--warmup",
    "0",
    "--checkpoint-every",
    "1",
    "--out",
    root,
  ]).output();
  const stderr = new TextDecoder().decode(r.stderr).trim();
  assert(r.code !== 0);
  assertStringIncludes(stderr, "the loss became");
  assertEquals(stderr.split("\n").length, 1, stderr);
  const step = Number(/at step (\d+)/.exec(stderr)![1]);
  const kept = await checkpointsAreComplete(`${root}/checkpoints`);
  assert(kept.length >= 1, "the last good checkpoint stays");
  const meta = JSON.parse(await Deno.readTextFile(`${root}/checkpoints/${kept[kept.length - 1]}/meta.json`));
  assertEquals(meta.step, step - 1);
  await Deno.remove(root, { recursive: true });
});
