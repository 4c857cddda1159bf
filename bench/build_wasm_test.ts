import { assertEquals } from "@std/assert";
import { embeddingModule, SOURCES } from "./build_wasm.ts";

for (const { wat, out } of SOURCES) {
  Deno.test(`the embedded module ${out} is ${wat} assembled (deno task build-wasm)`, async () => {
    const embedded = await Deno.readTextFile(new URL(`../${out}`, import.meta.url));
    assertEquals(embedded, await embeddingModule(wat), "stale bytes: run deno task build-wasm");
  });
}
