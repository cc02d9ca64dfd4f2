import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findChromium, PAGE_TEST_FILES, skipLine } from "../../e2e/browser";

const dir = mkdtempSync(join(tmpdir(), "leadwire-browser-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exe(path: string, mode = 0o755): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, mode);
  return path;
}

const noCache = join(dir, "no-cache");

describe("finding Chromium for the page tests", () => {
  it("takes CHROME_PATH first, then the system package, then playwright's cache", () => {
    const mine = exe(join(dir, "mine", "chrome"));
    const system = exe(join(dir, "usr", "bin", "chromium"));
    const cache = join(dir, "pw");
    const cached = exe(join(cache, "chromium-1200", "chrome-linux", "chrome"));
    expect(findChromium({ CHROME_PATH: mine, PLAYWRIGHT_BROWSERS_PATH: cache }, [system]).path).toBe(mine);
    expect(findChromium({ PLAYWRIGHT_BROWSERS_PATH: cache }, [system]).path).toBe(system);
    expect(findChromium({ PLAYWRIGHT_BROWSERS_PATH: cache }, [join(dir, "absent")]).path).toBe(cached);
  });

  it("picks the newest revision in playwright's cache, headless shell included", () => {
    const cache = join(dir, "pw2");
    exe(join(cache, "chromium-1100", "chrome-linux", "chrome"));
    const newest = exe(join(cache, "chromium_headless_shell-1300", "chrome-linux", "headless_shell"));
    expect(findChromium({ PLAYWRIGHT_BROWSERS_PATH: cache }, []).path).toBe(newest);
  });

  it("a CHROME_PATH that is no executable file falls through to the next place, and is named", () => {
    const system = exe(join(dir, "sys2", "chromium"));
    const notExe = exe(join(dir, "plain", "chrome"), 0o644);
    const r = findChromium({ CHROME_PATH: notExe, PLAYWRIGHT_BROWSERS_PATH: noCache }, [system]);
    expect(r.path).toBe(system);
    expect(r.tried).toContain(`CHROME_PATH=${notExe} (not an executable file)`);
    expect(findChromium({ CHROME_PATH: dir, PLAYWRIGHT_BROWSERS_PATH: noCache }, []).path).toBeUndefined();
  });

  it("LEADWIRE_BROWSER_SYSTEM=0 ignores the system paths and the cache; the skip line says what was skipped and how to install", () => {
    const system = exe(join(dir, "sys3", "chromium"));
    const r = findChromium({ LEADWIRE_BROWSER_SYSTEM: "0", CHROME_PATH: join(dir, "nowhere") }, [system]);
    expect(r.path).toBeUndefined();
    const line = skipLine(r);
    expect(line).not.toContain("\n");
    expect(line).toContain("test/e2e/pages.e2e.test.ts");
    expect(line).toContain("apt-get install chromium");
    expect(line).toContain("CHROME_PATH");
  });

  it("every test file that drives a browser is one the lookup covers", () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const needle = ["from ", '"playwright', '-core"'].join(""); // split so this file does not match itself
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".test.ts") && readFileSync(p, "utf8").includes(needle)) files.push(relative(root, p));
      }
    };
    walk(join(root, "test"));
    expect(files.sort()).toEqual([...PAGE_TEST_FILES].sort());
  });
});
