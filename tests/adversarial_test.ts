/**
 * Adversarial CLI suite (issue 15): bad flags, bad files, corrupt and non-finite checkpoints, kills in
 * the middle of a checkpoint swap, two trainers on one folder. Every case asserts the exit code, that the
 * message is ONE line (no stack, no raw control character), and that the files a user saved before are
 * byte-identical afterwards. Tiny models (hidden 8, 2 steps) keep it fast.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type CliResult, runCli } from "./_helpers.ts";

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const TINY = [
  "--hidden",
  "8",
  "--batch-size",
  "4",
  "--train-size",
  "12",
  "--test-size",
  "4",
  "--backend",
  "cpu",
  "--quiet",
];

/** runCli with extra environment (the crash hook); same narrow permissions. */
async function cliEnv(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every file under `dir` (relative path -> bytes). */
async function snapshot(dir: string, prefix = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(`${dir}${prefix}`)) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory) { for (const [k, v] of await snapshot(dir, rel)) out.set(k, v); }
    else if (e.name !== ".lock") out.set(rel, await Deno.readFile(`${dir}${rel}`));
  }
  return out;
}

async function assertSame(dir: string, before: Map<string, Uint8Array>, what: string): Promise<void> {
  const after = await snapshot(dir);
  assertEquals([...after.keys()].sort(), [...before.keys()].sort(), `${what}: files of ${dir}`);
  for (const [k, v] of before) assertEquals(after.get(k), v, `${what}: ${k} changed`);
}

/** Exit code `code`, exactly one stderr line, no stack, no raw control character; returns the line. */
function assertOneLine(r: CliResult, code: number, what: string): string {
  const err = r.stderr.trim();
  assertEquals(r.code, code, `${what}: ${err}`);
  assertEquals(err.split("\n").length, 1, `${what}: not one line: ${err}`);
  assert(!err.includes("    at "), `${what}: stack trace`);
  // deno-lint-ignore no-control-regex
  assert(!/[\x00-\x08\x0b-\x1f\x7f]/.test(err), `${what}: raw control character`);
  return err;
}

/** Trains a tiny good run into `dir`; returns nothing (asserts success). */
async function trainGood(dir: string, ...extra: string[]): Promise<void> {
  const r = await runCli("train", ...TINY, "--steps", "2", "--out", dir, ...extra);
  assertEquals(r.code, 0, r.stderr);
}

