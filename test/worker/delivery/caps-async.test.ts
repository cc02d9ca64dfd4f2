import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyBuyerDecision } from "../../../src/delivery/callbacks";
import { sweepLeads } from "../../../src/delivery/sweep";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { MIDWEEK_NOON } from "../../fixtures/time";
import { testBuyer, uid } from "../helpers/buyers";
import { deliverJobs, harness, leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { leadD1 } from "../helpers/shards";
import { newSource } from "../helpers/sources";

describe("caps under concurrency", () => {
  it("200 concurrent leads against a daily cap of 50: exactly 50 sold to it, the rest cascade", async () => {
    const capped = uid("capped");
    const overflow = uid("overflow");
    const h = harness([
      // 200 requests at once on a 2-core machine: give the buyers a realistic timeout.
      testBuyer(capped, "accept", {
        price: 40,
        caps: { day: 50, timezone: "America/New_York" },
        endpoint: { url: `${env.MOCK_BUYER_ORIGIN}/b/${capped}/accept?price=40`, timeoutMs: 15_000 },
      }),
      testBuyer(overflow, "accept", { price: 10, endpoint: { url: `${env.MOCK_BUYER_ORIGIN}/b/${overflow}/accept?price=10`, timeoutMs: 15_000 } }),
    ]);
    // Router and gate on one pinned clock: the New York day must not end half-way through the test.
    const clock = testClock(MIDWEEK_NOON);
    await setGateClock(env.BUYER_GATE.get(env.BUYER_GATE.idFromName(capped)), MIDWEEK_NOON - Date.now());
    const src = await newSource();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await storeLead(h.env, clock, {}, src));
    const outs = await Promise.all(ids.map((id) => processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })));
    const byBuyer = new Map<string, number>();
    for (const o of outs) {
      if (typeof o === "string") throw new Error(`unexpected ${o}`);
      expect(o.status, JSON.stringify(o)).toBe("sold");
      byBuyer.set(o.buyer ?? "-", (byBuyer.get(o.buyer ?? "-") ?? 0) + 1);
    }
    expect(byBuyer.get(capped)).toBe(50);
    expect(byBuyer.get(overflow)).toBe(150);
    expect((await mockRequests(capped)).length).toBe(50);
  }, 120_000);
});

describe("asynchronous acknowledgement", () => {
  const asyncBuyer = (id: string, price = 35) =>
    testBuyer(id, "async", {
      price,
      endpoint: {
        url: `${env.MOCK_BUYER_ORIGIN}/b/${id}/async?respond=json&delayMs=600000`,
        method: "POST",
        timeoutMs: 2000,
        mode: "async",
        ackTimeoutSeconds: 600,
      },
    });

  it("an ack marks the lead pending; an accepting callback sells it", async () => {
    const b = uid("async");
    const h = harness([asyncBuyer(b)]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "pending", buyer: b });
    expect((await leadRow(id))?.status).toBe("pending");
    const claim = await leadD1(id).prepare("SELECT delivery_id FROM lead_buyers WHERE lead_id = ?").bind(id).first<{ delivery_id: string }>();
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId: claim?.delivery_id ?? "", decision: "accepted", price: 37 })).toBe("settled");
    expect(await leadRow(id)).toMatchObject({ status: "sold", sold_buyer_id: b, sold_price: 37 });
    // Recorded like a sale decided at once: one sales row at the callback's price (no bid, no payout rule).
    const sales = () => leadD1(id).prepare("SELECT buyer_id, delivery_id, price, payout, bid_id FROM sales WHERE lead_id = ?").bind(id).all();
    expect((await sales()).results).toEqual([{ buyer_id: b, delivery_id: claim?.delivery_id, price: 37, payout: null, bid_id: null }]);
    // A repeat of the same callback changes nothing.
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId: claim?.delivery_id ?? "", decision: "rejected" })).toBe("late");
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId: claim?.delivery_id ?? "", decision: "accepted", price: 99 })).toBe("late");
    expect((await leadRow(id))?.status).toBe("sold");
    expect((await sales()).results).toHaveLength(1);
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId: "dlv_unknown", decision: "accepted" })).toBe("unknown");
  });

  it("a rejecting callback cascades the lead to the next buyer", async () => {
    const b = uid("async");
    const next = uid("next");
    const h = harness([asyncBuyer(b, 50), testBuyer(next, "accept", { price: 20 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    const acks = await mockRequests(b);
    expect(acks).toHaveLength(1);
    const deliveryId = acks[0]?.headers["x-leadwire-delivery-id"] ?? "";
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId, decision: "rejected", reason: "not in area" })).toBe("settled");
    const job = deliverJobs(h.queue.sent).at(-1)?.body;
    if (!job) throw new Error("no cascade job");
    expect(await processDeliveryJob(h.env, clock, job)).toMatchObject({ status: "sold", buyer: next });
  });

  it("no callback before the ack timeout: the delivery expires and the lead cascades", async () => {
    const b = uid("silent");
    const next = uid("next");
    const h = harness([asyncBuyer(b, 50), testBuyer(next, "accept", { price: 20 })]);
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    clock.advance(599_000);
    expect((await sweepLeads(h.env, clock)).ackExpired).toBe(0);
    clock.advance(2_000);
    expect((await sweepLeads(h.env, clock)).ackExpired).toBe(1);
    const job = deliverJobs(h.queue.sent).at(-1)?.body;
    if (!job) throw new Error("no cascade job");
    expect(await processDeliveryJob(h.env, clock, job)).toMatchObject({ status: "sold", buyer: next });
    // The late decision from the silent buyer cannot flip the sale.
    const claim = await leadD1(id)
      .prepare("SELECT delivery_id FROM lead_buyers WHERE lead_id = ? AND buyer_id = ?")
      .bind(id, b)
      .first<{ delivery_id: string }>();
    expect(await applyBuyerDecision(h.env, clock, { buyerId: b, deliveryId: claim?.delivery_id ?? "", decision: "accepted" })).toBe("late");
    expect((await leadRow(id))?.sold_buyer_id).toBe(next);
  });
});

describe("sync mode", () => {
  it("POST /v1/leads?mode=sync answers sold with buyer, price and buyer lead id", async () => {
    const src = await newSource();
    const res = await exports.default.fetch("https://leadwire.test/v1/leads?mode=sync", {
      method: "POST",
      headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        vertical: "auto_insurance",
        first_name: "Ava",
        last_name: "Lee",
        email: "ava@example.com",
        phone: "602-980-7364",
        address: { street: "1 Main St", city: "Phoenix", state: "AZ", zip: "85001" },
        dob: "1990-01-01",
        homeowner: true,
        consent: {
          trustedform_cert_url: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2",
          jornaya_leadid: "1BA16215-8228-3D15-A9EC-0806705FCA16",
        },
        fields: { vehicle_year: 2020, vehicle_make: "Honda", incidents: 0, currently_insured: true },
      }),
    });
    const body = await res.json<{ status: string; buyer?: string; price?: number; buyerLeadId?: string; attempts: number }>();
    expect(res.status).toBe(200);
    expect(body.status).toBe("sold");
    expect(body.buyer).toBeTruthy();
    expect(body.price).toBeGreaterThan(0);
    expect(body.buyerLeadId).toMatch(/^MB-/);
  });
});
