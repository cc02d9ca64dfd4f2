// config.ts first: auth/schema.ts reaches SecretRefSchema through it.
import "../../../../src/integration/config";
import { describe, expect, it } from "vitest";
import type { FetchFn } from "../../../../src/integration/auth";
import { applyAuth, fetchToken } from "../../../../src/integration/auth";
import { onInstance } from "../../../../src/integration/auth/common";
import { AuthConfigSchema } from "../../../../src/integration/auth/schema";
import type { BuildContext, OutboundRequest } from "../../../../src/integration/types";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const sf = (instanceUrl: boolean) =>
  AuthConfigSchema.parse({
    type: "oauth2_client_credentials",
    tokenUrl: "https://login.salesforce.com/services/oauth2/token",
    clientId: "cid",
    clientSecret: { secret: "SF_SECRET" },
    authStyle: "body",
    instanceUrl,
  });
const ctx = (instance: string | undefined): BuildContext => ({
  secret: () => "s3cret",
  vars: () => undefined,
  now: () => NOW,
  deliveryId: "dlv_1",
  idempotencyKey: "idem_1",
  tokens: { getToken: async () => "00Dtoken", instanceUrl: () => instance },
});
const req: OutboundRequest = {
  method: "POST",
  url: "https://login.salesforce.com/services/data/v60.0/sobjects/Lead/",
  headers: { "Content-Type": "application/json" },
  body: "{}",
};

describe("Salesforce instance_url", () => {
  it("the token answer's instance_url is kept with the token (Salesforce sends no expires_in)", async () => {
    const answer = {
      access_token: "00Dxx!AQ4AQ.token",
      signature: "sig",
      scope: "api",
      instance_url: "https://acme.my.salesforce.com",
      id: "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001Sv6e",
      token_type: "Bearer",
      issued_at: "1736942400000",
    };
    const fetchFn: FetchFn = async () => new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } });
    const t = await fetchToken(sf(true), ctx(undefined), fetchFn);
    expect(t).toMatchObject({ accessToken: "00Dxx!AQ4AQ.token", instanceUrl: "https://acme.my.salesforce.com" });
    // 3600 s assumed, minus the 60 s skew.
    expect(t.expiresAt).toBe(NOW + 3_540_000);
  });

  it("with instanceUrl on, the request goes to the instance, keeping the /services/ path", async () => {
    const out = await applyAuth(req, sf(true), ctx("https://acme.my.salesforce.com/"));
    expect(out.url).toBe("https://acme.my.salesforce.com/services/data/v60.0/sobjects/Lead/");
    expect(out.headers.Authorization).toBe("Bearer 00Dtoken");
  });

  it("off, or with no instance_url in the answer, the endpoint URL is used as written", async () => {
    expect((await applyAuth(req, sf(false), ctx("https://acme.my.salesforce.com"))).url).toBe(req.url);
    expect((await applyAuth(req, sf(true), ctx(undefined))).url).toBe(req.url);
  });

  it("onInstance keeps a path prefix of the instance and the query", () => {
    expect(onInstance("http://x/services/data/v60.0/jobs/ingest?a=1", "http://127.0.0.1:9/salesforce/acme")).toBe(
      "http://127.0.0.1:9/salesforce/acme/services/data/v60.0/jobs/ingest?a=1",
    );
    expect(onInstance("https://old.example/leads?x=1", "https://new.example")).toBe("https://new.example/leads?x=1");
  });
});
