import { createExecutionContext, createMessageBatch } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleEventsBatch } from "../../../src/webhooks/consumer";
import { sweepWebhookEvents, webhookRejectionCounts } from "../../../src/webhooks/ingest";
import type { EventJob } from "../../../src/webhooks/jobs";
import { testClock } from "../helpers/engine";
import { buyerConfig, countRows, OLD_SECRET, post, signed, soldLead, webhookHarness } from "./helpers";

interface ErrorBody {
  error: { code: string; message: string; issues: { path: string; message: string }[] };
}

const statusBody = (deliveryId: string, status = "contacted") => JSON.stringify({ type: "lead.status", data: { delivery_id: deliveryId, status } });

describe("POST /v1/webhooks/:buyerId — refusals write nothing", () => {
  it("answers 404 for an unknown buyer through the deployed entry point", async () => {
    // `exports` is untyped until env.d.ts declares Cloudflare.GlobalProps.mainModule (lead's file).
    const worker = (exports as unknown as { default: { fetch: typeof fetch } }).default;
    const res = await worker.fetch("https://leadwire.test/v1/webhooks/no-such-buyer", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(404);
  });

  it("answers 404 for a buyer without webhook config", async () => {
    const plain = buyerConfig("wh-plain");
    delete plain.webhook;
    const h = webhookHarness([plain]);
    const body = statusBody("dlv_x");
    expect((await post(h.env, "wh-plain", body, signed(body))).status).toBe(404);
  });

  it("refuses a disallowed IP with 403 and a missing one too", async () => {
    const h = webhookHarness([buyerConfig("wh-ip")]);
    const body = statusBody("dlv_ip");
    const hdr = signed(body, { ip: "192.0.2.55" });
    const res = await post(h.env, "wh-ip", body, hdr);
    expect(res.status).toBe(403);
    expect((await res.json<ErrorBody>()).error.code).toBe("forbidden");
    const { "cf-connecting-ip": _drop, ...noIp } = signed(body);
    expect((await post(h.env, "wh-ip", body, noIp)).status).toBe(403);
    // IPv6 inside the allowlist passes.
    expect((await post(h.env, "wh-ip", body, signed(body, { ip: "2001:db8::7" }))).status).toBe(200);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-ip")).toBe(1);
  });

  it("refuses a wrong content type with 415", async () => {
    const h = webhookHarness([buyerConfig("wh-ct")]);
    const body = statusBody("dlv_ct");
    const res = await post(h.env, "wh-ct", body, { ...signed(body), "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-ct")).toBe(0);
  });

  it("refuses an oversize body with 413 before checking the signature (declared or streamed)", async () => {
    const h = webhookHarness([buyerConfig("wh-big")]);
    const big = JSON.stringify({ type: "lead.status", data: { delivery_id: "d", pad: "x".repeat(3000) } });
    const hdr = { ...signed(big), "webhook-signature": "v1,AAAA" };
    const res = await post(h.env, "wh-big", big, hdr);
    expect(res.status).toBe(413);
    expect((await res.json<ErrorBody>()).error.code).toBe("payload_too_large");
    // No Content-Length: the cap is enforced while reading.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 500) c.enqueue(bytes.slice(i, i + 500));
        c.close();
      },
    });
    expect((await post(h.env, "wh-big", stream, signed(big))).status).toBe(413);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-big")).toBe(0);
  });

  it("refuses a bad signature, a re-serialized body and a stale timestamp with the same generic 401", async () => {
    const h = webhookHarness([buyerConfig("wh-sig")]);
    const body = statusBody("dlv_sig");
    const hdr = signed(body);
    const flipped = `${body.slice(0, 5)}${body[5] === "a" ? "b" : "a"}${body.slice(6)}`;
    const answers = await Promise.all([
      post(h.env, "wh-sig", flipped, hdr),
      post(h.env, "wh-sig", JSON.stringify(JSON.parse(body), null, 2), hdr),
      post(h.env, "wh-sig", body, signed(body, { ts: Math.floor(Date.now() / 1000) - 301 })),
      post(h.env, "wh-sig", body, signed(body, { secret: `whsec_${Buffer.from("not the buyer's key at all!!").toString("base64")}` })),
    ]);
    const messages = new Set<string>();
    for (const res of answers) {
      expect(res.status).toBe(401);
      const e = (await res.json<ErrorBody>()).error;
      expect(e.code).toBe("unauthorized");
      messages.add(e.message);
    }
    expect(messages.size).toBe(1);
    expect([...messages][0]).not.toMatch(/v1|sha|expected|timestamp|secret/i);
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-sig")).toBe(0);
    expect(h.events.sent).toHaveLength(0);
    // Counted by reason for metrics, while the answers above were all alike.
    const counts = webhookRejectionCounts();
    expect(counts["wh-sig:signature_mismatch"]).toBe(3);
    expect(counts["wh-sig:timestamp_too_old"]).toBe(1);
  });

  it("refuses malformed JSON with a valid signature: 400, nothing written", async () => {
    const h = webhookHarness([buyerConfig("wh-json")]);
    const body = '{"type":"lead.status","data":{';
    const res = await post(h.env, "wh-json", body, signed(body));
    expect(res.status).toBe(400);
    expect((await res.json<ErrorBody>()).error.code).toBe("malformed_json");
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-json")).toBe(0);
    expect(h.events.sent).toHaveLength(0);
  });

  it("refuses a known event type without a lead reference with 400 and the field", async () => {
    const h = webhookHarness([buyerConfig("wh-map")]);
    const body = JSON.stringify({ type: "lead.status", data: { status: "contacted" } });
    const res = await post(h.env, "wh-map", body, signed(body));
    expect(res.status).toBe(400);
    expect((await res.json<ErrorBody>()).error.issues[0]?.path).toBe("events.status");
    expect(await countRows("webhook_events", "buyer_id = ?", "wh-map")).toBe(0);
  });
});

