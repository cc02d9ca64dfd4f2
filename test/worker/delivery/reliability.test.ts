import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gateFor } from "../../../src/buyer-gate/client";
import { takeClaim } from "../../../src/db/claims";
import { sweepLeads } from "../../../src/delivery/sweep";
import { processDeliveryJob, runSyncDelivery } from "../../../src/delivery/waterfall";
import { input, lead, setBehavior } from "../buyer-gate/fixtures";
import { testBuyer, testBuyerConfig, uid } from "../helpers/buyers";
import { deliverJobs, harness, leadRow, mockRequests, storeLead, storeSyncLead, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { leadD1 } from "../helpers/shards";

/**
 * Issue 10's reliability defects, each reproduced against the real gate and the mock buyer over
 * HTTP: unclear outcomes are resolved with the same buyer first, sync leads keep their retries,
 * nothing waits for a message that will never come, and the gate's timeout covers the wire only.
 */

async function claimOf(leadId: string, buyerId: string) {
  return leadD1(leadId)
    .prepare("SELECT state, attempts, error_class, delivery_id FROM lead_buyers WHERE lead_id = ? AND buyer_id = ?")
    .bind(leadId, buyerId)
    .first<{ state: string; attempts: number; error_class: string | null; delivery_id: string }>();
}

describe("an unclear outcome stays with the buyer that may have the lead", () => {
  it("a timeout after sending is retried with the same key; no other buyer sees the lead meanwhile", async () => {
    const hang = uid("hang");
    const backup = uid("backup");
    const h = harness([testBuyer(hang, "hang", { price: 60, retry: { maxAttempts: 3 } }), testBuyer(backup, "accept", { price: 22 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);

    const first = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(first).toMatchObject({ status: "queued" });
    expect(await claimOf(id, hang)).toMatchObject({ state: "trying", attempts: 1, error_class: "ambiguous" });
    const retry = deliverJobs(h.queue.sent)[0];
    expect(retry?.body).toEqual({ kind: "deliver", leadId: id, retry: { buyerId: hang, attempt: 2 } });
    expect(await mockRequests(backup)).toHaveLength(0);

    h.queue.sent.length = 0;
    if (!retry) throw new Error("no retry");
    expect(await processDeliveryJob(h.env, clock, retry.body)).toMatchObject({ status: "queued" });
    expect(await mockRequests(backup)).toHaveLength(0);
    const keys = new Set((await mockRequests(hang)).map((r) => r.headers["idempotency-key"]));
    expect(keys).toEqual(new Set([`lw-${id}-${hang}`]));
  });

  it("an unclear outcome keeps its cap slot: a day cap of 1 is not exceeded when the buyer took the lead after our timeout", async () => {
    const slow = uid("slow");
    const backup = uid("backup");
    // The buyer answers (accepts) after 700 ms; we give up at 300 ms: it has the lead, we do not know.
    const h = harness([
      testBuyer(slow, "slow", { price: 60, caps: { day: 1 }, endpoint: { timeoutMs: 300 } }, "ms=700"),
      testBuyer(backup, "accept", { price: 22 }),
    ]);
    const clock = testClock();
    const first = await storeLead(h.env, clock);
    const second = await storeLead(h.env, clock);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: first })).toMatchObject({ status: "queued" });
    // The second lead finds the slot held: it goes to the backup buyer, never to the capped one.
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: second })).toMatchObject({ status: "sold", buyer: backup });
    const toSlow = await mockRequests(slow);
    expect(toSlow.every((r) => r.headers["idempotency-key"] === `lw-${first}-${slow}`)).toBe(true);
    const status = await gateFor(env, testBuyerConfig(slow, "slow", { caps: { day: 1 } })).status(testBuyerConfig(slow, "slow", { caps: { day: 1 } }));
    expect(status.caps.day).toMatchObject({ limit: 1, used: 1, left: 0 });
  });

  it("sync mode answers queued for an unclear outcome instead of selling the lead to someone else", async () => {
    const hang = uid("hang");
    const backup = uid("backup");
    const h = harness([testBuyer(hang, "hang", { price: 60 }), testBuyer(backup, "accept", { price: 22 })]);
    const clock = testClock();
    const { id, leased } = await storeSyncLead(h.env, clock);
    const out = await runSyncDelivery(h.env, clock, id, leased);
    expect(out.status).toBe("queued");
    expect(await mockRequests(backup)).toHaveLength(0);
    expect(deliverJobs(h.queue.sent).map((j) => j.body)).toEqual([{ kind: "deliver", leadId: id, retry: { buyerId: hang, attempt: 2 } }]);
    expect((await leadRow(id))?.status).toBe("queued");
  });

  it("a crash mid-attempt leaves a claim `trying`: the next run resumes it with the same key before any other buyer", async () => {
    const first = uid("first");
    const backup = uid("backup");
    const h = harness([testBuyer(first, "accept", { price: 60 }), testBuyer(backup, "accept", { price: 22 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    // The run that claimed the best buyer died before it recorded anything (its lease lapsed).
    const deliveryId = await takeClaim(env, id, first, 0, undefined, clock.now());
    expect(deliveryId).toBeDefined();
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "sold", buyer: first });
    expect(await mockRequests(backup)).toHaveLength(0);
    const sent = await mockRequests(first);
    expect(sent.map((r) => [r.headers["x-leadwire-delivery-id"], r.headers["idempotency-key"]])).toEqual([[deliveryId, `lw-${id}-${first}`]]);
  });
  it("a resumed delivery that the gate defers (cap full) waits for that buyer: the lead never goes to another", async () => {
    const capped = uid("capped");
    const backup = uid("backup");
    const h = harness([testBuyer(capped, "accept", { price: 60, caps: { day: 1, timezone: "UTC" } }), testBuyer(backup, "accept", { price: 22 })]);
    const clock = testClock();
    // The capped buyer's only slot is taken by another lead.
    const other = await storeLead(h.env, clock);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: other })).toMatchObject({ status: "sold", buyer: capped });
    // This lead's run claimed the capped buyer and crashed mid-send: the buyer may have it.
    const id = await storeLead(h.env, clock);
    const deliveryId = await takeClaim(env, id, capped, 0, undefined, clock.now());
    expect(deliveryId).toBeDefined();
    h.queue.sent.length = 0;
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "queued" });
    expect(await mockRequests(backup)).toHaveLength(0);
    expect(await claimOf(id, capped)).toMatchObject({ state: "trying", delivery_id: deliveryId });
    expect(deliverJobs(h.queue.sent).map((j) => j.body.leadId)).toEqual([id]);
  });
});

