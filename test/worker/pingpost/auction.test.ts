import { describe, expect, it } from "vitest";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { bidder, bidRows, pingOfLead, salesRows, sourceWithTerms } from "./helpers";

describe("ping/post auction (outbound, mock buyers over HTTP)", () => {
  it("posts to the highest bid in time, then down the bids: a late bid is ignored, a rejected post cascades, the sale is at the bid's price with its bid id", async () => {
    const late = uid("late");
    const top = uid("top");
    const next = uid("next");
    const low = uid("low");
    const h = harness([
      // The highest bid, but it answers after the 400 ms auction deadline: recorded late, never posted.
      bidder(late, { price: 90, bidId: "L-1", delayMs: 900 }, "accept"),
      bidder(top, { price: 60, bidId: "T-1", delayMs: 50 }, "reject", {}, { reason: "Already have this consumer" }),
      // The post answers a different price: the sale is at the bid's 45.
      bidder(next, { price: 45, bidId: "N-7", delayMs: 20 }, "accept", {}, { price: "99" }),
      bidder(low, { price: 30, bidId: "W-2" }, "accept"),
    ]);
    const src = await sourceWithTerms({ auctionDeadlineMs: 400 });
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, src);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: next, price: 45, buyerLeadId: expect.stringMatching(/^MB-/) });

    // Every buyer was pinged once; only the top two bids in time got the post.
    for (const b of [late, top, next, low]) expect((await mockRequests(b)).filter((r) => r.behavior === "bid")).toHaveLength(1);
    expect((await mockRequests(late)).filter((r) => r.behavior !== "bid")).toHaveLength(0);
    expect((await mockRequests(low)).filter((r) => r.behavior !== "bid")).toHaveLength(0);
    const topPosts = (await mockRequests(top)).filter((r) => r.behavior === "reject");
    const nextPosts = (await mockRequests(next)).filter((r) => r.behavior === "accept");
    expect(topPosts).toHaveLength(1);
    expect(nextPosts).toHaveLength(1);
    // The post carries the bid it answers; the ping carried no personal data.
    expect(JSON.parse(nextPosts[0]?.body ?? "{}")).toMatchObject({ bid_id: "N-7", bid_price: 45, email: "liam.obrien@example.com" });
    const ping = (await mockRequests(next)).find((r) => r.behavior === "bid");
    expect(JSON.parse(ping?.body ?? "{}")).toEqual({ vertical: "auto_insurance", state: "TX", zip: "75201" });
    expect(ping?.headers["x-leadwire-ping-id"]).toMatch(/^png_/);

    const lead = await leadRow(id);
    expect(lead).toMatchObject({ status: "sold", sold_buyer_id: next, sold_price: 45 });
    const sales = await salesRows(id);
    expect(sales).toHaveLength(1);
    expect(sales[0]).toMatchObject({ buyer_id: next, price: 45, buyer_bid_id: "N-7" });

    const auction = await pingOfLead(id);
    const bids = await bidRows(String(auction?.id));
    const byBuyer = Object.fromEntries(bids.map((b) => [b.buyer_id, b]));
    expect(byBuyer[late]).toMatchObject({ outcome: "late", price: null, post_state: null });
    expect(byBuyer[top]).toMatchObject({ outcome: "bid", price: 60, buyer_bid_id: "T-1", post_state: "rejected" });
    expect(byBuyer[next]).toMatchObject({ outcome: "bid", price: 45, buyer_bid_id: "N-7", post_state: "accepted" });
    expect(byBuyer[low]).toMatchObject({ outcome: "bid", price: 30, post_state: null });
    expect(Number(byBuyer[next]?.latency_ms)).toBeGreaterThanOrEqual(15);
    // The auction did not wait for the late bidder past its deadline.
    expect(Number(auction?.elapsed_ms)).toBeLessThan(850);
  });

  it("skips a bid that expired before its turn and posts the next one", async () => {
    const shortLived = uid("short");
    const steady = uid("steady");
    const h = harness([
      bidder(shortLived, { price: 80, bidId: "S-1", expiresIn: 5 }, "accept"),
      bidder(steady, { price: 55, bidId: "D-1", expiresIn: 600 }, "accept"),
    ]);
    const src = await sourceWithTerms({ auctionDeadlineMs: 500 });
    // Our clock runs 10 s ahead of the bidders': the 5-second bid is over by the time it is posted.
    const clock = testClock(Date.now() + 10_000);
    const id = await storeLead(h.env, clock, {}, src);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: steady, price: 55 });
    expect((await mockRequests(shortLived)).map((r) => r.behavior)).toEqual(["bid"]);
    const bids = await bidRows(String((await pingOfLead(id))?.id));
    expect(bids.find((b) => b.buyer_id === shortLived)).toMatchObject({ outcome: "bid", post_state: "expired" });
    expect(JSON.parse(String((await leadRow(id))?.outcome_reasons))).toContainEqual({ buyerId: shortLived, reason: "bid expired before its turn" });
  });

  it("lets direct-post buyers compete at their configured price", async () => {
    const pinger = uid("pinger");
    const fixed = uid("fixed");
    const h = harness([bidder(pinger, { price: 35 }, "accept"), testBuyer(fixed, "accept", { price: 50 })]);
    const src = await sourceWithTerms({ auctionDeadlineMs: 500 });
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, src);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: fixed, price: 50 });
    const bids = await bidRows(String((await pingOfLead(id))?.id));
    expect(bids.map((b) => [b.buyer_id, b.kind, b.price])).toEqual([
      [fixed, "fixed", 50],
      [pinger, "ping", 35],
    ]);
    expect((await mockRequests(pinger)).map((r) => r.behavior)).toEqual(["bid"]);
  });

  it("shared mode: sells to the top two bids, one post each with its own delivery and key, revenue the sum", async () => {
    const a = uid("sa");
    const b = uid("sb");
    const c = uid("sc");
    const h = harness([
      bidder(a, { price: 70, bidId: "A" }, "accept"),
      bidder(b, { price: 50, bidId: "B" }, "accept"),
      bidder(c, { price: 40, bidId: "C" }, "accept"),
    ]);
    const src = await sourceWithTerms({ mode: "shared", maxBuyers: 2, auctionDeadlineMs: 500, payout: { type: "share", percent: 80 } });
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, src);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: a, price: 120 });
    const postsA = (await mockRequests(a)).filter((r) => r.behavior === "accept");
    const postsB = (await mockRequests(b)).filter((r) => r.behavior === "accept");
    expect(postsA).toHaveLength(1);
    expect(postsB).toHaveLength(1);
    expect((await mockRequests(c)).filter((r) => r.behavior === "accept")).toHaveLength(0);
    expect(postsA[0]?.headers["idempotency-key"]).toBe(`lw-${id}-${a}`);
    expect(postsB[0]?.headers["idempotency-key"]).toBe(`lw-${id}-${b}`);
    expect(postsA[0]?.headers["x-leadwire-delivery-id"]).not.toBe(postsB[0]?.headers["x-leadwire-delivery-id"]);
    const sales = await salesRows(id);
    expect(sales.map((s) => [s.buyer_id, s.price, s.payout, s.buyer_bid_id])).toEqual([
      [a, 70, 56, "A"],
      [b, 50, 40, "B"],
    ]);
    expect(await leadRow(id)).toMatchObject({ status: "sold", sold_price: 120 });
    const claims = await leadD1(id).prepare("SELECT buyer_id, state FROM lead_buyers WHERE lead_id = ? ORDER BY buyer_id").bind(id).all();
    expect(claims.results.filter((r) => r.state === "accepted")).toHaveLength(2);

    // A duplicated queue message changes nothing: the lead is sold, no buyer gets it again.
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toBe("done");
    expect((await mockRequests(a)).filter((r) => r.behavior === "accept")).toHaveLength(1);
  });

  it("records a no-bid answer and never posts to that buyer", async () => {
    const no = uid("nobid");
    const yes = uid("yes");
    const h = harness([bidder(no, { price: 99, noBid: true }, "accept"), bidder(yes, { price: 20 }, "accept")]);
    const src = await sourceWithTerms({ auctionDeadlineMs: 500 });
    const clock = testClock();
    const id = await storeLead(h.env, clock, {}, src);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: yes, price: 20 });
    const bids = await bidRows(String((await pingOfLead(id))?.id));
    expect(bids.find((r) => r.buyer_id === no)).toMatchObject({ outcome: "no_bid", reason: "Not interested" });
    expect((await mockRequests(no)).map((r) => r.behavior)).toEqual(["bid"]);
  });
});
