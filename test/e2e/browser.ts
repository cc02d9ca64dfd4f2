/**
 * Where the page tests find a Chromium. One lookup for every test that drives a browser, so a
 * machine without one skips them with one clear line, and CI (LEADWIRE_REQUIRE_BROWSER=1)
 * fails instead of skipping silently.
 */
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The test files that need a browser (skipped together when none is found). */
export const PAGE_TEST_FILES = ["test/e2e/pages.e2e.test.ts", "test/e2e/ops-dashboard.e2e.test.ts", "test/e2e/posting-spec.e2e.test.ts"] as const;

/** Debian's package (`apt-get install chromium`) and the older Ubuntu/Debian name. */
export const SYSTEM_CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"] as const;

/** How to get a browser, as the skip line and the CI failure say it. */
export const INSTALL_HINT = "install one with `apt-get install chromium` (Debian/Ubuntu) or point CHROME_PATH at a Chrome/Chromium binary";

export interface BrowserLookup {
  /** The executable to launch, or undefined when none was found. */
  path: string | undefined;
  /** Every place looked at, in order, for the message when none is found. */
  tried: string[];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Chromium builds that `npx playwright install chromium` left in its cache, newest revision first. */
function playwrightCacheCandidates(cacheDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(cacheDir);
  } catch {
    return [];
  }
  const revision = (name: string) => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);
  const out: string[] = [];
  for (const dir of entries.filter((e) => /^chromium(_headless_shell)?-\d+$/.test(e)).sort((a, b) => revision(b) - revision(a))) {
    const base = join(cacheDir, dir);
    if (dir.startsWith("chromium_headless_shell")) {
      out.push(join(base, "chrome-linux", "headless_shell"), join(base, "chrome-headless-shell-linux64", "chrome-headless-shell"));
    } else {
      out.push(join(base, "chrome-linux", "chrome"), join(base, "chrome-linux64", "chrome"));
    }
  }
  return out;
}

/**
 * Finds a Chromium: `CHROME_PATH`, then the system packages, then playwright's cache
 * (`PLAYWRIGHT_BROWSERS_PATH` or ~/.cache/ms-playwright). `LEADWIRE_BROWSER_SYSTEM=0` skips the
 * system paths and the cache, so a machine with Chromium can act as one without (CHROME_PATH
 * still counts). `systemPaths` is for this helper's own tests.
 */
export function findChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
  systemPaths: readonly string[] = SYSTEM_CHROMIUM_PATHS,
): BrowserLookup {
  const tried: string[] = [];
  const candidates: string[] = [];
  const explicit = env["CHROME_PATH"]?.trim();
  if (explicit) candidates.push(explicit);
  else tried.push("CHROME_PATH (unset)");
  if (env["LEADWIRE_BROWSER_SYSTEM"] !== "0") {
    candidates.push(...systemPaths);
    const cache = env["PLAYWRIGHT_BROWSERS_PATH"]?.trim() || join(homedir(), ".cache", "ms-playwright");
    const cached = playwrightCacheCandidates(cache);
    candidates.push(...cached);
    if (cached.length === 0) tried.push(`${cache} (no chromium-*)`);
  } else {
    tried.push("system paths and playwright cache (LEADWIRE_BROWSER_SYSTEM=0)");
  }
  for (const c of candidates) {
    if (isExecutableFile(c)) return { path: c, tried };
    tried.push(c === explicit ? `CHROME_PATH=${c} (not an executable file)` : c);
  }
  return { path: undefined, tried };
}

/** True when a missing browser must fail the run instead of skipping the page tests (CI). */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["LEADWIRE_REQUIRE_BROWSER"] === "1";
}

/** The one line `npm test` prints when the page tests are skipped. */
export function skipLine(lookup: BrowserLookup): string {
  return `Page tests skipped (${PAGE_TEST_FILES.join(", ")}): no Chromium found (looked at ${lookup.tried.join(", ")}); ${INSTALL_HINT}.`;
}
