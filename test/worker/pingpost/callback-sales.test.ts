import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import type { Clock } from "../../../src/core/clock";
import { applyBuyerDecision } from "../../../src/delivery/callbacks";
import { sweepLeads } from "../../../src/delivery/sweep";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { handleEventsBatch } from "../../../src/webhooks/consumer";
import type { EventJob } from "../../../src/webhooks/jobs";
import { mockCallbackWebhook } from "../../mock-buyer/contract";
import { uid } from "../helpers/buyers";
import { deliverJobs, leadRow, type MockRequest, mockRequests, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { ADMIN } from "../helpers/sources";
import { post, signed, webhookHarness } from "../webhooks/helpers";
import { bidder, salesRows, sourceWithTerms } from "./helpers";

type Harness = ReturnType<typeof webhookHarness>;

/**
 * A ping/post buyer whose post is only acknowledged (202): the mock buyer then sends its signed
 * `lead.decision` (accept or reject, at `callbackPrice`) — to a sink at the mock, so the test can
 * hand the buyer's exact request to Leadwire's webhook route (workerd listens on no port here).
 */
function asyncBidder(id: string, bid: { price: number; bidId: string }, decision: "accept" | "reject", sink: string, callbackPrice = 30): BuyerConfigInput {
  return bidder(
    id,
    bid,
    "async",
    { endpoint: { mode: "async", ackTimeoutSeconds: 600, timeoutMs: 2000 }, webhook: mockCallbackWebhook("HARBOR_WEBHOOK_SECRET") },
    { decision, delayMs: "0", price: String(callbackPrice), callback: `${env.MOCK_BUYER_ORIGIN}/b/${sink}/accept` },
  );
}

/** The callback the mock buyer sent to the sink (it sends it right after its 202; bounded wait). */
async function callbackAt(sink: string): Promise<MockRequest> {
  for (let i = 0; i < 200; i++) {
    const sent = (await mockRequests(sink))[0];
    if (sent) return sent;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the mock buyer sent no callback to ${sink}`);
}

/** Hands the buyer's signed request to the webhook route, as it would arrive; returns the queued job. */
async function deliverCallback(h: Harness, buyerId: string, sent: MockRequest, clock: Clock): Promise<EventJob> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const k of ["webhook-id", "webhook-timestamp", "webhook-signature"]) headers[k] = sent.headers[k] ?? "";
  const res = await post(h.env, buyerId, sent.body, headers, clock);
  expect(res.status).toBe(200);
  const job = h.events.sent.at(-1)?.body as EventJob | undefined;
  if (!job) throw new Error("the callback was not queued");
  return job;
}

/** The events consumer on one job, as the queue runs it (at-least-once: tests run it twice). */
async function consume(h: Harness, job: EventJob, clock: Clock) {
  const batch = createMessageBatch<EventJob>("leadwire-events", [{ id: crypto.randomUUID(), timestamp: clock.now(), attempts: 1, body: job }]);
  const ctx = createExecutionContext();
  await handleEventsBatch(batch, h.env, ctx, clock);
  return getQueueResult(batch, ctx);
}

async function bidOf(leadId: string, buyerId: string) {
  return leadD1(leadId)
    .prepare("SELECT b.post_state, b.buyer_bid_id FROM bids b JOIN pings p ON p.id = b.ping_id WHERE p.lead_id = ? AND b.buyer_id = ?")
    .bind(leadId, buyerId)
    .first<{ post_state: string | null; buyer_bid_id: string | null }>();
}

interface Metrics {
  buyers: { buyerId: string; sold: number; revenue: number }[];
  pingPost: {
    sources: { sourceId: string; sales: number; revenue: number; payout: number; margin: number }[];
    buyers: { buyerId: string; sales: number; revenue: number; payout: number; won: number }[];
  };
}

async function metrics(h: Harness, clock: Clock): Promise<Metrics> {
  const res = await createApp({ clock }).request("/v1/metrics?window=1h", { headers: { authorization: `Bearer ${ADMIN}` } }, h.env);
  expect(res.status).toBe(200);
  return res.json<Metrics>();
}

describe("sales decided by the buyer's callback (ping/post)", () => {
  it("an accepting callback records the sale once — at the bid's price and id, with the source's payout — and /v1/metrics counts it; replays add nothing", async () => {
    const slow = uid("cb-sold");
    const sink = uid("cb-sink");
    const low = uid("cb-low");
    const h = webhookHarness([asyncBidder(slow, { price: 45, bidId: "CB-45" }, "accept", sink), bidder(low, { price: 20 }, "accept")]);
    const clock = testClock();
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 5 }, auctionDeadlineMs: 1000 });
    const leadId = await storeLead(h.env, clock, {}, src);

    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId })).toMatchObject({ status: "pending", buyer: slow });
    expect(await salesRows(leadId)).toEqual([]);
    const sent = await callbackAt(sink);
    // The buyer's callback says accepted at 30: the sale stays at its bid of 45.
    expect(JSON.parse(sent.body)).toMatchObject({ type: "lead.decision", decision: "accepted", price: 30 });
    const job = await deliverCallback(h, slow, sent, clock);
    expect((await consume(h, job, clock)).explicitAcks).toHaveLength(1);

    expect(await leadRow(leadId)).toMatchObject({ status: "sold", sold_buyer_id: slow, sold_price: 45 });
    const deliveryId = (await mockRequests(slow)).find((r) => r.behavior === "async")?.headers["x-leadwire-delivery-id"];
    expect(await salesRows(leadId)).toEqual([
      expect.objectContaining({
        buyer_id: slow,
        source_id: src.id,
        delivery_id: deliveryId,
        price: 45,
        payout: 40,
        buyer_bid_id: "CB-45",
        bid_id: expect.stringMatching(/^bid_/),
        ping_id: expect.stringMatching(/^png_/),
      }),
    ]);
    expect(await bidOf(leadId, slow)).toEqual({ post_state: "accepted", buyer_bid_id: "CB-45" });

    // The same request again (webhook dedupe), the same queued job again (at-least-once), and the
    // buyer re-sending its decision under a new event id: none adds a sale.
    const again = await post(h.env, slow, sent.body, { ...sent.headers, "content-type": "application/json" }, clock);
    expect(again.status).toBe(200);
    await consume(h, job, clock);
    const resent = JSON.stringify({ ...JSON.parse(sent.body), id: "evt_resent" });
    const res = await post(h.env, slow, resent, signed(resent, { secret: env.HARBOR_WEBHOOK_SECRET, ts: Math.floor(clock.now() / 1000) }), clock);
    expect(res.status).toBe(200);
    const resentJob = h.events.sent.at(-1)?.body as EventJob;
    expect(resentJob.webhookEventId).not.toBe(job.webhookEventId);
    await consume(h, resentJob, clock);
    expect(await salesRows(leadId)).toHaveLength(1);
    expect((await mockRequests(low)).filter((r) => r.behavior === "accept")).toHaveLength(0);

    // Operators: revenue, payout and margin of the source and the buyer count this one sale.
    const m = await metrics(h, clock);
    expect(m.pingPost.sources.find((s) => s.sourceId === src.id)).toEqual({
      sourceId: src.id,
      leadsSold: 1,
      sales: 1,
      revenue: 45,
      payout: 40,
      margin: 5,
    });
    expect(m.pingPost.buyers.find((b) => b.buyerId === slow)).toMatchObject({ sales: 1, revenue: 45, payout: 40, won: 1 });
    expect(m.buyers.find((b) => b.buyerId === slow)).toMatchObject({ sold: 1, revenue: 45 });
  });

  it("a rejecting callback records no sale, marks the bid rejected, and the lead is posted to the next bid, which is recorded at its own bid", async () => {
    const picky = uid("cb-rej");
    const sink = uid("cb-rsink");
    const next = uid("cb-next");
    const h = webhookHarness([asyncBidder(picky, { price: 50, bidId: "R-50" }, "reject", sink), bidder(next, { price: 35, bidId: "N-35" }, "accept")]);
    const clock = testClock();
    const src = await sourceWithTerms({ payout: { type: "share", percent: 80 }, auctionDeadlineMs: 1000 });
    const leadId = await storeLead(h.env, clock, {}, src);

    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId })).toMatchObject({ status: "pending", buyer: picky });
    const job = await deliverCallback(h, picky, await callbackAt(sink), clock);
    await consume(h, job, clock);
    expect(await salesRows(leadId)).toEqual([]);
    expect((await leadRow(leadId))?.status).toBe("queued");
    expect(await bidOf(leadId, picky)).toEqual({ post_state: "rejected", buyer_bid_id: "R-50" });

    const cascade = deliverJobs(h.deliveries.sent).at(-1)?.body;
    if (!cascade) throw new Error("the rejection did not send the lead on");
    expect(await processDeliveryJob(h.env, clock, cascade)).toMatchObject({ status: "sold", buyer: next, price: 35 });
    expect(await salesRows(leadId)).toEqual([expect.objectContaining({ buyer_id: next, price: 35, payout: 28, buyer_bid_id: "N-35" })]);
    const m = await metrics(h, clock);
    expect(m.pingPost.sources.find((s) => s.sourceId === src.id)).toMatchObject({ sales: 1, revenue: 35, payout: 28, margin: 7 });
  });

  it("a post the buyer never decides: the sweep expires it after its acknowledgement timeout, its bid ends failed, and the lead goes on to the next bid", async () => {
    const silent = uid("cb-silent");
    const sink = uid("cb-ssink");
    const next = uid("cb-snext");
    const h = webhookHarness([
      asyncBidder(silent, { price: 45, bidId: "S-45" }, "accept", sink),
      bidder(next, { price: 30, bidId: "N-30", expiresIn: 3600 }, "accept"),
    ]);
    const clock = testClock();
    const src = await sourceWithTerms({ payout: { type: "share", percent: 80 }, auctionDeadlineMs: 1000 });
    const leadId = await storeLead(h.env, clock, {}, src);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId })).toMatchObject({ status: "pending", buyer: silent });
    expect(await bidOf(leadId, silent)).toEqual({ post_state: null, buyer_bid_id: "S-45" });

    clock.advance(599_000);
    expect((await sweepLeads(h.env, clock)).ackExpired).toBe(0);
    expect((await bidOf(leadId, silent))?.post_state).toBeNull();
    clock.advance(2_000);
    expect((await sweepLeads(h.env, clock)).ackExpired).toBe(1);
    expect((await bidOf(leadId, silent))?.post_state).toBe("failed");

    const cascade = deliverJobs(h.deliveries.sent).at(-1)?.body;
    if (!cascade) throw new Error("the sweep did not send the lead on");
    expect(await processDeliveryJob(h.env, clock, cascade)).toMatchObject({ status: "sold", buyer: next, price: 30 });
    expect(await bidOf(leadId, next)).toEqual({ post_state: "accepted", buyer_bid_id: "N-30" });
    expect(await salesRows(leadId)).toEqual([expect.objectContaining({ buyer_id: next, price: 30, buyer_bid_id: "N-30" })]);
  });

  it("a callback racing the acknowledgement-timeout sweep: one of them settles the delivery, and a sale row exists exactly when the lead was sold", async () => {
    const slow = uid("cb-race");
    const sink = uid("cb-race-sink");
    const h = webhookHarness([asyncBidder(slow, { price: 40, bidId: "RACE-40" }, "accept", sink)]);
    const clock = testClock();
    const src = await sourceWithTerms({ payout: { type: "margin", amount: 4 }, auctionDeadlineMs: 1000 });
    const leadId = await storeLead(h.env, clock, {}, src);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId })).toMatchObject({ status: "pending", buyer: slow });
    const deliveryId = JSON.parse((await callbackAt(sink)).body).delivery_id as string;

    clock.advance(601_000);
    const [swept, decided] = await Promise.all([
      sweepLeads(h.env, clock),
      applyBuyerDecision(h.env, clock, { buyerId: slow, deliveryId, decision: "accepted" }),
    ]);
    const claim = await leadD1(leadId).prepare("SELECT state FROM lead_buyers WHERE delivery_id = ?").bind(deliveryId).first<{ state: string }>();
    const sales = await salesRows(leadId);
    if (decided === "settled") {
      expect(claim?.state).toBe("accepted");
      expect(sales).toEqual([expect.objectContaining({ buyer_id: slow, price: 40, payout: 36, buyer_bid_id: "RACE-40" })]);
      expect((await bidOf(leadId, slow))?.post_state).toBe("accepted");
    } else {
      expect(decided).toBe("late");
      expect(swept.ackExpired).toBeGreaterThanOrEqual(1);
      expect(claim?.state).toBe("expired");
      expect(sales).toEqual([]);
      expect((await bidOf(leadId, slow))?.post_state).toBe("failed");
    }
    // Whoever lost, a late repeat of the decision changes nothing.
    expect(await applyBuyerDecision(h.env, clock, { buyerId: slow, deliveryId, decision: "accepted" })).toBe("late");
    expect(await salesRows(leadId)).toHaveLength(decided === "settled" ? 1 : 0);
  });
});
