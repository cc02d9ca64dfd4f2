import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { PAUSED_CACHE_MS, pauseBuyer, resumeBuyer } from "../../../src/db/buyer-overrides";
import { uid } from "../helpers/buyers";
import { countingShards } from "../helpers/counting";
import { mockRequests } from "../helpers/engine";
import { sampleLead } from "../helpers/sources";
import { bidder, sourceWithTerms } from "./helpers";

/** The ping's non-identifying part of the sample lead. */
function pingOf(lead: Record<string, unknown>) {
  const address = lead.address as Record<string, unknown>;
  return { vertical: lead.vertical, address: { state: address.state, zip: address.zip }, fields: lead.fields };
}

/**
 * A ping has one D1 round trip of its own (the auction's record): the paused buyers come from
 * this isolate's copy, which a pause or resume made here clears at once.
 */
describe("ping: paused buyers", () => {
  it("a buyer paused or resumed is left out of, or back in, the very next ping; a warm ping costs one D1 round trip", async () => {
    const a = uid("pz-a");
    const b = uid("pz-b");
    const buyers = [bidder(a, { price: 50 }, "accept"), bidder(b, { price: 40 }, "accept")];
    const { dbs, count } = countingShards(env as unknown as { DB: D1Database; DB_LEADS_1: D1Database });
    const testEnv = { ...env, ...dbs, BUYER_CONFIGS: JSON.stringify(buyers) } as unknown as Env;
    const app = createApp();
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 600 });
    const ping = async () => {
      const res = await app.request(
        "/v1/ping",
        { method: "POST", headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(pingOf(sampleLead())) },
        testEnv,
      );
      expect(res.status).toBe(200);
      return res.json<{ status: string; price?: number }>();
    };
    const pinged = async (id: string) => (await mockRequests(id)).filter((r) => r.behavior === "bid").length;

    expect(await ping()).toMatchObject({ status: "bid", price: 45 });
    const before = count.roundTrips;
    expect(await ping()).toMatchObject({ status: "bid", price: 45 });
    expect(count.roundTrips - before).toBe(1);
    expect(await pinged(a)).toBe(2);

    await pauseBuyer(testEnv, a, "operator", Date.now());
    expect(await ping()).toMatchObject({ status: "bid", price: 35 });
    expect(await pinged(a)).toBe(2);
    expect(await pinged(b)).toBe(3);

    await resumeBuyer(testEnv, a);
    expect(await ping()).toMatchObject({ status: "bid", price: 45 });
    expect(await pinged(a)).toBe(3);
  });

  it("a pause made elsewhere (another isolate) is seen once this isolate's copy lapses", async () => {
    const a = uid("pz-c");
    const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify([bidder(a, { price: 50 }, "accept")]) } as unknown as Env;
    const app = createApp();
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 600 });
    const ping = async () =>
      (
        await app.request(
          "/v1/ping",
          {
            method: "POST",
            headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" },
            body: JSON.stringify(pingOf(sampleLead())),
          },
          testEnv,
        )
      ).json<{ status: string }>();
    expect(await ping()).toMatchObject({ status: "bid" });
    // Another isolate's pause: the row written without this isolate's copy being cleared.
    await env.DB.prepare("INSERT INTO buyer_overrides (buyer_id, status, reason, updated_at) VALUES (?, 'paused', 'elsewhere', ?)")
      .bind(a, new Date().toISOString())
      .run();
    await new Promise((r) => setTimeout(r, PAUSED_CACHE_MS + 50));
    expect(await ping()).toMatchObject({ status: "no_bid" });
  });
});
