import { createExecutionContext, createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { WebhookConfigInput } from "../../../src/integration/webhook-config";
import { handleEventsBatch } from "../../../src/webhooks/consumer";
import type { EventJob } from "../../../src/webhooks/jobs";
import { testClock } from "../helpers/engine";
import { buyerConfig, countRows, post, SECRET, signed, soldLead, WEBHOOK, webhookHarness } from "./helpers";

// Callbacks are identified by what their signature covers. These tests replay one captured,
// validly signed callback with fresh unsigned delivery headers, as an attacker (or a confused
// proxy) would, and count the effects on the source's quality score, which routing reads.

const IP = "203.0.113.10";

function githubHeaders(body: string, delivery: string): Record<string, string> {
  const sig = createHmac("sha256", SECRET).update(body).digest("hex");
  return { "content-type": "application/json", "cf-connecting-ip": IP, "X-Hub-Signature-256": `sha256=${sig}`, "X-GitHub-Delivery": delivery };
}

function plainHeaders(body: string, eventId: string): Record<string, string> {
  const sig = createHmac("sha256", SECRET).update(body).digest("base64");
  return { "content-type": "application/json", "cf-connecting-ip": IP, "X-Lead-Signature": sig, "X-Event-Id": eventId };
}

function stripeHeaders(body: string, ts: number): Record<string, string> {
  const sig = createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex");
  return { "content-type": "application/json", "cf-connecting-ip": IP, "Stripe-Signature": `t=${ts},v1=${sig}` };
}

const GITHUB: WebhookConfigInput = { ...WEBHOOK, scheme: "github", secrets: [{ secret: "WH_TEST_SECRET" }] };
// A legacy config that still names an unsigned id header: the header must not be trusted.
const PLAIN: WebhookConfigInput = {
  ...WEBHOOK,
  scheme: "header",
  header: "X-Lead-Signature",
  encoding: "base64",
  idHeader: "X-Event-Id",
  secrets: [{ secret: "WH_TEST_SECRET" }],
};
const STRIPE: WebhookConfigInput = { ...WEBHOOK, scheme: "stripe", secrets: [{ secret: "WH_TEST_SECRET" }] };

async function score(sourceId: string): Promise<unknown> {
  return env.DB.prepare("SELECT quality_score FROM sources WHERE id = ?").bind(sourceId).first("quality_score");
}

/** Posts the same body ten times, one fresh header value each, one after the other. */
async function tenReplays(testEnv: Env, buyerId: string, body: string, headersFor: (i: number) => Record<string, string>, clock: ReturnType<typeof testClock>) {
  const out: { status: number; body: { status: string; eventId: string } }[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await post(testEnv, buyerId, body, headersFor(i), clock);
    out.push({ status: res.status, body: await res.json<{ status: string; eventId: string }>() });
  }
  return out;
}

async function processAll(h: ReturnType<typeof webhookHarness>, clock: ReturnType<typeof testClock>) {
  const jobs = h.events.sent.map((m, i) => ({ id: `m${i}`, timestamp: clock.now(), attempts: 1, body: m.body as EventJob }));
  if (jobs.length === 0) return;
  await handleEventsBatch(createMessageBatch<EventJob>("leadwire-events", jobs), h.env, createExecutionContext(), clock);
}

describe("replayed callbacks count once", () => {
  it("GitHub-style: the same signed body with 10 fresh X-GitHub-Delivery values is one event and moves the score once", async () => {
    const h = webhookHarness([buyerConfig("wh-rp-gh", { webhook: GITHUB })]);
    const clock = testClock();
    const lead = await soldLead(h.env, "wh-rp-gh", clock.now() - 86_400_000);
    const body = JSON.stringify({ type: "lead.feedback", data: { delivery_id: lead.deliveryId, kind: "wrong_number" } });

    const answers = await tenReplays(h.env, "wh-rp-gh", body, () => githubHeaders(body, crypto.randomUUID()), clock);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.map((a) => a.body.status)).toEqual(["accepted", ...Array(9).fill("duplicate")]);
    // One identity for all ten: a digest of the signed body, not the unsigned header.
    expect(new Set(answers.map((a) => a.body.eventId)).size).toBe(1);
    expect(answers[0]?.body.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-rp-gh")).toBe(1);
    expect(h.events.sent).toHaveLength(1);

    await processAll(h, clock);
    expect(await countRows("feedback", "lead_id = ?", lead.leadId)).toBe(1);
    expect(await score(lead.sourceId)).toBe(97);

    // A replay after processing is still a duplicate and changes nothing.
    const late = await post(h.env, "wh-rp-gh", body, githubHeaders(body, crypto.randomUUID()), clock);
    expect((await late.json<{ status: string }>()).status).toBe("duplicate");
    expect(await score(lead.sourceId)).toBe(97);
  });

  it("plain-header scheme, even with a legacy idHeader configured: 10 fresh X-Event-Id values are one event", async () => {
    const h = webhookHarness([buyerConfig("wh-rp-plain", { webhook: PLAIN })]);
    const clock = testClock();
    const lead = await soldLead(h.env, "wh-rp-plain", clock.now() - 86_400_000);
    const body = JSON.stringify({ type: "lead.feedback", data: { delivery_id: lead.deliveryId, kind: "not_interested" } });

    const answers = await tenReplays(h.env, "wh-rp-plain", body, (i) => plainHeaders(body, `evt_${i}`), clock);
    expect(answers.map((a) => a.body.status)).toEqual(["accepted", ...Array(9).fill("duplicate")]);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-rp-plain")).toBe(1);
    expect(h.events.sent).toHaveLength(1);
    await processAll(h, clock);
    expect(await countRows("feedback", "lead_id = ?", lead.leadId)).toBe(1);
  });

  it("an event id in the signed body identifies the event: distinct events pass, a replay of one is a duplicate", async () => {
    const h = webhookHarness([buyerConfig("wh-rp-id", { webhook: { ...GITHUB, events: { ...GITHUB.events, id: { jsonPath: "$.id" } } } })]);
    const clock = testClock();
    const lead = await soldLead(h.env, "wh-rp-id", clock.now() - 86_400_000);
    const one = JSON.stringify({ id: "evt_1", type: "lead.status", data: { delivery_id: lead.deliveryId, status: "contacted" } });
    const two = JSON.stringify({ id: "evt_2", type: "lead.status", data: { delivery_id: lead.deliveryId, status: "contacted" } });
    const a = await post(h.env, "wh-rp-id", one, githubHeaders(one, "d-1"), clock);
    const b = await post(h.env, "wh-rp-id", two, githubHeaders(two, "d-2"), clock);
    const c = await post(h.env, "wh-rp-id", one, githubHeaders(one, "d-3"), clock);
    expect(await a.json()).toEqual({ status: "accepted", eventId: "evt_1" });
    expect(await b.json()).toEqual({ status: "accepted", eventId: "evt_2" });
    expect(await c.json()).toEqual({ status: "duplicate", eventId: "evt_1" });
  });

  it("Stripe-style still works: a retry re-signed with a new timestamp dedupes on the body's id; a replay within the tolerance too", async () => {
    const withId = { ...STRIPE, events: { ...STRIPE.events, id: { jsonPath: "$.id" } } };
    const h = webhookHarness([buyerConfig("wh-rp-stripe", { webhook: withId }), buyerConfig("wh-rp-stripe2", { webhook: STRIPE })]);
    const clock = testClock();
    const ts = Math.floor(clock.now() / 1000);
    const body = JSON.stringify({ id: "evt_s1", type: "lead.status", data: { delivery_id: "dlv_s", status: "contacted" } });
    const first = await post(h.env, "wh-rp-stripe", body, stripeHeaders(body, ts), clock);
    expect(await first.json()).toEqual({ status: "accepted", eventId: "evt_s1" });
    const retry = await post(h.env, "wh-rp-stripe", body, stripeHeaders(body, ts + 60), clock);
    expect(await retry.json()).toEqual({ status: "duplicate", eventId: "evt_s1" });
    // A forged or stale signature is still refused.
    const stale = await post(h.env, "wh-rp-stripe", body, stripeHeaders(body, ts - 301), clock);
    expect(stale.status).toBe(401);

    // No id in the rules: the signed body's digest; the exact captured request replayed is a duplicate.
    const hdr = stripeHeaders(body, ts);
    const r1 = await post(h.env, "wh-rp-stripe2", body, hdr, clock);
    const r2 = await post(h.env, "wh-rp-stripe2", body, hdr, clock);
    expect((await r1.json<{ status: string }>()).status).toBe("accepted");
    expect((await r2.json<{ status: string }>()).status).toBe("duplicate");
  });

  it("Standard Webhooks still works: its signed webhook-id identifies events, so two ids are two events", async () => {
    const h = webhookHarness([buyerConfig("wh-rp-std")]);
    const clock = testClock();
    const ts = Math.floor(clock.now() / 1000);
    const body = JSON.stringify({ type: "lead.status", data: { delivery_id: "dlv_std", status: "contacted" } });
    const a = await post(h.env, "wh-rp-std", body, signed(body, { id: "msg_std_1", ts }), clock);
    const b = await post(h.env, "wh-rp-std", body, signed(body, { id: "msg_std_2", ts }), clock);
    const again = await post(h.env, "wh-rp-std", body, signed(body, { id: "msg_std_1", ts }), clock);
    expect(await a.json()).toEqual({ status: "accepted", eventId: "msg_std_1" });
    expect(await b.json()).toEqual({ status: "accepted", eventId: "msg_std_2" });
    expect(await again.json()).toEqual({ status: "duplicate", eventId: "msg_std_1" });
    // The webhook-id is signed: swapping it on a captured request breaks the signature.
    const forged = { ...signed(body, { id: "msg_std_1", ts }), "webhook-id": "msg_std_3" };
    expect((await post(h.env, "wh-rp-std", body, forged, clock)).status).toBe(401);
  });
});
