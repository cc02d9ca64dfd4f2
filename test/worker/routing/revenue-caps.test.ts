import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { gate, gateBuyer, input, received } from "../buyer-gate/fixtures";
import { testBuyer, uid } from "../helpers/buyers";
import { leadRow, mockRequests, testClock } from "../helpers/engine";
import { allRows } from "../helpers/shards";
import { ADMIN } from "../helpers/sources";
import { routeSync, routingHarness, storeSync, timelineOfType } from "./helpers";

describe("revenue caps and prepaid balances (issue 13)", () => {
  it("200 concurrent leads against a $1,000 daily revenue cap at $30 sell exactly 33", async () => {
    const b = gateBuyer(uid("rev"), "accept", { price: 30, caps: { timezone: "America/New_York", revenue: { day: 1000 } } }, { price: "30" });
    const g = gate(b);
    const results = await Promise.all(Array.from({ length: 200 }, () => g.deliver(input(b))));
    expect(results.filter((r) => r.outcome === "accepted")).toHaveLength(33);
    const deferred = results.filter((r) => r.outcome === "deferred");
    expect(deferred).toHaveLength(167);
    expect(deferred[0]?.reason).toBe("revenue day cap reached ($990 of $1,000 used; this lead is $30)");
    expect(await received(b.id)).toHaveLength(33);
    const s = await g.status(b);
    expect(s.revenue.windows.day).toMatchObject({ limit: 1000, used: 990, left: 10 });
    expect(s.revenue.held).toBe(0);
  }, 60_000);

  it("through the waterfall too: 200 concurrent sync leads, one buyer with a $1,000 cap at $30 — 33 sold, the rest unsold naming the revenue cap", async () => {
    const b = uid("revwf");
    const h = routingHarness(
      [testBuyer(b, "accept", { price: 30, endpoint: { timeoutMs: 10_000 }, caps: { timezone: "America/Denver", revenue: { day: 1000 } } })],
      {},
    );
    const clock = testClock();
    const ids = await Promise.all(Array.from({ length: 200 }, () => storeSync(h.env, clock, {})));
    const outs = await Promise.all(ids.map((id) => routeSync(h.env, clock, id)));
    expect(outs.filter((o) => o.status === "sold")).toHaveLength(33);
    expect(outs.filter((o) => o.status === "unsold")).toHaveLength(167);
    expect(await mockRequests(b)).toHaveLength(33);
    const unsold = outs.find((o) => o.status === "unsold");
    expect(unsold?.reasons).toContainEqual({ buyerId: b, reason: expect.stringMatching(/^passed over \(revenue_cap\): revenue day cap reached/) });
    // Sales live on their lead's shard: counted on every database.
    const perShard = await allRows<{ n: number; revenue: number | null }>("SELECT COUNT(*) AS n, SUM(price) AS revenue FROM sales WHERE buyer_id = ?", b);
    const sold = perShard.reduce((a: { n: number; revenue: number }, r) => ({ n: a.n + r.n, revenue: a.revenue + (r.revenue ?? 0) }), { n: 0, revenue: 0 });
    expect(sold).toEqual({ n: 33, revenue: 990 });
  }, 60_000);

  it("a ping/post reservation carries the bid's price: two $400 bids fit a $1,000 cap, the third does not", async () => {
    const b = gateBuyer(uid("revbid"), "accept", { price: 1, caps: { timezone: "UTC", revenue: { day: 1000 } } });
    const g = gate(b);
    const bid = { id: "B-1", price: 400, expires_at: null, ping_id: "png_x" };
    const outs = [];
    for (let i = 0; i < 3; i++) outs.push(await g.deliver(input(b, { bid })));
    expect(outs.map((o) => o.outcome)).toEqual(["accepted", "accepted", "deferred"]);
    expect(outs[2]?.reason).toBe("revenue day cap reached ($800 of $1,000 used; this lead is $400)");
    // A smaller lead still fits what is left.
    expect((await g.deliver(input(b, { bid: { ...bid, price: 150 } }))).outcome).toBe("accepted");
    expect((await g.status(b)).revenue.windows.day).toMatchObject({ used: 950, left: 50 });
  });

  it("a failed or rejected delivery gives its money back; a test lead never spends it", async () => {
    const b = gateBuyer(uid("revrel"), "reject", { price: 600, caps: { timezone: "UTC", revenue: { day: 1000 } } });
    const g = gate(b);
    expect((await g.deliver(input(b))).outcome).toBe("rejected");
    expect((await g.status(b)).revenue.windows.day.used).toBe(0);
  });

  it("in the waterfall, the capped buyer is passed over with its reason and the lead goes to the next", async () => {
    const capped = uid("capd");
    const next = uid("next");
    const h = routingHarness(
      [testBuyer(capped, "accept", { price: 30, caps: { timezone: "America/Chicago", revenue: { day: 60 } } }), testBuyer(next, "accept", { price: 10 })],
      {},
    );
    const clock = testClock();
    const outs = [];
    for (let i = 0; i < 3; i++) {
      const id = await storeSync(h.env, clock, {});
      outs.push({ id, out: await routeSync(h.env, clock, id) });
    }
    expect(outs.map((o) => o.out.buyer)).toEqual([capped, capped, next]);
    const third = outs[2]?.id ?? "";
    const reasons = JSON.parse(String((await leadRow(third))?.outcome_reasons)) as { buyerId: string; reason: string }[];
    expect(reasons).toContainEqual({ buyerId: capped, reason: "passed over (revenue_cap): revenue day cap reached ($60 of $60 used; this lead is $30)" });
    const [passed] = await timelineOfType(third, "passed_over");
    expect(passed).toMatchObject({ buyer_id: capped, data: { code: "revenue_cap" } });
    expect(await mockRequests(capped)).toHaveLength(2);
  });

  it("a prepaid buyer is sold only what its balance covers, is paused with an alert when it is spent, and a top-up resumes it", async () => {
    const pre = uid("prepaid");
    const backup = uid("backup");
    const h = routingHarness(
      [testBuyer(pre, "accept", { price: 30, caps: { timezone: "UTC", prepaid: true } }), testBuyer(backup, "accept", { price: 5 })],
      {},
    );
    const app = createApp();
    const topUp = (body: unknown) =>
      app.request(
        `/v1/admin/buyers/${pre}/balance`,
        { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify(body) },
        h.env,
      );
    // Nothing paid in yet: the lead goes to the backup, and the prepaid buyer is paused.
    const clock = testClock();
    const sell = async () => routeSync(h.env, clock, await storeSync(h.env, clock, {}));
    expect((await sell()).buyer).toBe(backup);
    const r1 = await topUp({ amount: 100, reference: "inv-1" });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ buyerId: pre, balance: 100, applied: true, resumed: true });
    // The same reference again adds nothing.
    expect(await (await topUp({ amount: 100, reference: "inv-1" })).json()).toMatchObject({ balance: 100, applied: false });

    const sold = [];
    for (let i = 0; i < 4; i++) sold.push((await sell()).buyer);
    // $100 pays three $30 leads; with $10 left the buyer is paused and the fourth goes to the backup.
    expect(sold).toEqual([pre, pre, pre, backup]);
    const paused = await env.DB.prepare("SELECT status, reason FROM buyer_overrides WHERE buyer_id = ?").bind(pre).first();
    expect(paused).toEqual({ status: "paused", reason: "prepaid balance spent" });
    // The first alert (nothing paid in) was closed by the top-up; the open one says what is left.
    const alerts = await env.DB.prepare("SELECT kind, message, resolved_at FROM alerts WHERE buyer_id = ? ORDER BY created_at")
      .bind(pre)
      .all<{ kind: string; message: string; resolved_at: string | null }>();
    expect(alerts.results.map((a) => [a.kind, a.resolved_at === null ? "open" : "resolved"])).toEqual([
      ["balance_spent", "resolved"],
      ["balance_spent", "open"],
    ]);
    expect(alerts.results[1]?.message).toContain("$10.00 left");
    const status = await (await app.request(`/v1/buyers/${pre}`, { headers: { authorization: `Bearer ${ADMIN}` } }, h.env)).json<{
      gate: { revenue: { balance: number } };
    }>();
    expect(status.gate.revenue.balance).toBe(10);

    expect(await (await topUp({ amount: 50, reference: "inv-2" })).json()).toEqual({ buyerId: pre, balance: 60, applied: true, resumed: true });
    expect((await sell()).buyer).toBe(pre);
    expect(await mockRequests(pre)).toHaveLength(4);
  });

  it("refuses a top-up for a buyer that is not prepaid, naming why", async () => {
    const plain = uid("plain");
    const h = routingHarness([testBuyer(plain, "accept")], {});
    const res = await createApp().request(
      `/v1/admin/buyers/${plain}/balance`,
      { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ amount: 10 }) },
      h.env,
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("not a prepaid buyer");
    const bad = await createApp().request(
      `/v1/admin/buyers/${plain}/balance`,
      { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ amount: -5 }) },
      h.env,
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe("amount");
  });
});
