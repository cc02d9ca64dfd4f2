import { describe, expect, it } from "vitest";
import { bundledBuyers, compiledBuyersJson } from "../../../src/buyers.generated";
import { compileBuyerConfigs } from "../../../src/cli/compile-buyers";
import { loadBuyers } from "../../../src/integration/load-buyers";
import type { CompiledBuyer } from "../../../src/integration/registry";
import { getBuyerRegistry } from "../../../src/integration/registry";
import { configVersion, fingerprint } from "../../../src/integration/version";

describe("buyer configs compiled at build time", () => {
  it("are buyers/*.json exactly as the config schema parses them at runtime, each with the version of its JSON", () => {
    const compiled = JSON.parse(compiledBuyersJson) as CompiledBuyer[];
    const { buyers, errors } = loadBuyers(bundledBuyers);
    expect(errors).toEqual([]);
    expect(compiled.map((c) => c.config)).toEqual(buyers);
    for (const c of compiled) expect(c.version).toBe(fingerprint(JSON.stringify(c.config)));
    // The bundle adds when a build first bundled each version (issue 15); the rest is the compile step's output.
    expect(compileBuyerConfigs(bundledBuyers).buyers).toEqual(compiled.map(({ builtAt: _at, ...c }) => c));
    expect(compiled.every((c) => typeof c.builtAt === "string")).toBe(true);
  });

  it("are what the registry serves (no schema at runtime), with the build's versions", () => {
    const compiled = JSON.parse(compiledBuyersJson) as CompiledBuyer[];
    const registry = getBuyerRegistry({ ENVIRONMENT: "development" });
    expect([...registry.keys()].sort()).toEqual(compiled.map((c) => c.config.id).sort());
    for (const c of compiled) {
      const served = registry.get(c.config.id);
      expect(served).toEqual(c.config);
      if (served) expect(configVersion(served)).toBe(c.version);
    }
    // Buyers limited to development never load elsewhere.
    expect(getBuyerRegistry({ ENVIRONMENT: "production" }).size).toBe(compiled.filter((c) => !c.config.environments).length);
  });

  it("leave out a config the schema refuses, with its problems", () => {
    const good = bundledBuyers[0] as Record<string, unknown>;
    const { buyers, errors } = compileBuyerConfigs([good, { ...good, id: "Bad Id" }]);
    expect(buyers).toHaveLength(1);
    expect(errors[0]).toMatchObject({ index: 1, id: "Bad Id" });
  });

  it("a version changes with the config", () => {
    const compiled = JSON.parse(compiledBuyersJson) as CompiledBuyer[];
    const first = compiled[0];
    if (!first) throw new Error("no bundled buyer");
    expect(configVersion({ ...first.config, price: first.config.price + 1 })).not.toBe(first.version);
    expect(new Set(compiled.map((c) => c.version)).size).toBe(compiled.length);
  });
});
