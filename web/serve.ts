/**
 * `deno task serve`: the browser demo on localhost, with no build step for the user. At start it bundles
 * `web/app.ts` (and the library under it) for the browser with `deno bundle` into memory, then serves the
 * page, the bundle, tfjs's .wasm files from Deno's npm cache, a checkpoint directory and a folder of ARC
 * task files.
 *
 * @module
 */
import { parseArgs } from "@std/cli";

const HELP = `Serve the TRM browser demo.

Usage: deno task serve [--checkpoint DIR] [--arc DIR] [--port N] [--hostname HOST]

--checkpoint DIR  a checkpoint written by 'deno task train' (default: the newest runs/*/checkpoint)
--arc DIR         ARC task JSON files offered by the page (default: the three sample tasks shipped in
                  tasks/arc/testdata/arc-agi-1/data/evaluation; for all of them, pass the data/evaluation
                  folder of a clone of github.com/fchollet/ARC-AGI or github.com/arcprize/ARC-AGI-2)
--port N          0 picks a free port (default 8000); the URL is printed once the server listens
`;

const WEB = new URL(".", import.meta.url).pathname;
const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  wasm: "application/wasm",
  safetensors: "application/octet-stream",
};

/** Runs the Deno that runs this script: `deno bundle` for the page, `deno info` for the npm cache. */
async function deno(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`deno ${args[0]} failed:\n${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** The browser bundle of `web/app.ts`. */
async function bundle(): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir({ prefix: "trm-web-" });
  try {
    await deno(["bundle", "--quiet", "--platform", "browser", "--output", `${dir}/app.js`, `${WEB}app.ts`]);
    return await Deno.readFile(`${dir}/app.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Folder of tfjs-backend-wasm's .wasm files in Deno's npm cache (filled by the bundle step). */
async function wasmDir(): Promise<string> {
  const { npmCache } = JSON.parse(await deno(["info", "--json"]));
  return `${npmCache}/registry.npmjs.org/@tensorflow/tfjs-backend-wasm/4.22.0/dist`;
}

/**
 * Cross-origin isolation (COOP + COEP) lets the page use SharedArrayBuffer, so tfjs picks its threaded
 * wasm binary in the browser (Deno itself cannot: tfjs turns threads off in Node-compatible runtimes).
 */
function isolate(res: Response): Response {
  res.headers.set("cross-origin-opener-policy", "same-origin");
  res.headers.set("cross-origin-embedder-policy", "require-corp");
  return res;
}

/** The most recently written `DIR/<run>/checkpoint` (what `deno task train` just made), or a hint. */
async function newestCheckpoint(runs: string): Promise<string> {
  let best = { path: `${runs}/<run>/checkpoint`, time: -1 };
  try {
    for await (const run of Deno.readDir(runs)) {
      const path = `${runs}/${run.name}/checkpoint`;
      const time = (await Deno.stat(`${path}/meta.json`).catch(() => null))?.mtime?.getTime() ?? -1;
      if (time > best.time) best = { path, time };
    }
  } catch { /* no runs/ yet */ }
  return best.path;
}

async function file(path: string): Promise<Response> {
  try {
    const ext = path.slice(path.lastIndexOf(".") + 1);
    return new Response(await Deno.readFile(path), {
      headers: { "content-type": TYPES[ext] ?? "application/octet-stream", "cache-control": "no-store" },
    });
  } catch {
    return new Response(`not found: ${path}`, { status: 404 });
  }
}

async function main(): Promise<void> {
  const flags = parseArgs(Deno.args, {
    string: ["checkpoint", "arc", "port", "hostname"],
    boolean: ["help"],
    default: { port: "8000", hostname: "127.0.0.1" },
  });
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return;
  }
  const arc = typeof flags.arc === "string"
    ? flags.arc
    : new URL("../tasks/arc/testdata/arc-agi-1/data/evaluation", import.meta.url).pathname;
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    // deno-lint-ignore no-console
    console.error(`error: --port: expected an integer in 0..65535, got "${flags.port}"`);
    Deno.exit(2);
  }
  const hostname = String(flags.hostname);
  // A busy port is one line up front, before the bundling (which takes seconds), and again at listen.
  const busy = (e: unknown): never => {
    const why = e instanceof Deno.errors.AddrInUse
      ? "is in use"
      : `cannot be opened (${(e as Error).message})`;
    // deno-lint-ignore no-console
    console.error(
      `error: --port: ${hostname}:${port} ${why}; pick another with --port N (0 = any free port)`,
    );
    Deno.exit(2);
  };
  if (port !== 0) {
    try {
      Deno.listen({ port, hostname }).close();
    } catch (e) {
      busy(e);
    }
  }
  const checkpoint = typeof flags.checkpoint === "string" ? flags.checkpoint : await newestCheckpoint("runs");
  try {
    await Deno.stat(`${checkpoint}/meta.json`);
  } catch {
    // deno-lint-ignore no-console
    console.error(`warning: ${checkpoint}/meta.json not found; the page will report it (see --checkpoint)`);
  }
  const [app, wasm] = await Promise.all([bundle(), wasmDir()]);
  try {
    serve();
  } catch (e) {
    busy(e);
  }
  function serve(): void {
    Deno.serve({
      port,
      hostname,
      onListen: ({ hostname, port }: Deno.NetAddr) => {
        // deno-lint-ignore no-console
        console.log(`serving the TRM demo on http://${hostname}:${port}/`);
      },
    }, async (req: Request) => isolate(await route(req)));
  }

  async function route(req: Request): Promise<Response> {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path === "/" || path === "/index.html") return file(`${WEB}index.html`);
    if (path === "/favicon.ico") return new Response(null, { status: 204 });
    if (path === "/app.js") return new Response(app, { headers: { "content-type": TYPES.js! } });
    let m = path.match(/^\/vendor\/wasm\/(tfjs-backend-wasm[a-z-]*\.wasm)$/);
    if (m) return file(`${wasm}/${m[1]}`);
    m = path.match(/^\/checkpoint\/(meta\.json|tensors\.safetensors)$/);
    if (m) return file(`${checkpoint}/${m[1]}`);
    if (path === "/arc/index.json") {
      const ids: string[] = [];
      try {
        for await (const e of Deno.readDir(arc)) if (e.name.endsWith(".json")) ids.push(e.name.slice(0, -5));
      } catch { /* no ARC folder: an empty list */ }
      return Response.json(ids.sort());
    }
    m = path.match(/^\/arc\/([\w-]+\.json)$/);
    if (m) return file(`${arc}/${m[1]}`);
    return new Response("not found", { status: 404 });
  }
}

if (import.meta.main) await main();
