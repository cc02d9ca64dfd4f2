import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkBuyers, routingJsonSchema } from "../../../src/cli/buyers-check";
import { SaleTermsSchema } from "../../../src/core/sale-terms";
import { DEFAULT_INTAKE_POLICY, normalizeLead } from "../../../src/intake/normalize";
import { normalizePing } from "../../../src/intake/ping";
import { buildPostingSpec } from "../../../src/intake/posting-spec";
import { BuyerConfigSchema } from "../../../src/integration/config";
import { getBuyerRegistry } from "../../../src/integration/registry";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const NOW = Date.parse("2026-06-10T16:00:00Z");
const answers = { leads: [{ status: 202, meaning: "queued" }], ping: [], post: [] };

function spec(buyers = [...getBuyerRegistry({ ENVIRONMENT: "development" }).values()], terms = SaleTermsSchema.parse({})) {
  return buildPostingSpec({
    origin: "https://leadwire.example",
    audience: "source",
    source: { id: "src_1", name: "Partner", excludedBuyers: [], saleTerms: terms },
    buyers,
    env: {},
    policy: DEFAULT_INTAKE_POLICY,
    syncDeadlineMs: 15_000,
    answers,
    nowMs: NOW,
  });
}

describe("posting spec over the demo buyers", () => {
  it("every vertical's example and ping example pass intake as they are", () => {
    const s = spec();
    expect(s.verticals.length).toBe(6);
    for (const v of s.verticals) {
      const r = normalizeLead(v.example, { id: "lead_x", sourceId: "src_1", nowMs: NOW });
      expect(r.ok, `${v.vertical}: ${JSON.stringify(r.ok ? null : r.issues)}`).toBe(true);
      const p = normalizePing(v.pingExample, { id: "png_x", sourceId: "src_1", nowMs: NOW });
      expect(p.ok, `${v.vertical} ping`).toBe(true);
    }
    // A typed field says what it accepts, from its own rule.
    const mortgage = s.verticals.find((v) => v.vertical === "mortgage");
    expect(mortgage?.buyers).toBeGreaterThan(0);
    expect(mortgage?.fields.find((f) => f.path === "fields.loan_purpose")).toMatchObject({
      format: "one of purchase, refinance, cash_out, heloc (any case; spaces or dashes for underscores)",
    });
    // No payout rule: no ping/post endpoint, and the rules say why.
    expect(s.endpoints.map((e) => e.name)).not.toContain("Ping");
    expect(s.rules).toContain("Ping/post is not enabled for this source: ask your operator to set a payout rule.");
    expect(s.verticals[0]?.curl.ping).toBeUndefined();
  });

  it("curl lines are shell words that carry the example byte for byte, quotes included", () => {
    const odd = BuyerConfigSchema.parse({
      id: "quoted-buyer",
      name: "Quoted",
      verticals: ["legal"],
      price: 10,
      endpoint: { url: "https://x.example" },
      format: { type: "json" },
      mapping: { fields: [{ to: "c", from: "lead.fields.case_type", required: true }] },
      response: { statusField: "status" },
      filters: { rules: [{ field: "fields.case_type", op: "eq", value: 'driver\'s $HOME `x` "quoted"' }] },
    });
    const s = spec([odd], SaleTermsSchema.parse({ payout: { type: "margin", amount: 2 } }));
    const legal = s.verticals.find((v) => v.vertical === "legal");
    expect(legal?.example).toMatchObject({ fields: { case_type: 'driver\'s $HOME `x` "quoted"' } });
    // bash reads the -d word back exactly as the JSON of the example.
    const word = (legal?.curl.direct ?? "").split(" -d ")[1] ?? "";
    const echoed = execFileSync("bash", ["-c", `printf %s ${word}`], { encoding: "utf8" });
    expect(JSON.parse(echoed)).toEqual(legal?.example);
    expect(legal?.curl.ping).toContain("https://leadwire.example/v1/ping");
  });
});

describe("buyers:check and config/routing.json", () => {
  it("the shipped routing config passes and its JSON Schema is current", () => {
    expect(checkBuyers(root).problems).toEqual([]);
    const schema = JSON.parse(readFileSync(join(root, "config", "routing.schema.json"), "utf8")) as unknown;
    expect(schema).toEqual(JSON.parse(JSON.stringify(routingJsonSchema())));
  });

  it("names the file, the path and the reason of a routing config that cannot work", () => {
    const dir = mkdtempSync(join(tmpdir(), "leadwire-routing-"));
    mkdirSync(join(dir, "buyers"));
    mkdirSync(join(dir, "config"));
    copyFileSync(join(root, ".dev.vars.example"), join(dir, ".dev.vars.example"));
    copyFileSync(join(root, "buyers", "acme-auto.json"), join(dir, "buyers", "acme-auto.json"));
    writeFileSync(
      join(dir, "config", "routing.json"),
      JSON.stringify({
        $schema: "./routing.schema.json",
        verticals: {
          auto_insurance: { method: "weighted", targets: { "acme-auto": 300, ghost: 10 } },
          mortgage: { method: "weighted", targets: { "acme-auto": 5 } },
          pets: { method: "round_robin" },
        },
      }),
    );
    expect(checkBuyers(dir).problems).toEqual([
      { file: "config/routing.json", path: "verticals.auto_insurance.targets.ghost", message: "no buyer ghost" },
      { file: "config/routing.json", path: "verticals.mortgage.targets.acme-auto", message: "acme-auto does not buy mortgage" },
      { file: "config/routing.json", path: "verticals.pets", message: expect.stringContaining("unknown vertical") as unknown as string },
    ]);
    writeFileSync(join(dir, "config", "routing.json"), JSON.stringify({ verticals: { solar: { method: "epl", windowDays: 0 } } }));
    expect(checkBuyers(dir).problems.map((p) => p.path)).toEqual(["verticals.solar.windowDays"]);
  });
});
