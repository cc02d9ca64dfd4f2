import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { testBuyer, uid } from "../helpers/buyers";
import { leadRow, mockRequests, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { ADMIN, newSource } from "../helpers/sources";
import { routeSync, routingHarness, storeSync, timelineOfType } from "./helpers";

async function sales(leadId: string) {
  const r = await leadD1(leadId).prepare("SELECT buyer_id, price, delivery_id FROM sales WHERE lead_id = ? ORDER BY price DESC").bind(leadId).all<{
    buyer_id: string;
    price: number;
    delivery_id: string;
  }>();
  return r.results;
}

describe("multi-sell and per-source methods (issue 13)", () => {
  it("a direct-post vertical set to multi_sell sells each lead to up to N buyers, each its own delivery and idempotency key", async () => {
    const [a, b, c, d] = [uid("ms1"), uid("ms2"), uid("ms3"), uid("ms4")];
    const h = routingHarness(
      [
        testBuyer(a, "accept", { price: 40 }),
        testBuyer(b, "reject", { price: 35 }, "reason=Not+today"),
        testBuyer(c, "accept", { price: 30 }),
        testBuyer(d, "accept", { price: 20 }),
      ],
      { auto_insurance: { method: "multi_sell", maxBuyers: 2 } },
    );
    const clock = testClock();
    const id = await storeLead(h.env, clock);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    // a takes it, b says no, c takes it: two buyers, the lead's revenue is the sum, d is never asked.
    expect(out).toMatchObject({ status: "sold", buyer: a, price: 70 });
    const rows = await sales(id);
    expect(rows.map((s) => [s.buyer_id, s.price])).toEqual([
      [a, 40],
      [c, 30],
    ]);
    expect(new Set(rows.map((s) => s.delivery_id)).size).toBe(2);
    expect(await mockRequests(d)).toHaveLength(0);
    const keys = [...(await mockRequests(a)), ...(await mockRequests(c))].map((r) => r.headers["idempotency-key"]);
    expect(keys).toEqual([`lw-${id}-${a}`, `lw-${id}-${c}`]);
    expect(await leadRow(id)).toMatchObject({ status: "sold", sold_buyer_id: a, sold_price: 70 });
    const shares = await timelineOfType(id, "sold_share");
    expect(shares.map((s) => s.buyer_id)).toEqual([a]);
  });

  it("send-to-all: with fewer buyers than N, every eligible buyer gets the lead and it ends sold at the total", async () => {
    const [a, b] = [uid("sta1"), uid("sta2")];
    const h = routingHarness([testBuyer(a, "accept", { price: 12 }), testBuyer(b, "accept", { price: 8 })], { auto_insurance: { method: "multi_sell" } });
    const clock = testClock();
    const id = await storeSync(h.env, clock, {});
    expect(await routeSync(h.env, clock, id)).toMatchObject({ status: "sold", buyer: a, price: 20 });
    expect((await sales(id)).map((s) => s.buyer_id)).toEqual([a, b]);
  });

  it("a source's own distribution method (its terms of sale) wins over its vertical's", async () => {
    const [hi, lo] = [uid("own1"), uid("own2")];
    const h = routingHarness([testBuyer(hi, "accept", { price: 50 }), testBuyer(lo, "accept", { price: 5 })], { auto_insurance: { method: "waterfall" } });
    const src = await newSource("Round-robin partner");
    const put = await createApp().request(
      `/v1/admin/sources/${src.id}/terms`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ distribution: { method: "round_robin" } }),
      },
      h.env,
    );
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ mode: "exclusive", distribution: { method: "round_robin" } });
    const clock = testClock();
    const sold: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await storeSync(h.env, clock, {}, src);
      sold.push((await routeSync(h.env, clock, id)).buyer);
      const [routed] = await timelineOfType(id, "routed");
      expect(routed?.data).toMatchObject({ method: "round_robin", origin: "source" });
    }
    expect(sold.filter((b) => b === lo)).toHaveLength(2);
    expect(sold.filter((b) => b === hi)).toHaveLength(2);
    // Another source's leads still follow the vertical's waterfall.
    const other = await storeSync(h.env, clock, {}, await newSource("Plain"));
    expect((await routeSync(h.env, clock, other)).buyer).toBe(hi);
  });

  it("refuses a source method that does not exist, naming the field", async () => {
    const src = await newSource("Typo");
    const res = await createApp().request(
      `/v1/admin/sources/${src.id}/terms`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ distribution: { method: "lottery" } }),
      },
      env,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path)).toContain("distribution.method");
  });
});