describe("sync leads keep their retries", () => {
  it("a 503 from the only buyer hands the lead to the queue (queued, a retry scheduled), it does not end it unsold", async () => {
    const down = uid("down");
    const h = harness([testBuyer(down, "error503", { price: 30 })]);
    const clock = testClock();
    const { id, leased } = await storeSyncLead(h.env, clock);
    const out = await runSyncDelivery(h.env, clock, id, leased);
    expect(out.status).toBe("queued");
    expect((await leadRow(id))?.status).toBe("queued");
    expect(deliverJobs(h.queue.sent).map((j) => j.body.retry)).toEqual([{ buyerId: down, attempt: 2 }]);
  });
});

describe("nothing waits for a message that will never come", () => {
  it("a retry whose message was lost is resumed by the sweep a minute past due, delivered, not parked again", async () => {
    const flaky = uid("flaky");
    const h = harness([testBuyer(flaky, "accept", { price: 30 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await setBehavior(flaky, "error503");
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "queued" });
    const due = Date.parse(String((await leadRow(id))?.next_attempt_at));
    await setBehavior(flaky, null);
    // The retry message is lost (a restart of local dev drops the in-memory queue).
    h.queue.sent.length = 0;

    // The sweep sees every lead of this database; these tests look at theirs.
    const ours = () => deliverJobs(h.queue.sent).filter((j) => j.body.leadId === id);
    clock.set(due + 30_000);
    await sweepLeads(h.env, clock);
    expect(ours()).toHaveLength(0);
    clock.set(due + 61_000);
    await sweepLeads(h.env, clock);
    const jobs = ours();
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    if (!job) throw new Error("no job");
    expect(await processDeliveryJob(h.env, clock, job.body)).toMatchObject({ status: "sold", buyer: flaky });
    expect(await claimOf(id, flaky)).toMatchObject({ state: "accepted", attempts: 2 });
  });

  it("a retry message that arrives after the sweep already resumed that attempt sends nothing", async () => {
    const flaky = uid("flaky");
    const h = harness([testBuyer(flaky, "error503", { price: 30, retry: { maxAttempts: 5 } })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    const late = deliverJobs(h.queue.sent)[0];
    if (!late) throw new Error("no retry");
    const due = Date.parse(String((await leadRow(id))?.next_attempt_at));
    h.queue.sent.length = 0;
    clock.set(due + 61_000);
    await sweepLeads(h.env, clock);
    const swept = deliverJobs(h.queue.sent).find((j) => j.body.leadId === id);
    if (!swept) throw new Error("no sweep job");
    await processDeliveryJob(h.env, clock, swept.body);
    const before = (await mockRequests(flaky)).length;
    expect(before).toBe(2);
    // The original retry message (attempt 2) arrives now: attempt 2 was already made.
    clock.set(due + 62_000);
    await processDeliveryJob(h.env, clock, late.body);
    expect(await mockRequests(flaky)).toHaveLength(before);
  });
});

describe("a buyer that only deferred the lead is waited for, not put off for a long-retry round", () => {
  it("a retry meeting an open circuit comes back when the circuit's cool-down ends, then sells", async () => {
    const down = uid("down");
    const circuit = { failureThreshold: 1, minimumCalls: 1, failureRate: 0, windowSeconds: 60, cooldownSeconds: 30 };
    const h = harness([testBuyer(down, "accept", { price: 30, circuit, retry: { maxAttempts: 5 } })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await setBehavior(down, "error503");
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "queued" });
    const retry = deliverJobs(h.queue.sent)[0];
    if (!retry) throw new Error("no retry");
    h.queue.sent.length = 0;
    // The circuit is open (one 503): the retry is deferred by the gate.
    expect(await processDeliveryJob(h.env, clock, retry.body)).toMatchObject({ status: "queued" });
    const [back] = deliverJobs(h.queue.sent);
    expect(back?.delaySeconds).toBeGreaterThanOrEqual(25);
    expect(back?.delaySeconds).toBeLessThanOrEqual(60);
    // The buyer is back; the cool-down is over: the probe is this lead, and it sells.
    await setBehavior(down, null);
    await setGateClock(gateFor(env, testBuyerConfig(down, "accept")), 31_000);
    clock.advance(31_000);
    if (!back) throw new Error("no job");
    expect(await processDeliveryJob(h.env, clock, back.body)).toMatchObject({ status: "sold", buyer: down });
  });
});

describe("while the circuit's one probe is out, the other leads look again soon", () => {
  it("a lead refused because the probe is in flight comes back in 10 s, not after the probe's whole lease, and sells", async () => {
    const down = uid("down");
    const circuit = { failureThreshold: 1, minimumCalls: 1, failureRate: 0, windowSeconds: 60, cooldownSeconds: 30 };
    const h = harness([testBuyer(down, "accept", { price: 30, circuit, retry: { maxAttempts: 5 }, endpoint: { timeoutMs: 5_000 } })]);
    const clock = testClock();
    const opener = await storeLead(h.env, clock);
    await setBehavior(down, "error503");
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: opener })).toMatchObject({ status: "queued" });
    h.queue.sent.length = 0;
    // The cool-down is over and the buyer is back, but slow: the first lead to arrive is the probe.
    await setBehavior(down, "slow", { ms: "1500" });
    await setGateClock(gateFor(env, testBuyerConfig(down, "accept")), 31_000);
    clock.advance(31_000);
    const probe = await storeLead(h.env, clock);
    const waiting = await storeLead(h.env, clock);
    const probeRun = processDeliveryJob(h.env, clock, { kind: "deliver", leadId: probe });
    await new Promise((r) => setTimeout(r, 300));
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: waiting })).toMatchObject({ status: "queued" });
    expect(await probeRun).toMatchObject({ status: "sold", buyer: down });
    const back = deliverJobs(h.queue.sent).find((j) => j.body.leadId === waiting);
    expect(back?.delaySeconds).toBe(10);
    // Ten seconds on, the circuit has closed on the probe's sale: the waiting lead sells.
    clock.advance(10_000);
    if (!back) throw new Error("no job");
    expect(await processDeliveryJob(h.env, clock, back.body)).toMatchObject({ status: "sold", buyer: down });
  });
});

describe("the gate's timeout covers the time on the wire", () => {
  it("30 concurrent deliveries to one buyer: at most 6 on the wire at once, none recorded as a timeout", async () => {
    const id = uid("wire");
    // Each call is 400 ms on the wire, well inside the 1.5 s timeout; 30 calls over 6 connections
    // queue for up to 2 s, so a timeout that counted the wait for a connection would fire.
    const b = testBuyerConfig(id, "slow", { endpoint: { timeoutMs: 1_500 } }, "ms=400");
    const gate = gateFor(env, b);
    const clock = testClock();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => gate.deliver(input(b, { lead: lead({ received_at: new Date(clock.now()).toISOString() }) }))),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(30).fill("accepted"));
    const stats = (await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/stats`)).json()) as { perBuyer: Record<string, { maxOpen: number }> };
    expect(stats.perBuyer[id]?.maxOpen).toBeLessThanOrEqual(6);
    expect(stats.perBuyer[id]?.maxOpen).toBeGreaterThan(1);
  });
});
