import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { deliverJobs, harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { everyD1, leadD1 } from "../helpers/shards";
import { newSource } from "../helpers/sources";

describe("waterfall", () => {
  it("sells to the best-priced buyer that accepts and records the attempt with PII masked", async () => {
    const rich = uid("rich");
    const cheap = uid("cheap");
    const h = harness([testBuyer(cheap, "accept", { price: 10 }), testBuyer(rich, "accept", { price: 30 }, "price=31")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: rich, price: 31, attempts: 1 });
    expect((await mockRequests(cheap)).length).toBe(0);
    const got = await mockRequests(rich);
    expect(got).toHaveLength(1);
    expect(got[0]?.headers["idempotency-key"]).toBe(`lw-${id}-${rich}`);
    const lead = await leadRow(id);
    expect(lead).toMatchObject({ status: "sold", sold_buyer_id: rich, sold_price: 31 });
    const att = await leadD1(id).prepare("SELECT * FROM delivery_attempts WHERE lead_id = ?").bind(id).all<Record<string, string>>();
    expect(att.results).toHaveLength(1);
    const row = att.results[0] ?? {};
    expect(row.outcome).toBe("accepted");
    expect(row.request_masked).not.toContain("2147153718");
    expect(row.request_masked).not.toContain("liam.obrien@example.com");
    expect(row.request_encrypted).toBeTruthy();
  });

  it("cascades at once past a rejection and past a client error, raising a config alert", async () => {
    const a = uid("rej");
    const b = uid("bad");
    const c = uid("ok");
    const h = harness([
      testBuyer(a, "reject", { price: 50 }, "reason=Duplicate"),
      testBuyer(b, "bad-request", { price: 40 }),
      testBuyer(c, "accept", { price: 30 }),
    ]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: c, attempts: 3 });
    expect(deliverJobs(h.queue.sent)).toHaveLength(0);
    const alerts = await env.DB.prepare("SELECT kind FROM alerts WHERE buyer_id = ?").bind(b).all<{ kind: string }>();
    expect(alerts.results.map((r) => r.kind)).toEqual(["config_fault"]);
    const classes = await leadD1(id)
      .prepare("SELECT buyer_id, error_class FROM delivery_attempts WHERE lead_id = ? ORDER BY created_at")
      .bind(id)
      .all<{ buyer_id: string; error_class: string | null }>();
    expect(classes.results.map((r) => r.error_class)).toEqual(["rejected", "client", null]);
  });

  it("pauses a buyer that answers 410 Gone and skips it for later leads", async () => {
    const gone = uid("gone");
    const ok = uid("ok");
    const h = harness([testBuyer(gone, "gone", { price: 50 }), testBuyer(ok, "accept", { price: 10 })]);
    const clock = testClock();
    const first = await storeLead(h.env, clock);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: first })).toMatchObject({ status: "sold", buyer: ok });
    const second = await storeLead(h.env, clock);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: second })).toMatchObject({ status: "sold", buyer: ok, attempts: 1 });
    expect((await mockRequests(gone)).length).toBe(1);
    const ov = await env.DB.prepare("SELECT status FROM buyer_overrides WHERE buyer_id = ?").bind(gone).first<{ status: string }>();
    expect(ov?.status).toBe("paused");
  });

  it("retries a transient failure with backoff through the queue, same idempotency key, then cascades", async () => {
    const flaky = uid("down");
    const next = uid("next");
    const h = harness([testBuyer(flaky, "error503", { price: 50, retry: { maxAttempts: 3 } }), testBuyer(next, "accept", { price: 25 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    let out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "queued" });
    let jobs = deliverJobs(h.queue.sent);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.body.retry).toEqual({ buyerId: flaky, attempt: 2 });
    // 2 s + 0–25 % jitter, rounded up
    expect(jobs[0]?.delaySeconds).toBeGreaterThanOrEqual(2);
    expect(jobs[0]?.delaySeconds).toBeLessThanOrEqual(3);

    const retry1 = jobs[0]?.body;
    if (!retry1) throw new Error("no retry");
    out = await processDeliveryJob(h.env, clock, retry1);
    jobs = deliverJobs(h.queue.sent);
    expect(jobs[1]?.body.retry).toEqual({ buyerId: flaky, attempt: 3 });
    expect(jobs[1]?.delaySeconds).toBeGreaterThanOrEqual(4);
    expect(jobs[1]?.delaySeconds).toBeLessThanOrEqual(5);

    const retry2 = jobs[1]?.body;
    if (!retry2) throw new Error("no retry");
    out = await processDeliveryJob(h.env, clock, retry2);
    expect(out).toMatchObject({ status: "sold", buyer: next, price: 25 });
    const seen = await mockRequests(flaky);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([`lw-${id}-${flaky}`]));
  });

  it("honours Retry-After on 429 (never sooner)", async () => {
    const limited = uid("r429");
    const h = harness([testBuyer(limited, "rate-limit", { price: 50 }, "retryAfter=40")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    const jobs = deliverJobs(h.queue.sent);
    expect(jobs[0]?.delaySeconds).toBeGreaterThanOrEqual(40);
  });

  it("retries a hanging primary with the same key through its budget, then sells to the next buyer with an alert to reconcile", async () => {
    const hang = uid("hang");
    const backup = uid("backup");
    const h = harness([testBuyer(hang, "hang", { price: 60, retry: { maxAttempts: 2 } }), testBuyer(backup, "accept", { price: 22 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const first = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(first).toMatchObject({ status: "queued" });
    const retry = deliverJobs(h.queue.sent)[0]?.body;
    if (!retry) throw new Error("no retry");
    const out = await processDeliveryJob(h.env, clock, retry);
    expect(out).toMatchObject({ status: "sold", buyer: backup, price: 22 });
    const att = await leadD1(id)
      .prepare("SELECT error_class, reason FROM delivery_attempts WHERE lead_id = ? AND buyer_id = ?")
      .bind(id, hang)
      .all<{ error_class: string; reason: string }>();
    expect(att.results.map((r) => r.error_class)).toEqual(["ambiguous", "ambiguous"]);
    const seen = await mockRequests(hang);
    expect(new Set(seen.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([`lw-${id}-${hang}`]));
    const alerts = await env.DB.prepare("SELECT kind, message FROM alerts WHERE buyer_id = ?").bind(hang).all<{ kind: string; message: string }>();
    expect(alerts.results.map((a) => a.kind)).toEqual(["ambiguous_outcome"]);
    expect(alerts.results[0]?.message).toContain(id);
  });

  it("leaves a lead unsold, with the reason from each buyer, when nobody takes it", async () => {
    const a = uid("no1");
    const b = uid("no2");
    const h = harness([testBuyer(a, "reject", { price: 30 }, "reason=Too+far"), testBuyer(b, "forbidden", { price: 20 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "unsold" });
    if (typeof out === "string") throw new Error("unexpected");
    expect(out.reasons?.map((r) => r.buyerId)).toEqual([a, b]);
    expect(out.reasons?.[0]?.reason).toContain("Too far");
    expect((await leadRow(id))?.status).toBe("unsold");
  });

  it("routes each lead once even when its queue message is delivered twice at the same time", async () => {
    const buyer = uid("dup");
    const h = harness([testBuyer(buyer, "slow", { price: 30 }, "ms=150")]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const outs = await Promise.all([1, 2, 3].map(() => processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })));
    expect(outs.filter((o) => typeof o === "object" && o.status === "sold")).toHaveLength(1);
    expect((await mockRequests(buyer)).length).toBe(1);
  });

  it("routes around buyers that demand a higher source quality than the source's current score", async () => {
    const picky = uid("picky");
    const any = uid("any");
    const h = harness([testBuyer(picky, "accept", { price: 50, filters: { minSourceQuality: 80 } }), testBuyer(any, "accept", { price: 10 })]);
    const clock = testClock();
    const src = await newSource("Scored");
    // Every database's copy of the source (each lead shard keeps one).
    for (const d1 of everyD1()) await d1.prepare("UPDATE sources SET quality_score = 62 WHERE id = ?").bind(src.id).run();
    const id = await storeLead(h.env, clock, {}, src);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: any });
    expect((await mockRequests(picky)).length).toBe(0);
  });

  it("expires a lead past its maximum age instead of retrying", async () => {
    const down = uid("down");
    const h = harness([testBuyer(down, "error503", { price: 30, retry: { maxAttempts: 1 } })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    clock.advance(25 * 3_600_000);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "expired" });
    expect((await mockRequests(down)).length).toBe(0);
  });
});
