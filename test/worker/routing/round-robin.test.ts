import { describe, expect, it } from "vitest";
import { testBuyer, uid } from "../helpers/buyers";
import { mockRequests, testClock } from "../helpers/engine";
import { routeSync, routingHarness, storeSync, tally, timelineOfType } from "./helpers";

describe("round robin (issue 13)", () => {
  it("alternates buyers of equal priority exactly, whatever their prices, one lead after another", async () => {
    const [a, b, c, low] = [uid("rra"), uid("rrb"), uid("rrc"), uid("rrlow")];
    const h = routingHarness(
      [
        testBuyer(a, "accept", { price: 30, verticals: ["solar"] }),
        testBuyer(b, "accept", { price: 20, verticals: ["solar"] }),
        testBuyer(c, "accept", { price: 10, verticals: ["solar"] }),
        // Pays the most, but a lower priority: never first while the others take leads.
        testBuyer(low, "accept", { price: 99, priority: -1, verticals: ["solar"] }),
      ],
      { solar: { method: "round_robin" } },
    );
    const clock = testClock();
    const sold: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = await storeSync(h.env, clock, { vertical: "solar", fields: { monthly_electric_bill: 180 } });
      const out = await routeSync(h.env, clock, id);
      expect(out.status).toBe("sold");
      sold.push(String(out.buyer));
    }
    // The first three are the three equal buyers in some order; then that order repeats exactly.
    expect(new Set(sold.slice(0, 3))).toEqual(new Set([a, b, c]));
    for (let i = 3; i < sold.length; i++) expect(sold[i]).toBe(sold[i - 3]);
    expect(tally(sold)).toEqual({ [a]: 4, [b]: 4, [c]: 4 });
    expect(await mockRequests(low)).toHaveLength(0);
  });

  it("gives concurrent leads one turn each: 30 at once split 10/10/10", async () => {
    const ids = [uid("rrx"), uid("rry"), uid("rrz")];
    const h = routingHarness(
      // A generous timeout, as in the other concurrent routing tests: 30 calls at once on a shared machine are not what is measured.
      ids.map((id, i) => testBuyer(id, "accept", { price: 10 + i, verticals: ["legal"], endpoint: { timeoutMs: 10_000 } })),
      { legal: { method: "round_robin" } },
    );
    const clock = testClock();
    const leads = await Promise.all(Array.from({ length: 30 }, () => storeSync(h.env, clock, { vertical: "legal", fields: { case_type: "auto accident" } })));
    const outs = await Promise.all(leads.map((id) => routeSync(h.env, clock, id)));
    expect(outs.every((o) => o.status === "sold")).toBe(true);
    expect(tally(outs.map((o) => o.buyer))).toEqual(Object.fromEntries(ids.map((id) => [id, 10])));
  });

  it("records the method and each candidate's turn on the lead's timeline", async () => {
    const [a, b] = [uid("rrt1"), uid("rrt2")];
    const h = routingHarness([testBuyer(a, "accept", { price: 5, verticals: ["mortgage"] }), testBuyer(b, "accept", { price: 50, verticals: ["mortgage"] })], {
      mortgage: { method: "round_robin" },
    });
    const clock = testClock();
    const first = await storeSync(h.env, clock, { vertical: "mortgage", fields: { loan_amount: 250000 } });
    const one = await routeSync(h.env, clock, first);
    const second = await storeSync(h.env, clock, { vertical: "mortgage", fields: { loan_amount: 250000 } });
    const two = await routeSync(h.env, clock, second);
    expect(new Set([one.buyer, two.buyer])).toEqual(new Set([a, b]));
    const [routed] = await timelineOfType(second, "routed");
    expect(routed?.buyer_id).toBe(two.buyer);
    expect(routed?.data).toMatchObject({ method: "round_robin", origin: "vertical", chosen: two.buyer });
    const rows = routed?.data.candidates as { buyer: string; score: number; turn?: string }[];
    expect(rows.map((r) => r.buyer)).toEqual([two.buyer, one.buyer]);
    expect(rows[0]?.turn).toBe("taken");
  });
});
