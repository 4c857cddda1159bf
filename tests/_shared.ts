/**
 * Access to `../shared` (golden files from the official code, the ARC datasets) for tests that need it.
 *
 * A user's fresh clone has nothing beside it, so such tests are skipped there with one line saying so.
 * CI sets `TRM_REQUIRE_SHARED=1`, which turns a missing folder into a failure: CI can never skip them
 * silently.
 */
// deno-lint-ignore-file no-console

/** The `../shared` folder beside the repository (resolved from this file, not the working directory). */
export const SHARED_ROOT: string = new URL("../../shared/", import.meta.url).pathname;

const reported = new Set<string>();

/**
 * Absolute path of `rel` under `../shared`, or null when it does not exist (after printing one skip
 * line per folder). Throws when `TRM_REQUIRE_SHARED=1` and it is missing.
 *
 * Use: `const dir = sharedPath("golden/mlp"); Deno.test({ name, ignore: dir === null, fn })`.
 */
export function sharedPath(rel: string): string | null {
  const path = SHARED_ROOT + rel.replace(/^\/+/, "");
  try {
    Deno.statSync(path);
    return path;
  } catch {
    if (Deno.env.get("TRM_REQUIRE_SHARED") === "1") {
      throw new Error(
        `../shared/${rel} is missing, and TRM_REQUIRE_SHARED=1 forbids skipping the tests that need it`,
      );
    }
    if (!reported.has(rel)) {
      reported.add(rel);
      console.log(`skipped: tests that need ../shared/${rel} (not present beside this clone)`);
    }
    return null;
  }
}
