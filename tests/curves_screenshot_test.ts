/**
 * The training curves as a browser draws them (headless Chromium, Debian's `chromium`): the SVG parses,
 * no label is cut off at the edge or overlaps its neighbours, and the held-out dots are painted where
 * they are declared. Writes `out/test-artifacts/curves.svg` and `curves.png`. Ignored when Chromium is
 * absent, unless `TRM_REQUIRE_BROWSER=1`.
 */
import { assert, assertEquals } from "@std/assert";
import { chromium } from "playwright-core";
import { curvesSvg, parseMetrics } from "../viz/mod.ts";
import { syntheticMetrics } from "./_metrics.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium && Deno.env.get("TRM_REQUIRE_BROWSER") === "1") {
  throw new Error(`${CHROMIUM} is missing but TRM_REQUIRE_BROWSER=1: apt-get install chromium`);
}
const ARTIFACTS = new URL("../out/test-artifacts/", import.meta.url).pathname;

interface Box {
  readonly text: string;
  readonly group: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const base64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

Deno.test({
  name: "curves: Chromium draws the SVG with every label inside and apart, and the eval dots where declared",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const text = syntheticMetrics({ steps: 2000, evalEvery: 250, resumes: [{ at: 1300, redo: 100 }] });
    const svg = curvesSvg(parseMetrics(text, "metrics.jsonl"));
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await Deno.writeTextFile(`${ARTIFACTS}curves.svg`, svg);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      // As a standalone image document: a malformed SVG shows Chromium's XML error page instead.
      const doc = await browser.newPage();
      await doc.goto(`data:image/svg+xml;base64,${base64(new TextEncoder().encode(svg))}`);
      assertEquals(await doc.locator("parsererror").count(), 0, await doc.content());
      assertEquals(await doc.evaluate("document.documentElement.localName"), "svg");

      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
      const boxes: Box[] = await page.$$eval("svg text", (els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          // Labels of the same group must not collide: the legend of a panel, the ticks of an axis.
          const panel = el.closest("g[transform]")?.getAttribute("transform") ?? "page";
          const kind = el.closest(".legend")
            ? "legend"
            : el.classList.contains("tick")
            ? `tick-${el.getAttribute("text-anchor")}`
            : "other";
          return {
            text: el.textContent ?? "",
            group: `${panel} ${kind}`,
            x: r.x,
            y: r.y,
            w: r.width,
            h: r.height,
          };
        }));
      const size = await page.$eval("svg", (s) => ({ w: s.clientWidth, h: s.clientHeight }));
      for (const b of boxes) {
        assert(b.x >= 0 && b.y >= 0 && b.x + b.w <= size.w && b.y + b.h <= size.h, `"${b.text}" cut off`);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i]!, boxes[j]!];
          if (a.group === b.group && !a.group.endsWith("other")) {
            assert(!overlap(a, b), `"${a.text}" and "${b.text}" overlap`);
          }
        }
      }
      // The painted pixels: each held-out dot's centre has the dot's colour.
      const dots = await page.$$eval("circle.eval-point", (cs) =>
        cs.map((c) => {
          const r = c.getBoundingClientRect();
          return {
            x: Math.round(r.x + r.width / 2),
            y: Math.round(r.y + r.height / 2),
            fill: c.getAttribute("fill"),
          };
        }));
      assertEquals(dots.length, 8); // every 250 steps to 2000
      const shot = await page.locator("svg").first().screenshot({ path: `${ARTIFACTS}curves.png` });
      assert(shot.length > 20_000, `a drawn picture (${shot.length} bytes)`);
      // Read the pixels back from the PNG itself (a string, as the page has DOM types and Deno none).
      const colours = await page.evaluate(`(async () => {
        const img = new Image();
        img.src = "data:image/png;base64,${base64(shot)}";
        await img.decode();
        const canvas = document.createElement("canvas");
        [canvas.width, canvas.height] = [img.width, img.height];
        const ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0);
        return ${
        JSON.stringify(dots)
      }.map((d) => Array.from(ctx.getImageData(d.x, d.y, 1, 1).data.slice(0, 3)));
      })()`) as number[][];
      const want = [0x15, 0x65, 0xc0]; // #1565c0
      colours.forEach((c, i) => {
        assert(
          c.every((v, k) => Math.abs(v - want[k]!) <= 12),
          `dot ${i} at ${dots[i]!.x},${dots[i]!.y} is ${c}`,
        );
      });
      assertEquals(dots.map((d) => d.fill), Array(8).fill("#1565c0"));
      assertEquals(errors, []);
    } finally {
      await browser.close();
    }
  },
});
