import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getBuyerRegistry } from "../../../src/integration/registry";

const acme = JSON.parse(readFileSync(new URL("../../../buyers/acme-auto.json", import.meta.url), "utf8")) as Record<string, unknown>;

describe("buyer environments", () => {
  it("loads a buyer limited to some environments only there; an unlimited buyer everywhere", () => {
    const limited = { ...acme, id: "only-dev", environments: ["development"] };
    const everywhere = { ...acme, id: "everywhere" };
    delete (everywhere as { environments?: unknown }).environments;
    const configs = JSON.stringify([limited, everywhere]);
    expect([...getBuyerRegistry({ BUYER_CONFIGS: configs, ENVIRONMENT: "development" }).keys()].sort()).toEqual(["everywhere", "only-dev"]);
    expect([...getBuyerRegistry({ BUYER_CONFIGS: configs, ENVIRONMENT: "production" }).keys()]).toEqual(["everywhere"]);
  });

  it("keeps the demo buyers out of production", () => {
    expect(getBuyerRegistry({ ENVIRONMENT: "production" }).size).toBe(0);
    expect(getBuyerRegistry({ ENVIRONMENT: "development" }).size).toBeGreaterThanOrEqual(6);
  });
});