/** Sets the first float of tensor `name` in a safetensors file to `value`. */
async function poison(file: string, name: string, value: number): Promise<void> {
  const bytes = await Deno.readFile(file);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const [start] = header[name].data_offsets as [number, number];
  new DataView(bytes.buffer).setFloat32(8 + n + start, value, true);
  await Deno.writeFile(file, bytes);
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("adversarial: bad flags, bad files, non-finite weights, killed swaps, two trainers", async (t) => {
  const root = await Deno.makeTempDir();
  const good = `${root}/good`;
  await trainGood(good);
  const saved = await snapshot(good);
  const ck = `${good}/checkpoint`;
  await Deno.writeTextFile(`${root}/file`, "x");
  await Deno.mkdir(`${root}/folder`);
  let cases = 0;

  // 1. Flags: each refused up front with one line naming the flag, before any work.
  const flagCases: [string[], string][] = [
    [["train", "--steps", "-3"], "--steps"],
    [["train", "--batch-size", "-4"], "--batch-size"],
    [["train", "--checkpoint-every", "-1"], "--checkpoint-every"],
    [["train", "--keep", "0"], "--keep"],
    [["train", "--seed", "0.5"], "--seed"],
    [["train", "--steps", "1.5"], "--steps"],
    [["train", "--steps", "0"], "--steps"],
    [["train", "--heads", "0"], "--heads"],
    [["train", "--eval-limit", "0"], "--eval-limit"],
    [["train", "--expansion", "1e-9", "--hidden", "8"], "--expansion"],
    [["train", "--lr", "1e309"], "--lr"],
    [["train", "--ema", "1"], "--ema"],
    [["train", "--stpes", "2"], "did you mean --steps?"],
    [["train", "--out", `${root}/file`, ...TINY], "not a folder"],
    [["train", "--data", `${root}/folder`, "--out", `${root}/d1`, ...TINY], "is a folder"],
    [["eval", "--checkpoint", ck, "--out", `${root}/file`], "not a folder"],
    [["eval", "--limit", "-1", "--checkpoint", ck], "--limit"],
    [["solve", "--checkpoint", ck, ""], "empty argument"],
    [["solve", "--checkpoint", ck, `${root}/folder`], "is a folder"],
    [["solve", "--checkpoint", ck, "--svg", `${root}/folder`, "1.3.3..2.1..4..1"], "--svg"],
    [["solve", "--checkpoint", ck, "--backend", "tpu", "1.3.3..2.1..4..1"], "--backend"],
  ];
  for (const [args, says] of flagCases) {
    await t.step(args.join(" ").replace(root, "ROOT"), async () => {
      const line = assertOneLine(await runCli(...args), 2, args.join(" "));
      assertStringIncludes(line, says);
    });
    cases++;
  }

  // 2. A saved run is never replaced by something worse.
  await t.step("train into a folder holding another run is refused", async () => {
    assertStringIncludes(
      assertOneLine(await runCli("train", ...TINY, "--steps", "2", "--out", good), 2, "reuse"),
      "holds another run",
    );
    await assertSame(good, saved, "reuse");
  });
  await t.step("--overwrite with a diverging lr keeps the good checkpoint, exits non-zero", async () => {
    const copy = `${root}/diverge`;
    await copyDir(good, copy);
    const before = await snapshot(`${copy}/checkpoint`);
    const r = await runCli(
      "train",
      ...TINY,
      "--steps",
      "1",
      "--lr",
      "1e308",
      "--warmup",
      "0",
      "--out",
      copy,
      "--overwrite",
    );
    assertStringIncludes(assertOneLine(r, 2, "diverge"), "not saved");
    await assertSame(`${copy}/checkpoint`, before, "diverge");
  });
  await t.step("a diverging run writes no periodic checkpoint", async () => {
    const dir = `${root}/diverge2`;
    const r = await runCli(
      "train",
      ...TINY,
      "--steps",
      "3",
      "--lr",
      "1e308",
      "--warmup",
      "0",
      "--checkpoint-every",
      "1",
      "--out",
      dir,
    );
    assertOneLine(r, 2, "diverge periodic");
    for await (const e of Deno.readDir(dir)) {
      assert(e.name !== "checkpoint" && e.name !== "checkpoints", e.name);
    }
  });
  await t.step("--resume refuses flags that would change the run, naming them", async () => {
    const line = assertOneLine(
      await runCli("train", "--resume", ck, "--hidden", "32", "--lr", "1"),
      2,
      "resume",
    );
    assertStringIncludes(line, "--hidden, --lr");
    await assertSame(good, saved, "resume flags");
  });
  await t.step("--resume refuses --steps before the checkpoint's step", async () => {
    assertStringIncludes(
      assertOneLine(await runCli("train", "--resume", ck, "--steps", "1"), 2, "steps"),
      "--steps",
    );
    await assertSame(good, saved, "resume steps");
  });
  cases += 5;

  // 3. Bad checkpoint files: refused in one line naming the file (and the tensor or field).
  const nan = `${root}/nan`;
  await copyDir(good, nan);
  await poison(`${nan}/checkpoint/tensors.safetensors`, "model/block0/mixer/down", NaN);
  const nanSaved = await snapshot(nan);
  for (const args of [["eval", "--checkpoint"], ["solve", "--checkpoint"], ["train", "--resume"]]) {
    await t.step(`${args.join(" ")} on a NaN checkpoint`, async () => {
      const extra = args[0] === "solve" ? ["1.3.3..2.1..4..1"] : [];
      const line = assertOneLine(await runCli(...args, `${nan}/checkpoint`, ...extra), 2, "nan");
      assertStringIncludes(line, `tensors.safetensors: tensor "model/block0/mixer/down" holds NaN`);
      await assertSame(nan, nanSaved, "nan");
    });
    cases++;
  }
  const metaDefects: [string, (m: Record<string, unknown>) => void, string][] = [
    ["no mixer", (m) => delete (m.config as Record<string, unknown>).mixer, "config.mixer"],
    ["config null", (m) => m.config = null, "config"],
    ["no taskSpec", (m) => delete m.taskSpec, "taskSpec"],
    ["step -5", (m) => m.step = -5, "step"],
    ['step "2"', (m) => m.step = "2", "step"],
    ["no rng", (m) => delete (m.state as Record<string, Record<string, unknown>>).train!.rng, "rng"],
    ["future format", (m) => m.formatVersion = 9, "formatVersion"],
    [
      "rng [1]",
      (m) => (m.state as Record<string, Record<string, unknown>>).train!.rng = [1],
      "state.train.rng",
    ],
    ["version 9.9.9", (m) => m.version = "9.9.9", "version: 9.9.9"],
    ["taskSpec.name a number", (m) => (m.taskSpec as Record<string, unknown>).name = 7, "taskSpec.name"],
  ];
  for (const [what, edit, field] of metaDefects) {
    await t.step(`meta.json: ${what}`, async () => {
      const dir = `${root}/meta-${cases}`;
      await copyDir(ck, dir);
      const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
      edit(meta);
      await Deno.writeTextFile(`${dir}/meta.json`, JSON.stringify(meta));
      assertStringIncludes(assertOneLine(await runCli("eval", "--checkpoint", dir), 2, what), field);
    });
    cases++;
  }
  await t.step("truncated tensors.safetensors", async () => {
    const dir = `${root}/trunc`;
    await copyDir(ck, dir);
    const bytes = await Deno.readFile(`${dir}/tensors.safetensors`);
    await Deno.writeFile(`${dir}/tensors.safetensors`, bytes.subarray(0, bytes.length - 9));
    assertStringIncludes(
      assertOneLine(await runCli("eval", "--checkpoint", dir), 2, "trunc"),
      "tensors.safetensors",
    );
  });
  await t.step("a control character in a data file is escaped in the message", async () => {
    await Deno.writeTextFile(
      `${root}/bad.csv`,
      "source,question,answer,rating\nx,1.\x1b.3..2.1..4..1,1234341221434321,0\n",
    );
    const r = await runCli("train", ...TINY, "--data", `${root}/bad.csv`, "--out", `${root}/csv`);
    assertStringIncludes(assertOneLine(r, 2, "csv"), "\\x1b");
  });
  cases += 2;

  // 4. Killed in the middle of the final checkpoint swap (as kill -9: no cleanup runs), then started again.
  for (const point of ["before-first-rename", "after-first-rename", "after-second-rename"]) {
    await t.step(`killed ${point}: the checkpoint stays loadable and the next start cleans up`, async () => {
      const dir = `${root}/crash-${point}`;
      await copyDir(good, dir);
      const killed = await cliEnv(
        { TRM_TEST_CRASH_AT: point },
        "train",
        "--resume",
        `${dir}/checkpoint`,
        "--steps",
        "3",
        "--backend",
        "cpu",
        "--quiet",
      );
      assertEquals(killed.code, 137, killed.stderr);
      const ev = await runCli("eval", "--checkpoint", `${dir}/checkpoint`, "--backend", "cpu", "--quiet");
      assertEquals(ev.code, 0, ev.stderr);
      const again = await runCli(
        "train",
        "--resume",
        `${dir}/checkpoint`,
        "--steps",
        "3",
        "--backend",
        "cpu",
        "--quiet",
      );
      assertEquals(again.code, 0, again.stderr);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert(!names.some((n) => n.includes(".tmp-") || n.includes(".old-")), `leftovers: ${names}`);
      assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/checkpoint/meta.json`)).step, 3);
    });
    cases++;
  }
  await t.step("step-N.tmp-* leftovers of a killed periodic save are removed on the next start", async () => {
    const dir = `${root}/periodic`;
    const first = await runCli("train", ...TINY, "--steps", "3", "--checkpoint-every", "1", "--out", dir);
    assertEquals(first.code, 0, first.stderr);
    const from = `${dir}/checkpoints/step-0000002`;
    const resume = [
      "train",
      "--resume",
      from,
      "--steps",
      "5",
      "--checkpoint-every",
      "1",
      "--backend",
      "cpu",
      "--quiet",
    ];
    const killed = await cliEnv({ TRM_TEST_CRASH_AT: "before-first-rename" }, ...resume);
    assertEquals(killed.code, 137, killed.stderr);
    assert(
      [...Deno.readDirSync(`${dir}/checkpoints`)].some((e) => e.name.includes(".tmp-")),
      "a leftover to clean",
    );
    const again = await runCli(...resume);
    assertEquals(again.code, 0, again.stderr);
    const names = [...Deno.readDirSync(`${dir}/checkpoints`)].map((e) => e.name).sort();
    assertEquals(names, ["step-0000002", "step-0000003", "step-0000004"]);
  });
  cases++;

  // 5. Two trainers on one folder; a lock left by a killed trainer is taken over; run ids on records.
  await t.step(
    "a second trainer on the same --out refuses; after kill -9 the lock is taken over",
    async () => {
      const dir = `${root}/two`;
      const first = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          MAIN,
          "train",
          ...TINY,
          "--steps",
          "100000",
          "--out",
          dir,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        for (let i = 0; i < 600; i++) {
          await new Promise((r) => setTimeout(r, 100));
          if (await Deno.stat(`${dir}/metrics.jsonl`).then((s) => s.size > 0, () => false)) break;
        }
        const r = await runCli("train", ...TINY, "--steps", "2", "--out", dir, "--overwrite");
        assertStringIncludes(assertOneLine(r, 2, "second trainer"), `another training (pid ${first.pid})`);
      } finally {
        first.kill("SIGKILL");
        await first.status;
      }
      const after = await runCli("train", ...TINY, "--steps", "2", "--out", dir, "--overwrite");
      assertEquals(after.code, 0, after.stderr);
      const records = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      const runs = new Set(records.map((r) => r.run));
      assertEquals(runs.size, 1, "one run id per run, on every record");
      assert(typeof [...runs][0] === "string" && [...runs][0].length > 8);
    },
  );
  cases++;

  await assertSame(good, saved, "the whole suite");
  assert(cases >= 46, `${cases} cases`);
  await Deno.remove(root, { recursive: true });
});
