import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/clock";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { eventRetryDelaySeconds, handleEventsBatch, handleEventsDeadLetters, QUALITY_DELTAS } from "../../../src/webhooks/consumer";
import type { EventJob } from "../../../src/webhooks/jobs";
import type { CanonicalEvent } from "../../../src/webhooks/map";
import { mockCallbackWebhook } from "../../mock-buyer/contract";
import { testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { buyerConfig, countRows, post, signed, soldLead, webhookHarness } from "./helpers";

const DAY = 86_400_000;

/** Posts a signed callback through the app (stored + enqueued) and returns the queued job. */
async function receive(h: ReturnType<typeof webhookHarness>, buyerId: string, payload: unknown, clock: Clock): Promise<EventJob> {
  const body = JSON.stringify(payload);
  const res = await post(h.env, buyerId, body, signed(body, { ts: Math.floor(clock.now() / 1000) }), clock);
  expect(res.status).toBe(200);
  const job = h.events.sent.at(-1)?.body as EventJob | undefined;
  if (!job) throw new Error("nothing was enqueued");
  return job;
}

/** Runs the consumer on one job, as the queue would (at-least-once: tests call it twice). */
async function consume(h: ReturnType<typeof webhookHarness>, job: EventJob, clock: Clock, attempts = 1) {
  const batch = createMessageBatch<EventJob>("leadwire-events", [{ id: crypto.randomUUID(), timestamp: clock.now(), attempts, body: job }]);
  const ctx = createExecutionContext();
  await handleEventsBatch(batch, h.env, ctx, clock);
  return getQueueResult(batch, ctx);
}

async function eventStatus(job: EventJob) {
  return env.DB.prepare("SELECT status, error FROM webhook_events WHERE id = ?").bind(job.webhookEventId).first<{ status: string; error: string | null }>();
}

const score = async (sourceId: string) => env.DB.prepare("SELECT quality_score FROM sources WHERE id = ?").bind(sourceId).first<number>("quality_score");

function setup(id: string, over: Partial<BuyerConfigInput> = {}) {
  const h = webhookHarness([buyerConfig(id, over)]);
  return { h, clock: testClock(Date.parse("2026-06-10T12:00:00Z")) };
}

describe("events consumer", () => {
  it("status change: one timeline entry, even when the message is delivered twice", async () => {
    const { h, clock } = setup("wh-c-status");
    const lead = await soldLead(h.env, "wh-c-status", clock.now() - DAY);
    const job = await receive(h, "wh-c-status", { type: "lead.status", data: { lead_id: lead.buyerLeadId, status: "qualified" } }, clock);
    const r1 = await consume(h, job, clock);
    expect(r1.explicitAcks).toHaveLength(1);
    await consume(h, job, clock);
    const rows = await leadD1(lead.leadId)
      .prepare("SELECT type, buyer_id, data FROM lead_events WHERE lead_id = ? AND type = 'buyer_status'")
      .bind(lead.leadId)
      .all();
    expect(rows.results).toHaveLength(1);
    expect(JSON.parse(String(rows.results[0]?.data))).toMatchObject({ status: "qualified" });
    expect((await eventStatus(job))?.status).toBe("processed");
  });

  it("return within the window with an allowed reason: credited, returned, source score down, re-offered without the buyer", async () => {
    const { h, clock } = setup("wh-c-ret");
    const lead = await soldLead(h.env, "wh-c-ret", clock.now() - 6 * DAY, 31.5);
    const job = await receive(h, "wh-c-ret", { type: "lead.return", data: { delivery_id: lead.deliveryId, reason: "invalid_phone" } }, clock);
    await consume(h, job, clock);
    await consume(h, job, clock);

    const ret = await leadD1(lead.leadId).prepare("SELECT reason_code, credit, source_id FROM returns WHERE lead_id = ?").bind(lead.leadId).all();
    expect(ret.results).toEqual([{ reason_code: "invalid_phone", credit: 31.5, source_id: lead.sourceId }]);
    expect(
      await leadD1(lead.leadId).prepare("SELECT state FROM lead_buyers WHERE lead_id = ? AND buyer_id = ?").bind(lead.leadId, "wh-c-ret").first("state"),
    ).toBe("returned");
    const row = await leadD1(lead.leadId).prepare("SELECT status, returned_at, sold_buyer_id FROM leads WHERE id = ?").bind(lead.leadId).first();
    expect(row).toMatchObject({ status: "queued", returned_at: new Date(clock.now()).toISOString(), sold_buyer_id: null });
    expect(await score(lead.sourceId)).toBe(100 + QUALITY_DELTAS.return);
    const deliver = h.deliveries.sent.filter((m) => (m.body as { leadId?: string }).leadId === lead.leadId);
    expect(deliver).toHaveLength(1);
    expect((await eventStatus(job))?.status).toBe("processed");
  });

  it("return outside the window or with a reason not allowed: refused on the timeline, nothing credited", async () => {
    const { h, clock } = setup("wh-c-ret2");
    const late = await soldLead(h.env, "wh-c-ret2", clock.now() - 7 * DAY - 60_000);
    const lateJob = await receive(h, "wh-c-ret2", { type: "lead.return", data: { lead_id: late.buyerLeadId, reason: "invalid_phone" } }, clock);
    await consume(h, lateJob, clock);
    const badReason = await soldLead(h.env, "wh-c-ret2", clock.now() - DAY);
    const badJob = await receive(h, "wh-c-ret2", { type: "lead.return", data: { lead_id: badReason.buyerLeadId, reason: "changed_mind" } }, clock);
    await consume(h, badJob, clock);

    for (const [lead, job, why] of [
      [late, lateJob, /7-day return window/],
      [badReason, badJob, /reason code not allowed/],
    ] as const) {
      expect(await countRows("returns", "lead_id = ?", lead.leadId)).toBe(0);
      const ev = await leadD1(lead.leadId)
        .prepare("SELECT data FROM lead_events WHERE lead_id = ? AND type = 'return_refused'")
        .bind(lead.leadId)
        .first<string>("data");
      expect(JSON.parse(ev ?? "{}").why).toMatch(why);
      expect(await leadD1(lead.leadId).prepare("SELECT status FROM leads WHERE id = ?").bind(lead.leadId).first("status")).toBe("sold");
      expect(await score(lead.sourceId)).toBe(100);
      expect(await eventStatus(job)).toMatchObject({ status: "ignored" });
    }
    expect(h.deliveries.sent).toHaveLength(0);
  });

  it("return for a lead this buyer did not buy is refused", async () => {
    const { h, clock } = setup("wh-c-ret3");
    const pending = await soldLead(h.env, "wh-c-ret3", clock.now() - DAY, 20, "pending");
    const job = await receive(h, "wh-c-ret3", { type: "lead.return", data: { delivery_id: pending.deliveryId, reason: "duplicate" } }, clock);
    await consume(h, job, clock);
    expect(await countRows("returns", "lead_id = ?", pending.leadId)).toBe(0);
    expect((await eventStatus(job))?.error).toMatch(/not sold to this buyer/);
  });

  it("conversion: one row with revenue attributed to the lead's source", async () => {
    const { h, clock } = setup("wh-c-conv");
    const lead = await soldLead(h.env, "wh-c-conv", clock.now() - 3 * DAY);
    const job = await receive(h, "wh-c-conv", { type: "lead.converted", data: { lead_id: lead.buyerLeadId, revenue: "1250.75" } }, clock);
    await consume(h, job, clock);
    await consume(h, job, clock);
    const rows = await leadD1(lead.leadId).prepare("SELECT buyer_id, source_id, revenue FROM conversions WHERE lead_id = ?").bind(lead.leadId).all();
    expect(rows.results).toEqual([{ buyer_id: "wh-c-conv", source_id: lead.sourceId, revenue: 1250.75 }]);
  });

  it("feedback: a row per event and the source score moved once, clamped to 0–100", async () => {
    const { h, clock } = setup("wh-c-fb");
    const lead = await soldLead(h.env, "wh-c-fb", clock.now() - DAY);
    const wrong = await receive(h, "wh-c-fb", { type: "lead.feedback", data: { lead_id: lead.buyerLeadId, kind: "wrong_number" } }, clock);
    await consume(h, wrong, clock);
    await consume(h, wrong, clock);
    expect(await score(lead.sourceId)).toBe(100 + QUALITY_DELTAS.feedback.wrong_number);
    const great = await receive(h, "wh-c-fb", { type: "lead.feedback", data: { lead_id: lead.buyerLeadId, kind: "excellent_prospect" } }, clock);
    await consume(h, great, clock);
    // 97 + 3 = 100; one more excellent prospect stays at the 100 ceiling.
    const again = await receive(h, "wh-c-fb", { type: "lead.feedback", data: { lead_id: lead.buyerLeadId, kind: "excellent_prospect" } }, clock);
    await consume(h, again, clock);
    expect(await score(lead.sourceId)).toBe(100);
    const rows = await leadD1(lead.leadId).prepare("SELECT kind FROM feedback WHERE lead_id = ? ORDER BY kind").bind(lead.leadId).all();
    expect(rows.results.map((r) => r.kind)).toEqual(["excellent_prospect", "excellent_prospect", "wrong_number"]);
  });

  it("a callback naming no lead of ours is marked ignored and acked", async () => {
    const { h, clock } = setup("wh-c-unknown");
    const job = await receive(h, "wh-c-unknown", { type: "lead.status", data: { lead_id: "nobody", status: "contacted" } }, clock);
    const r = await consume(h, job, clock);
    expect(r.explicitAcks).toHaveLength(1);
    expect(await eventStatus(job)).toMatchObject({ status: "ignored" });
  });

  it("a processing failure is retried with backoff, finishes on a later try, and a dead letter is recorded", async () => {
    const { clock } = setup("wh-c-fail");
    const broken = webhookHarness([buyerConfig("wh-c-fail")], { deliveriesFail: true });
    const lead = await soldLead(broken.env, "wh-c-fail", clock.now() - DAY);
    const job = await receive(broken, "wh-c-fail", { type: "lead.return", data: { lead_id: lead.buyerLeadId, reason: "duplicate" } }, clock);
    const r1 = await consume(broken, job, clock, 1);
    expect(r1.retryMessages).toHaveLength(1);
    expect(r1.explicitAcks).toHaveLength(0);
    // getQueueResult does not report the delay, so a recording batch shows the backoff.
    const delays: (number | string | undefined)[] = [];
    for (const attempts of [2, 3, 8]) {
      const msg = {
        id: `m${attempts}`,
        timestamp: new Date(),
        attempts,
        body: job,
        ack: () => delays.push("ack"),
        retry: (o?: { delaySeconds?: number }) => delays.push(o?.delaySeconds),
      };
      const fake = {
        queue: "leadwire-events",
        messages: [msg],
        metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
        ackAll: () => undefined,
        retryAll: () => undefined,
      };
      await handleEventsBatch(fake as unknown as MessageBatch<EventJob>, broken.env, createExecutionContext(), clock);
    }
    expect(delays).toEqual([10, 20, 300]);
    expect(eventRetryDelaySeconds(1)).toBe(5);
    expect((await eventStatus(job))?.status).toBe("received");

    // The deliveries queue is back: the next try sends the re-offer the failed tries could not.
    const ok = webhookHarness([buyerConfig("wh-c-fail")]);
    expect((await consume(ok, job, clock, 9)).explicitAcks).toHaveLength(1);
    expect(ok.deliveries.sent.map((m) => m.body)).toEqual([{ kind: "deliver", leadId: lead.leadId }]);
    expect(await countRows("returns", "lead_id = ?", lead.leadId)).toBe(1);
    expect(await score(lead.sourceId)).toBe(100 + QUALITY_DELTAS.return);
    expect((await eventStatus(job))?.status).toBe("processed");
  });

  it("a dead letter is recorded and its event marked failed", async () => {
    const { h, clock } = setup("wh-c-dlq");
    const job = await receive(h, "wh-c-dlq", { type: "lead.status", data: { lead_id: "x", status: "contacted" } }, clock);
    const dlq = createMessageBatch<EventJob>("leadwire-events-dlq", [{ id: "dead-1", timestamp: clock.now(), attempts: 9, body: job }]);
    const ctx = createExecutionContext();
    await handleEventsDeadLetters(dlq, h.env, clock);
    expect((await getQueueResult(dlq, ctx)).explicitAcks).toEqual(["dead-1"]);
    expect(await countRows("dead_letters", "queue = 'leadwire-events-dlq' AND body LIKE ?", `%${job.webhookEventId}%`)).toBe(1);
    expect(await eventStatus(job)).toMatchObject({ status: "failed", error: "dead-lettered" });
  });

  // Depends on the lead's applyBuyerDecision (src/delivery/callbacks.ts): settles a pending delivery.
  it("decision (applyBuyerDecision contract): accepted settles the pending delivery as sold; a repeat is late", async () => {
    const { h, clock } = setup("wh-c-dec");
    const lead = await soldLead(h.env, "wh-c-dec", clock.now() - 60_000, 0, "pending");
    const job = await receive(h, "wh-c-dec", { type: "lead.decision", data: { delivery_id: lead.deliveryId, decision: "yes", price: 33 } }, clock);
    await consume(h, job, clock);
    const row = await leadD1(lead.leadId).prepare("SELECT status, sold_buyer_id, sold_price FROM leads WHERE id = ?").bind(lead.leadId).first();
    expect(row).toEqual({ status: "sold", sold_buyer_id: "wh-c-dec", sold_price: 33 });
    expect((await eventStatus(job))?.status).toBe("processed");

    const repeat = { ...job, webhookEventId: `${job.webhookEventId}x` } satisfies EventJob;
    await consume(h, repeat, clock);
    expect(await countRows("lead_events", "lead_id = ? AND type = 'callback_late'", lead.leadId)).toBe(1);
  });

  // The webhook block recommended for async buyers in buyers/*.json, against the mock buyer's
  // callback shape (test/mock-buyer/README.md). Depends on applyBuyerDecision as above.
  it("the mock buyer's async callback shape settles a pending lead (rejected → cascades)", async () => {
    const webhook = mockCallbackWebhook("WH_TEST_SECRET");
    const { h, clock } = setup("wh-c-mock", { webhook });
    const lead = await soldLead(h.env, "wh-c-mock", clock.now() - 60_000, 0, "pending");
    const job = await receive(
      h,
      "wh-c-mock",
      { id: "evt_1", type: "lead.decision", delivery_id: lead.deliveryId, lead_id: "MB-1", decision: "rejected", price: 0, reason: "filtered" },
      clock,
    );
    expect(job.eventId).toBe("evt_1");
    await consume(h, job, clock);
    expect(await leadD1(lead.leadId).prepare("SELECT state, reason FROM lead_buyers WHERE delivery_id = ?").bind(lead.deliveryId).first()).toEqual({
      state: "rejected",
      reason: "filtered",
    });
    expect(h.deliveries.sent.map((m) => m.body)).toEqual([{ kind: "deliver", leadId: lead.leadId }]);
  });

  it("decision for no known delivery is ignored", async () => {
    const { h, clock } = setup("wh-c-dec2");
    const ev: CanonicalEvent = { type: "decision", decision: "rejected", deliveryId: "dlv_nope" };
    const job = await receive(h, "wh-c-dec2", { type: "lead.decision", data: { delivery_id: ev.deliveryId, decision: "no" } }, clock);
    await consume(h, job, clock);
    expect(await eventStatus(job)).toMatchObject({ status: "ignored", error: "no delivery matches this decision" });
  });
});
