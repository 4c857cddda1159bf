/**
 * `deno task serve`: the browser demo on localhost, with no build step for the user. At start it bundles
 * `web/app.ts` (and the library under it) for the browser with `deno bundle` into memory, with the task
 * plugin: a built-in task by name, or a module (`--task ./my_task.ts`, or the specifier the checkpoint
 * records) bundled into the same file so the page runs its hooks. Then it serves the page, the bundle,
 * tfjs's .wasm files from Deno's npm cache, a checkpoint directory and a folder of example puzzles.
 *
 * @module
 */
import { parseFlags, UsageError } from "../cli/schema.ts";
import { TASK_FLAG, TASK_HELP } from "../cli/checkpoint_task.ts";
import { pretrainedFor } from "../tasks/pretrained.ts";
import { BUILTIN_TASKS, loadTaskPlugin, resolveTaskSpecifier } from "../tasks/builtin.ts";

const HELP = `Serve the TRM browser demo.

Usage: deno task serve [--checkpoint DIR] [--task SPECIFIER] [--examples DIR] [--port N] [--hostname HOST]

--checkpoint DIR  a checkpoint written by 'deno task train' (default: the newest runs/*/checkpoint, else the
                  model shipped in the package for --task, or the 4x4 Sudoku one)
${TASK_HELP}
--examples DIR    puzzle files the page offers, each read by the task's parse hook (e.g. ARC task files:
                  tasks/arc/testdata/arc-agi-1/data/evaluation, or the data/evaluation folder of a clone
                  of github.com/fchollet/ARC-AGI or github.com/arcprize/ARC-AGI-2); --arc DIR is the same
--port N          0 picks a free port (default 8000); the URL is printed once the server listens
`;

const SERVE_FLAGS = {
  checkpoint: { kind: "string" },
  ...TASK_FLAG,
  examples: { kind: "string" },
  arc: { kind: "string" },
  port: { kind: "int", min: 0, max: 65535 },
  hostname: { kind: "string" },
  help: { kind: "boolean" },
} as const;

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

/**
 * The browser bundle: an entry that starts `web/app.ts` with the task. A module task is imported by the
 * entry itself, so it shares the page's copy of the library (one tfjs, one `DataError`).
 */
async function bundle(task: { specifier?: string; url?: string }): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir({ prefix: "trm-web-" });
  try {
    const app = JSON.stringify(new URL("app.ts", import.meta.url).href);
    const given = task.specifier !== undefined ? `specifier: ${JSON.stringify(task.specifier)}` : "";
    const entry = task.url
      ? `import { startPage } from ${app};\nimport plugin from ${JSON.stringify(task.url)};\n` +
        `await startPage({ ${given}, plugin });\n`
      : `import { startPage } from ${app};\nawait startPage({ ${given} });\n`;
    await Deno.writeTextFile(`${dir}/entry.ts`, entry);
    const config = new URL("../deno.json", import.meta.url).pathname;
    await deno([
      "bundle",
      "--quiet",
      "--config",
      config,
      "--platform",
      "browser",
      "--output",
      `${dir}/app.js`,
      `${dir}/entry.ts`,
    ]);
    return await Deno.readFile(`${dir}/app.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The task the page runs: `--task`, else the checkpoint's recorded specifier, else its spec's name; a
 * module is loaded here first (one line and exit 2 when it is no task) and bundled by its URL.
 */
async function pageTask(
  flag: string | undefined,
  checkpoint: string,
): Promise<{ specifier?: string; url?: string }> {
  const meta = await Deno.readTextFile(`${checkpoint}/meta.json`).then(JSON.parse, () => null);
  const specifier: string | undefined = flag ?? meta?.recipe?.task ?? meta?.taskSpec?.name;
  if (specifier === undefined || Object.hasOwn(BUILTIN_TASKS, specifier)) {
    return specifier === undefined ? {} : { specifier };
  }
  const where = flag !== undefined ? "--task" : `${checkpoint}/meta.json: task`;
  try {
    await loadTaskPlugin(specifier, meta?.taskSpec);
  } catch (e) {
    throw new UsageError(
      `${where} ${specifier}: cannot load it (${(e as Error).message.split("\n")[0]}); expected a built-in ` +
        `task (${Object.keys(BUILTIN_TASKS).join(", ")}) or a module whose default export is a Task`,
    );
  }
  return { specifier, url: resolveTaskSpecifier(specifier) };
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

/** The most recently written `DIR/<run>/checkpoint` (what `deno task train` just made), or null. */
async function newestCheckpoint(runs: string): Promise<string | null> {
  let best: { path: string | null; time: number } = { path: null, time: -1 };
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
  let flags;
  try {
    flags = parseFlags(Deno.args, SERVE_FLAGS);
    if (flags.examples !== undefined && flags.arc !== undefined) {
      throw new UsageError("--examples and --arc: give one of them (--arc is the old name of --examples)");
    }
  } catch (e) {
    // deno-lint-ignore no-console
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
  if (flags.help) {
    // deno-lint-ignore no-console
    console.log(HELP);
    return;
  }
  const examples = flags.examples ?? flags.arc;
  const port = flags.port ?? 8000;
  const hostname = flags.hostname ?? "127.0.0.1";
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
  // No checkpoint and no run yet: the model shipped in the package for --task (or the 4x4 Sudoku one), so
  // a first-time user sees TRM solve a puzzle with no training.
  const shipped = pretrainedFor(flags.task ?? "sudoku") ?? pretrainedFor("sudoku")!;
  const checkpoint = flags.checkpoint ?? await newestCheckpoint("runs") ??
    shipped.pathname.replace(/\/$/, "");
  try {
    await Deno.stat(`${checkpoint}/meta.json`);
  } catch {
    // deno-lint-ignore no-console
    console.error(`warning: ${checkpoint}/meta.json not found; the page will report it (see --checkpoint)`);
  }
  let task;
  try {
    task = await pageTask(flags.task, checkpoint);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // deno-lint-ignore no-console
    console.error(`error: ${e.message}`);
    Deno.exit(2);
  }
  const [app, wasm] = await Promise.all([bundle(task), wasmDir()]);
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
    if (path === "/examples/index.json") {
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(examples ?? "")) {
          if (e.isFile && /^[\w][\w.-]*$/.test(e.name)) names.push(e.name);
        }
      } catch { /* no examples folder: an empty list */ }
      return Response.json(names.sort());
    }
    m = path.match(/^\/examples\/(\w[\w.-]*)$/);
    if (m && examples !== undefined) return file(`${examples}/${m[1]}`);
    return new Response("not found", { status: 404 });
  }
}

if (import.meta.main) await main();
