import { describe, expect, it } from "vitest";
import { uid } from "../helpers/buyers";
import { leadRow, mockRequests, testClock } from "../helpers/engine";
import { ADMIN, sampleLead } from "../helpers/sources";
import { appWith, bidder, bidRows, salesRows, sourceWithTerms } from "./helpers";

interface ErrorBody {
  error: { code: string; message: string; issues: { path: string; message: string }[] };
}

/** What a source pings with: the lead's non-identifying part. */
function pingOf(lead: Record<string, unknown>) {
  const address = lead.address as Record<string, unknown>;
  return { vertical: lead.vertical, address: { state: address.state, zip: address.zip, city: address.city }, homeowner: lead.homeowner, fields: lead.fields };
}

describe("inbound exchange: POST /v1/ping, POST /v1/post", () => {
  it("prices a ping after the source's margin, sells the posted lead to that bid, records the payout; refuses a post whose ZIP differs and a reused ping id", async () => {
    const best = uid("xbest");
    const second = uid("xsecond");
    const { call, app, env: testEnv } = appWith([bidder(best, { price: 60, bidId: "X-60" }, "accept"), bidder(second, { price: 40 }, "accept")]);
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 600 });
    const lead = sampleLead();

    const pinged = await call("/v1/ping", src.apiKey, pingOf(lead));
    expect(pinged.status).toBe(200);
    const offer = await pinged.json<{ ping_id: string; status: string; price: number; expires_at: string; mode: string }>();
    expect(offer).toMatchObject({ status: "bid", mode: "exclusive", price: 55 });
    expect(offer.ping_id).toMatch(/^png_/);
    expect(Date.parse(offer.expires_at)).toBeGreaterThan(Date.now());
    // The source never learns who bid.
    expect(JSON.stringify(offer)).not.toContain(best);
    // The ping itself carried no personal data to the buyers.
    const sentPing = (await mockRequests(best)).find((r) => r.behavior === "bid");
    expect(JSON.parse(sentPing?.body ?? "{}")).toEqual({ vertical: "auto_insurance", state: "TX", zip: "75201" });

    const wrongZip = await call("/v1/post", src.apiKey, {
      ping_id: offer.ping_id,
      lead: { ...lead, address: { ...(lead.address as object), zip: "75202-1234" } },
    });
    expect(wrongZip.status).toBe(409);
    const err = await wrongZip.json<ErrorBody>();
    expect(err.error.issues).toEqual([{ path: "lead.address.zip", message: 'does not match the ping: pinged "75201", posted "75202"' }]);
    expect((await mockRequests(best)).filter((r) => r.behavior === "accept")).toHaveLength(0);

    const posted = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id, lead });
    expect(posted.status).toBe(200);
    const sold = await posted.json<{ id: string; status: string; payout: number; ping_id: string }>();
    expect(sold).toMatchObject({ status: "sold", payout: 55, ping_id: offer.ping_id });
    expect(await leadRow(sold.id)).toMatchObject({ status: "sold", sold_buyer_id: best, sold_price: 60 });
    expect(await salesRows(sold.id)).toEqual([expect.objectContaining({ buyer_id: best, price: 60, payout: 55, buyer_bid_id: "X-60" })]);
    const postBody = JSON.parse((await mockRequests(best)).find((r) => r.behavior === "accept")?.body ?? "{}");
    expect(postBody).toMatchObject({ bid_id: "X-60", bid_price: 60, phone: "2147153718" });

    // The source's view of its lead: the payout, never the buyer or its price.
    const view = await app.request(`/v1/leads/${sold.id}`, { headers: { authorization: `Bearer ${src.apiKey}` } }, testEnv);
    const seen = await view.json<Record<string, unknown>>();
    expect(seen).toMatchObject({ status: "sold", payout: 55 });
    expect(JSON.stringify(seen)).not.toContain(best);
    // No value anywhere is the buyer's price (a JSON number 60), and there is no sale block.
    expect(JSON.stringify(seen)).not.toMatch(/:60(\.0+)?[,}\]]/);
    expect(seen).not.toHaveProperty("sold");

    const reused = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id, lead: { ...lead, external_id: "another" } });
    expect(reused.status).toBe(409);
    expect((await reused.json<ErrorBody>()).error.issues[0]).toMatchObject({ path: "ping_id", message: expect.stringContaining("already used") });
    expect((await mockRequests(best)).filter((r) => r.behavior === "accept")).toHaveLength(1);

    // Operators see the money per source and the buyer's auction figures.
    const m = await app.request("/v1/metrics?window=1h", { headers: { authorization: `Bearer ${ADMIN}` } }, testEnv);
    const metrics = await m.json<{ pingPost: { sources: { sourceId: string; revenue: number; payout: number; margin: number }[] } }>();
    expect(metrics.pingPost.sources.find((s) => s.sourceId === src.id)).toMatchObject({ revenue: 60, payout: 55, margin: 5 });
    const b = await app.request(`/v1/buyers/${best}/bids`, { headers: { authorization: `Bearer ${ADMIN}` } }, testEnv);
    const bids = await b.json<{ summary: Record<string, unknown>; bids: unknown[] }>();
    expect(bids.summary).toMatchObject({ bids: 1, won: 1, posts: 1, pingToPostAcceptance: 1, revenue: 60 });
  });

  it("refuses an expired ping, a ping with personal data (400 naming the field), and answers no bid plainly", async () => {
    const slow = uid("xexp");
    const clock = testClock();
    const { call } = appWith([bidder(slow, { price: 30, expiresIn: 600 }, "accept")], clock);
    const src = await sourceWithTerms({ payout: { type: "share", percent: 90 }, pingTtlSeconds: 30, auctionDeadlineMs: 600 });
    const lead = sampleLead();
    const offer = await (await call("/v1/ping", src.apiKey, pingOf(lead))).json<{ ping_id: string; price: number }>();
    expect(offer.price).toBe(27);
    clock.advance(31_000);
    const late = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id, lead });
    expect(late.status).toBe(409);
    expect((await late.json<ErrorBody>()).error.issues[0]).toMatchObject({ path: "ping_id", message: expect.stringContaining("expired") });

    const pii = await call("/v1/ping", src.apiKey, { ...pingOf(lead), email: "a@b.com" });
    expect(pii.status).toBe(400);
    expect(JSON.stringify(await pii.json())).toContain("email");

    const none = await call("/v1/ping", src.apiKey, { ...pingOf(lead), vertical: "health" });
    expect(await none.json()).toMatchObject({ status: "no_bid", reason: "no eligible buyer for this lead" });

    const noTerms = await (await import("../helpers/sources")).newSource("No terms");
    expect((await call("/v1/ping", noTerms.apiKey, pingOf(lead))).status).toBe(403);
  });

  it("shared mode: the ping lists every live bid with its own id; the post sells to the bids the source chose", async () => {
    const a = uid("xa");
    const b = uid("xb");
    const c = uid("xc");
    const { call } = appWith([bidder(a, { price: 50 }, "accept"), bidder(b, { price: 40 }, "accept"), bidder(c, { price: 30 }, "accept")]);
    const src = await sourceWithTerms({ mode: "shared", maxBuyers: 2, payout: { type: "margin", amount: 10 }, auctionDeadlineMs: 600 });
    const lead = sampleLead();
    const offer = await (await call("/v1/ping", src.apiKey, pingOf(lead))).json<{ ping_id: string; bids: { bid_id: string; price: number }[] }>();
    expect(offer.bids.map((x) => x.price)).toEqual([40, 30, 20]);
    const chosen = [offer.bids[0]?.bid_id, offer.bids[2]?.bid_id];
    const res = await call("/v1/post", src.apiKey, { ping_id: offer.ping_id, bid_ids: chosen, lead });
    const sold = await res.json<{ id: string; status: string; payout: number }>();
    expect(sold).toMatchObject({ status: "sold", payout: 60 });
    expect((await salesRows(sold.id)).map((s) => s.buyer_id)).toEqual([a, c]);
    expect((await mockRequests(b)).filter((r) => r.behavior === "accept")).toHaveLength(0);
    const rows = await bidRows(offer.ping_id);
    expect(rows.filter((r) => r.post_state === "accepted").map((r) => r.buyer_id)).toEqual([a, c]);
  });
});
