import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gate, gateBuyer, input, received, uid } from "./fixtures";

/** OAuth 2.0 client credentials against the mock's token endpoint (any non-empty secret is accepted). */
function oauthBuyer(behavior: string, query: Record<string, string> = {}) {
  return gateBuyer(
    uid("oauth"),
    behavior,
    {
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: `${env.MOCK_BUYER_ORIGIN}/oauth/token`,
        clientId: "leadwire",
        // Any Worker secret will do for the mock; ADMIN_TOKEN is set in the test config.
        clientSecret: { secret: "ADMIN_TOKEN" },
      },
    },
    query,
  );
}

const bearer = (h: Record<string, string>) => h["authorization"] ?? "";

describe("OAuth tokens in the BuyerGate", () => {
  it("fetches one token, also for concurrent first deliveries, and reuses it", async () => {
    const b = oauthBuyer("oauth");
    const g = gate(b);
    const first = await Promise.all(Array.from({ length: 5 }, () => g.deliver(input(b))));
    const later = [await g.deliver(input(b)), await g.deliver(input(b))];
    for (const r of [...first, ...later]) expect(r.outcome).toBe("accepted");
    const got = await received(b.id);
    expect(got).toHaveLength(7);
    const tokens = new Set(got.map((r) => bearer(r.headers)));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^Bearer mbat_/);
  });

  it("on a 401 refreshes the token once and resends once, in the same attempt", async () => {
    // Each token is good for two requests.
    const b = oauthBuyer("oauth", { expireAfter: "2" });
    const g = gate(b);
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    expect((await g.deliver(input(b))).outcome).toBe("accepted");
    const third = await g.deliver(input(b));
    expect(third).toMatchObject({ outcome: "accepted", statusCode: 200 });
    const got = await received(b.id);
    expect(got.map((r) => r.status)).toEqual([200, 200, 401, 200]);
    const [a1, a2, a3, b1] = got.map((r) => bearer(r.headers));
    expect(a1).toBe(a2);
    expect(a3).toBe(a1);
    expect(b1).not.toBe(a1);
    // The attempt reports the request that was actually answered, with the token masked: the
    // buyer's credentials never leave its gate.
    const reported = third.request?.headers["Authorization"] ?? third.request?.headers["authorization"];
    expect(reported).toBe("Bearer ****");
    expect(JSON.stringify(third)).not.toContain(String(b1).slice("Bearer ".length));
  });

  it("a 401 that survives the refresh is a client error after exactly one resend", async () => {
    const b = oauthBuyer("unauthorized");
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "client", statusCode: 401 });
    expect(await received(b.id)).toHaveLength(2);
  });

  it("a refused token request is a config fault and nothing reaches the buyer", async () => {
    const b = gateBuyer(uid("badtok"), "oauth", {
      auth: { type: "oauth2_client_credentials", tokenUrl: `${env.MOCK_BUYER_ORIGIN}/nope/token`, clientId: "x", clientSecret: { secret: "ADMIN_TOKEN" } },
    });
    const r = await gate(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", sent: false });
    expect(r.errorClass).toBe("config");
    expect(await received(b.id)).toHaveLength(0);
  });
});
