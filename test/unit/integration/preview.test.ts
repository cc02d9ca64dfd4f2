import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { prepareRequest } from "../../../src/integration/build";
import type { BuyerConfig } from "../../../src/integration/config";
import { BuyerConfigSchema } from "../../../src/integration/config";
import { previewRequest } from "../../../src/integration/preview";
import { buyer, ctx, lead } from "./helpers";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const demo = (id: string): BuyerConfig => BuyerConfigSchema.parse(JSON.parse(readFileSync(`${root}/buyers/${id}.json`, "utf8")));
const tokens = { getToken: async () => "oauth-access-token-xyz" };
const SECRETS = ["acme-key-123456", "sunrise-pass-123", "meridian-secret-1", "lexlink-hmac-secret", "oauth-access-token-xyz"];
const leaks = (p: unknown): string[] => SECRETS.filter((s) => JSON.stringify(p).includes(s));

describe("prepareRequest", () => {
  it("adds the buyer's auth after mapping: API key header", async () => {
    const { request } = await prepareRequest(demo("acme-auto"), lead(), ctx());
    expect(request.headers["X-Api-Key"]).toBe("acme-key-123456");
  });
  it("HMAC signs the final body with a timestamp header from the injected clock", async () => {
    const { request } = await prepareRequest(demo("lexlink-legal"), lead({}, "legal"), ctx());
    expect(request.headers["X-LexLink-Timestamp"]).toBe(String(Math.floor(Date.parse("2026-11-28T15:00:00Z") / 1000)));
    expect(request.headers["X-LexLink-Signature"]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("previewRequest", () => {
  it("shows the exact request with every secret masked (header API key, Basic, OAuth bearer)", async () => {
    const acme = await previewRequest(demo("acme-auto"), lead(), ctx());
    expect(acme.method).toBe("POST");
    expect(acme.url).toBe("http://127.0.0.1:8788/b/acme-auto/accept?respond=json");
    expect(acme.headers["X-Api-Key"]).toBe("****");
    expect(JSON.parse(acme.body ?? "").applicant.phones[0].number).toBe("202-555-0123");

    const sunrise = await previewRequest(demo("sunrise-solar"), lead({}, "solar"), ctx());
    expect(sunrise.headers.Authorization).toBe("Basic ****");

    const meridian = await previewRequest(demo("meridian-mortgage"), lead({}, "mortgage"), ctx({ tokens }));
    expect(meridian.headers.Authorization).toBe("Bearer ****");
    expect(meridian.headers.SOAPAction).toBe('"urn:meridian:leads:v3/SubmitLead"');
    for (const p of [acme, sunrise, meridian]) expect(leaks(p)).toEqual([]);
  });

  it("masks secrets in the URL (query API key) and in the body (SOAP header credentials)", async () => {
    const b = buyer({
      auth: { type: "api_key", in: "query", name: "api_key", value: { secret: "ACME_API_KEY" } },
      format: { type: "soap11", operation: "Op", namespace: "urn:x", header: { Auth: { Key: { secret: "SUNRISE_PASSWORD" } } } },
    });
    const p = await previewRequest(b, lead(), ctx());
    expect(p.url).toBe("https://buyer.example/leads?api_key=****");
    expect(p.body).toContain("<Key>****</Key>");
    expect(leaks(p)).toEqual([]);
  });

  it("carries mapping warnings", async () => {
    const b = buyer({ mapping: { fields: [{ to: "p", from: "fields.purpose", translate: { table: { refinance: "REFI" } } }] } });
    const p = await previewRequest(b, lead({ fields: { purpose: "heloc" } }), ctx());
    expect(p.warnings).toEqual([{ field: "p", message: 'no translation for "heloc"; sent as is' }]);
  });
});
