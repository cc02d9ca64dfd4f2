import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Imports point one way. Each layer may import only the layers below it; the two layers that
 * share a rank (intake and webhooks) may not import each other. `src/cli` is tooling on top of
 * everything; the entry files (index.ts, app.ts) sit on the routes, and context.ts (the Hono
 * context types) belongs to the routes. `ops` (the minute cron's rules, escalation, retention,
 * regression) sits beside intake and webhooks: it may use delivery and everything below.
 */
const LAYERS: string[][] = [
  ["cli"],
  ["(entry)"],
  ["routes"],
  ["intake", "webhooks", "ops"],
  ["delivery"],
  ["buyer-gate"],
  ["db"],
  ["integration"],
  ["observability"],
  ["core"],
];

const SRC = resolve(fileURLToPath(new URL("../../../src", import.meta.url)));
const rankOf = new Map<string, number>();
LAYERS.forEach((names, i) => {
  for (const n of names) rankOf.set(n, i);
});

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split("/")[0] ?? "";
  if (!rel.includes("/")) {
    const base = first.replace(/\.(ts|mts|mjs)$/, "");
    if (base === "buyers.generated") return "integration";
    return base === "context" ? "routes" : "(entry)";
  }
  return first;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith(".d.ts") && !name.endsWith(".d.mts")) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g;

function edges(): { from: string; to: string; file: string; spec: string }[] {
  const out = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? "";
      const target = resolve(dirname(file), spec);
      const from = layerOf(file);
      const to = layerOf(target.startsWith(SRC) ? target : SRC);
      if (from !== to) out.push({ from, to, file: relative(SRC, file), spec });
    }
  }
  return out;
}

describe("layers", () => {
  it("every folder of src/ has a place in the layer order", () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !rankOf.has(f))).toEqual([]);
  });

  it("no folder imports a folder above it or beside it", () => {
    const wrong = edges()
      .filter((e) => {
        const a = rankOf.get(e.from);
        const b = rankOf.get(e.to);
        return a === undefined || b === undefined || b <= a;
      })
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    expect(wrong).toEqual([]);
  });

  it("the check sees real imports (it would catch a violation)", () => {
    const all = edges();
    expect(all.some((e) => e.from === "delivery" && e.to === "db")).toBe(true);
    expect(all.some((e) => e.from === "routes" && e.to === "delivery")).toBe(true);
  });

  // The BuyerGate's own SQLite storage (circuit, caps, tokens) is private to each Durable Object
  // and owned by src/buyer-gate; D1 — leads, claims, timeline, attempts — is written only by src/db.
  it("no D1 SQL is written outside src/db", () => {
    const offenders = sourceFiles(SRC)
      .filter((f) => !/^(db|cli|buyer-gate)\//.test(relative(SRC, f)))
      // The Analytics Engine SQL API's queries (ClickHouse dialect, sent over HTTPS) are not D1.
      .filter((f) => relative(SRC, f) !== "ops/analytics.ts")
      .filter((f) => /\.prepare\(|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
