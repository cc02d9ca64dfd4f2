import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPaths, findEscapes } from "../../../src/cli/check-paths.mjs";

const ROOT = "/r/leadwire";
// Built from parts so this file itself holds none of the paths it tests.
const up = "..";
const machine = ["", "wo" + "rk", "shared", "data", "leads.jsonl"].join("/");

describe("check:paths (nothing reaches outside the repository)", () => {
  it("flags a relative path that climbs out of the repo from the file that holds it", () => {
    const hits = findEscapes(ROOT, "test/vitest.config.ts", `readFileSync("${up}/${up}/shared/data/x.jsonl")`);
    expect(hits).toEqual([{ file: "test/vitest.config.ts", line: 1, found: `${up}/${up}/shared/data/x.jsonl`, why: "climbs out of the repository" }]);
    expect(findEscapes(ROOT, "package.json", `"x": "${up}/.library/y"`)[0]?.why).toBe("climbs out of the repository");
  });

  it("lets relative paths that stay inside through", () => {
    const text = [
      `import { x } from "${up}/${up}/${up}/src/intake/normalize";`,
      `const root = new URL("${up}/${up}/${up}", import.meta.url);`,
      `import y from "${up}/fixtures/sample";`,
    ].join("\n");
    expect(findEscapes(ROOT, "test/unit/intake/a.test.ts", text)).toEqual([]);
  });

  it("lets a bundler's import specifier through only on a line marked as one", () => {
    const line = `"${up}/locales/index.js" = "./src/core/zod-locales.ts"`;
    expect(findEscapes(ROOT, "wrangler.toml", line)[0]?.why).toBe("climbs out of the repository");
    expect(findEscapes(ROOT, "wrangler.toml", `${line} # check-paths: module specifier`)).toEqual([]);
    // The mark does not excuse a machine path on the same line.
    expect(findEscapes(ROOT, "wrangler.toml", `"${machine}" = "x" # check-paths: module specifier`)).toHaveLength(1);
  });

  it("flags an absolute path of a developer's machine and the checkout's own path, not /tmp or /usr/bin", () => {
    const hits = findEscapes(
      ROOT,
      "test/bench/bench.ts",
      `const a = "${machine}";\nconst b = "${ROOT}/test";\nconst c = "/tmp/x.png";\nconst d = "/usr/bin/chromium";`,
    );
    expect(hits.map((h) => [h.line, h.why])).toEqual([
      [1, "absolute path of a developer's machine"],
      [2, "this checkout's own absolute path"],
    ]);
  });

  it("checks the files git knows, new ones included, and skips Markdown", () => {
    const dir = mkdtempSync(join(tmpdir(), "leadwire-paths-"));
    try {
      const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
      git("init", "-q");
      mkdirSync(join(dir, "test"));
      writeFileSync(join(dir, "test", "a.ts"), `const p = "${up}/${up}/shared/x";\n`);
      writeFileSync(join(dir, "NOTES.md"), `was in ${up}/shared once\n`);
      writeFileSync(join(dir, ".gitignore"), "ignored.ts\n");
      writeFileSync(join(dir, "ignored.ts"), `const q = "${machine}";\n`);
      expect(checkPaths(dir).map((h) => `${h.file}:${h.line}`)).toEqual(["test/a.ts:1"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
