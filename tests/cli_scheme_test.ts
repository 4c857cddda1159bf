/**
 * The recursion schemes through the CLI: `train --scheme hrm|singlez` trains, writes a checkpoint that
 * records the scheme, `eval` reloads it by name, and `train --resume` continues it.
 */
import { assert, assertEquals } from "@std/assert";
import { jsonSummary, runCli } from "./_helpers.ts";

for (const scheme of ["hrm", "singlez"]) {
  Deno.test(`CLI: train --scheme ${scheme}, then eval and resume the checkpoint`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const small = ["--hidden", "16", "--train-size", "40", "--test-size", "8", "--batch-size", "8"];
      const t = await runCli("train", "--scheme", scheme, "--steps", "3", "--out", `${dir}/run`, ...small);
      assertEquals(t.code, 0, t.stderr);
      const meta = JSON.parse(await Deno.readTextFile(`${dir}/run/checkpoint/meta.json`));
      assertEquals(meta.config.scheme.kind, scheme);
      const e = await runCli("eval", "--checkpoint", `${dir}/run/checkpoint`);
      assertEquals(e.code, 0, e.stderr);
      assertEquals(jsonSummary(e.stdout).examples, 8);
      const r = await runCli("train", "--resume", `${dir}/run/checkpoint`, "--steps", "5");
      assertEquals(r.code, 0, r.stderr);
      assertEquals(jsonSummary(r.stdout).steps, 5);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("CLI: an unknown --scheme gets one line naming the choices", async () => {
  const r = await runCli("train", "--scheme", "hrn", "--steps", "1");
  assertEquals(r.code, 2);
  assert(/--scheme: expected one of .*hrm.*got "hrn"/.test(r.stderr), r.stderr);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
});