describe("POST /v1/webhooks/:buyerId — accepted events", () => {
  it("stores and enqueues a verified event and answers 200 with the event id; old secret still passes", async () => {
    const h = webhookHarness([buyerConfig("wh-ok")]);
    const body = statusBody("dlv_ok");
    const res = await post(h.env, "wh-ok", body, signed(body, { id: "msg_ok_1" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "accepted", eventId: "msg_ok_1" });
    const row = await env.DB.prepare("SELECT type, status FROM webhook_events WHERE buyer_id = ? AND event_id = ?").bind("wh-ok", "msg_ok_1").first();
    expect(row).toEqual({ type: "status", status: "received" });
    expect(h.events.sent).toHaveLength(1);
    expect(h.events.sent[0]?.body).toMatchObject({
      kind: "webhook_event",
      buyerId: "wh-ok",
      eventId: "msg_ok_1",
      event: { type: "status", status: "contacted", deliveryId: "dlv_ok" },
    });

    const old = await post(h.env, "wh-ok", body, signed(body, { id: "msg_ok_2", secret: OLD_SECRET }));
    expect(await old.json()).toEqual({ status: "accepted", eventId: "msg_ok_2" });
  });

  it("the same event 50 times at once: one row, one enqueue, 49 duplicates, one effect", async () => {
    const h = webhookHarness([buyerConfig("wh-burst")]);
    const clock = testClock();
    const lead = await soldLead(h.env, "wh-burst", clock.now() - 86_400_000);
    const body = JSON.stringify({ type: "lead.feedback", data: { delivery_id: lead.deliveryId, kind: "wrong_number" } });
    const hdr = signed(body, { id: "msg_burst", ts: Math.floor(clock.now() / 1000) });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(h.env, "wh-burst", body, hdr, clock)));
    const statuses = await Promise.all(answers.map(async (r) => [r.status, (await r.json<{ status: string }>()).status] as const));
    expect(statuses.filter(([code]) => code === 200)).toHaveLength(50);
    expect(statuses.filter(([, s]) => s === "accepted")).toHaveLength(1);
    expect(statuses.filter(([, s]) => s === "duplicate")).toHaveLength(49);
    expect(await countRows("webhook_events", "buyer_id = ? AND event_id = ?", "wh-burst", "msg_burst")).toBe(1);
    expect(h.events.sent).toHaveLength(1);

    // The one queued job, delivered twice by the queue (at-least-once), moves the score once.
    const job = h.events.sent[0]?.body as EventJob;
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<EventJob>("leadwire-events", [{ id: `b${i}`, timestamp: clock.now(), attempts: 1, body: job }]);
      await handleEventsBatch(batch, h.env, createExecutionContext(), clock);
    }
    expect(await countRows("feedback", "lead_id = ?", lead.leadId)).toBe(1);
    expect(await env.DB.prepare("SELECT quality_score FROM sources WHERE id = ?").bind(lead.sourceId).first("quality_score")).toBe(97);
  });

  it("stores an unmapped event type as ignored and does not enqueue it", async () => {
    const h = webhookHarness([buyerConfig("wh-ign")]);
    const body = JSON.stringify({ type: "account.updated", data: {} });
    const res = await post(h.env, "wh-ign", body, signed(body, { id: "msg_ign" }));
    expect(await res.json()).toEqual({ status: "ignored", eventId: "msg_ign" });
    expect(await env.DB.prepare("SELECT status FROM webhook_events WHERE buyer_id = 'wh-ign'").first("status")).toBe("ignored");
    expect(h.events.sent).toHaveLength(0);
  });

  it("enqueue failure: 503, the row is kept, the buyer's retry enqueues it once", async () => {
    const cfg = buyerConfig("wh-q");
    const broken = webhookHarness([cfg], { eventsFail: true });
    const body = statusBody("dlv_q");
    const hdr = signed(body, { id: "msg_q" });
    const first = await post(broken.env, "wh-q", body, hdr);
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("30");
    expect(await env.DB.prepare("SELECT error FROM webhook_events WHERE buyer_id = 'wh-q'").first("error")).toBe("enqueue_failed");

    const ok = webhookHarness([cfg]);
    const retry = await post(ok.env, "wh-q", body, hdr);
    expect(await retry.json()).toEqual({ status: "accepted", eventId: "msg_q" });
    expect(ok.events.sent).toHaveLength(1);
    const again = await post(ok.env, "wh-q", body, hdr);
    expect(await again.json()).toEqual({ status: "duplicate", eventId: "msg_q" });
    expect(ok.events.sent).toHaveLength(1);
  });

  it("enqueue failure with no retry from the buyer: the sweep enqueues it after 30 s, once", async () => {
    const cfg = buyerConfig("wh-sweep");
    const broken = webhookHarness([cfg], { eventsFail: true });
    const clock = testClock();
    const body = statusBody("dlv_sweep");
    expect((await post(broken.env, "wh-sweep", body, signed(body, { id: "msg_sweep", ts: Math.floor(clock.now() / 1000) }), clock)).status).toBe(503);
    const ok = webhookHarness([cfg]);
    clock.advance(10_000);
    await sweepWebhookEvents(ok.env, clock);
    expect(ok.events.sent.filter((m) => (m.body as EventJob).eventId === "msg_sweep")).toHaveLength(0);
    clock.advance(25_000);
    await sweepWebhookEvents(ok.env, clock);
    await sweepWebhookEvents(ok.env, clock);
    expect(ok.events.sent.filter((m) => (m.body as EventJob).eventId === "msg_sweep")).toHaveLength(1);
  });
});
