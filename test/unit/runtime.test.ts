import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Where Node would load package `name` from when required inside `fromDir` (node_modules lookup). */
function installed(name: string, fromDir = root): { dir: string; version: string; engines?: { node?: string } } {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) {
      const pkg = JSON.parse(readFileSync(join(candidate, "package.json"), "utf8")) as { version: string; engines?: { node?: string } };
      return { ...pkg, dir: candidate };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`${name} is not installed (from ${fromDir})`);
    dir = up;
  }
}

describe("one Workers runtime for npm run dev and npm test", () => {
  it("wrangler dev, the vitest pool and the clock probe load the same miniflare, hence the same workerd", () => {
    const wrangler = installed("wrangler");
    const pool = installed("@cloudflare/vitest-pool-workers");
    const miniflare = installed("miniflare");
    expect(installed("miniflare", wrangler.dir).dir).toBe(miniflare.dir);
    expect(installed("miniflare", pool.dir).dir).toBe(miniflare.dir);
    expect(installed("wrangler", pool.dir).dir).toBe(wrangler.dir);
    expect(installed("workerd", miniflare.dir).dir).toBe(installed("workerd", wrangler.dir).dir);
  });

  it("wrangler and miniflare run on Node 20 (wrangler 4.87 and later ask for Node 22)", () => {
    for (const name of ["wrangler", "miniflare"]) {
      expect(installed(name).engines?.node, `${name} engines.node`).toMatch(/^>=\s*(1\d|20)\./);
    }
  });
});
