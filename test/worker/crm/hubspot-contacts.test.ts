/**
 * The hubspot-contacts preset through a real BuyerGate to the mock's HubSpot over HTTP: create,
 * VALIDATION_ERROR and CONFLICT in the attempt's reason, an expired OAuth token refreshed once,
 * and a 429 honoured through Retry-After or HubSpot's rate-limit window.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setGateClock } from "../helpers/gate";
import { crmControl, demoBuyer, gate, input, lead, received } from "./helpers";

interface HsState {
  tokenRequests: number;
  contacts: { id: string; properties: Record<string, string> }[];
}

const recorded = async (tenant: string) => (await received(tenant)) as unknown as { behavior: string; status: number }[];

/** The demo buyer on HubSpot OAuth (refresh-token grant) instead of its private-app token. */
function oauthBuyer() {
  return demoBuyer("demo-hubspot-contacts", (raw) => {
    const tenant = raw.id as string;
    raw.auth = {
      type: "oauth2_refresh_token",
      tokenUrl: `\${MOCK_BUYER_ORIGIN}/hubspot/${tenant}/oauth/v1/token`,
      clientId: "leadwire-app",
      // Any set Worker secret will do for the mock; ADMIN_TOKEN is bound in the test config.
      clientSecret: { secret: "ADMIN_TOKEN" },
      refreshToken: { secret: "ADMIN_TOKEN" },
    };
  });
}

describe("hubspot-contacts (demo-hubspot-contacts) against the mock's HubSpot", () => {
  it("success: 201 — sold with the contact id, the contact in the portal", async () => {
    const b = demoBuyer("demo-hubspot-contacts");
    const l = lead({ email: "ada.hs@example.com" });
    const r = await gate(b).deliver(input(b, { lead: l }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201 });
    const portal = await crmControl<HsState>("hubspot", b.id);
    expect(portal.contacts).toEqual([
      expect.objectContaining({
        id: r.buyerLeadId,
        properties: expect.objectContaining({ email: "ada.hs@example.com", lastname: "Lovelace", leadwire_lead_id: l.id }),
      }),
    ]);
    // The private-app token went as a bearer token, and never comes back out of the gate.
    const token = (env as unknown as Record<string, string>)["HUBSPOT_DEMO_PRIVATE_APP_TOKEN"] ?? "";
    expect((await received(b.id)).at(-1)?.headers["authorization"]).toBe(`Bearer ${token}`);
    expect(r.request?.headers["Authorization"]).toBe("Bearer ****");
    expect(JSON.stringify(r)).not.toContain(token);
  });

  it("validation error: VALIDATION_ERROR with the property's code and name is the attempt's reason", async () => {
    // A config mistake: a property the portal does not have.
    const b = demoBuyer("demo-hubspot-contacts", (raw) => {
      (raw.mapping as { fields: unknown[] }).fields.push({ to: "properties.credit_band", value: "A" });
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "client", statusCode: 400 });
    expect(r.reason).toMatch(/^client error \(400\): PROPERTY_DOESNT_EXIST: Property "credit_band" does not exist \(fields: credit_band\); VALIDATION_ERROR: /);
  });

  it("duplicate: 409 CONFLICT is rejected, the reason naming the existing contact", async () => {
    const b = demoBuyer("demo-hubspot-contacts");
    const g = gate(b);
    const first = await g.deliver(input(b, { lead: lead({ email: "dup@example.com" }) }));
    const second = await g.deliver(input(b, { lead: lead({ email: "dup@example.com" }) }));
    expect(second).toMatchObject({
      outcome: "rejected",
      errorClass: "rejected",
      statusCode: 409,
      reason: `CONFLICT: Contact already exists. Existing ID: ${first.buyerLeadId}`,
    });
  });

  it("expired token: EXPIRED_AUTHENTICATION → one refresh, one resend, sold", async () => {
    const b = oauthBuyer();
    const g = gate(b);
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    await crmControl("hubspot", b.id, { expireTokens: true });
    const r = await g.deliver(input(b));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201 });
    expect((await recorded(b.id)).map((x) => [x.behavior, x.status])).toEqual([
      ["hubspot:token", 200],
      ["hubspot:contacts", 201],
      ["hubspot:contacts", 401],
      ["hubspot:token", 200],
      ["hubspot:contacts", 201],
    ]);
    expect((await crmControl<HsState>("hubspot", b.id)).tokenRequests).toBe(2);
  });

  it("rate limit: a 429 is transient with Retry-After from the headers, and holds every send to the portal until then", async () => {
    const b = demoBuyer("demo-hubspot-contacts");
    const g = gate(b);
    await setGateClock(g, 0);
    await crmControl("hubspot", b.id, { rateLimit: { max: 1, intervalMs: 10_000 } });
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    const limited = await g.deliver(input(b));
    expect(limited).toMatchObject({
      outcome: "failed",
      errorClass: "transient",
      statusCode: 429,
      reason: "rate limited by the buyer (429): RATE_LIMIT: You have reached your ten_secondly_rolling limit. (policy: TEN_SECONDLY_ROLLING)",
    });
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(9);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(10);
    // A 429 is no health failure, and the gate waits instead of sending.
    expect(limited.circuit).toBe("closed");
    const held = await g.deliver(input(b));
    expect(held).toMatchObject({ outcome: "deferred", sent: false });
    expect((await recorded(b.id)).filter((x) => x.behavior === "hubspot:contacts")).toHaveLength(2);
  });

  it("rate limit without Retry-After: the wait is read from X-HubSpot-RateLimit-Interval-Milliseconds", async () => {
    const b = demoBuyer("demo-hubspot-contacts");
    await crmControl("hubspot", b.id, { rateLimit: { max: 0, intervalMs: 10_000, retryAfter: false } });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "transient", statusCode: 429, retryAfterSeconds: 10 });
    expect(r.response?.headers["retry-after"]).toBeUndefined();
  });
});
