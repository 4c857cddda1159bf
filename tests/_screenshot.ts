/** Screenshots of SVG files in headless Chromium (Debian's `chromium`), kept under out/test-artifacts/. */
import { assert } from "@std/assert";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../out/test-artifacts/", import.meta.url).pathname;

/**
 * Draws the SVG file `svgFile` into out/test-artifacts/NAME.png and returns that path; prints one skip
 * line and returns null when Chromium is absent (throws then under `TRM_REQUIRE_BROWSER=1`, as CI sets).
 */
export async function screenshotSvg(svgFile: string, name: string): Promise<string | null> {
  if (!await Deno.stat(CHROMIUM).then(() => true, () => false)) {
    if (Deno.env.get("TRM_REQUIRE_BROWSER") === "1") {
      throw new Error(`${CHROMIUM} is missing but TRM_REQUIRE_BROWSER=1`);
    }
    // deno-lint-ignore no-console
    console.log(`skip: no ${CHROMIUM}, so no ${name}.png`);
    return null;
  }
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    await page.setContent(
      `<body style="margin:0;background:#fff">${await Deno.readTextFile(svgFile)}</body>`,
    );
    const shot = `${ARTIFACTS}${name}.png`;
    await page.locator("svg").first().screenshot({ path: shot });
    assert((await Deno.stat(shot)).size > 2_000, `${shot}: a non-empty screenshot`);
    return shot;
  } finally {
    await browser.close();
  }
}
