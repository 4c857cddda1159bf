/** `deno task serve` on a busy port: one line naming the port and what to do, exit 2, before bundling. */
import { assert, assertEquals } from "@std/assert";

Deno.test("serve: a busy --port gets one line and exit 2", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const serve = new URL("../web/serve.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "--allow-net",
      serve,
      "--port",
      `${port}`,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const err = new TextDecoder().decode(out.stderr).trim();
  assertEquals(out.code, 2, err);
  assertEquals(err.split("\n").length, 1, err);
  assert(err.includes(`127.0.0.1:${port} is in use`), err);
});
