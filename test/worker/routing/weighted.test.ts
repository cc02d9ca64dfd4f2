import { describe, expect, it } from "vitest";
import { testBuyer, uid } from "../helpers/buyers";
import { testClock } from "../helpers/engine";
import { sampleLead } from "../helpers/sources";
import { pool, routeSync, routingHarness, storeSync, tally, timelineOfType } from "./helpers";

// A fixed instant (noon in New York, the buyers' caps time zone), so the day the targets count never turns during the test.
const NOON = Date.parse("2026-06-10T16:00:00Z");

describe("weighted by target (issue 13)", () => {
  it("over 1,000 leads each buyer's share is within 5 % of its share of the daily targets", async () => {
    const [a, b, c] = [uid("wa"), uid("wb"), uid("wc")];
    const targets = { [a]: 500, [b]: 300, [c]: 200 };
    const h = routingHarness(
      // Prices in the opposite order of the targets: price alone would send everything to c.
      [
        testBuyer(a, "accept", { price: 10, verticals: ["solar"], endpoint: { timeoutMs: 10_000 } }),
        testBuyer(b, "accept", { price: 20, verticals: ["solar"], endpoint: { timeoutMs: 10_000 } }),
        testBuyer(c, "accept", { price: 30, verticals: ["solar"], endpoint: { timeoutMs: 10_000 } }),
      ],
      { solar: { method: "weighted", period: "day", targets } },
    );
    const clock = testClock(NOON);
    const lead = () => sampleLead({ vertical: "solar", fields: { monthly_electric_bill: 150, roof_shade: "none" } }, NOON);
    const outs = await pool(Array.from({ length: 1000 }), 8, async () => {
      const id = await storeSync(h.env, clock, lead());
      return { id, out: await routeSync(h.env, clock, id) };
    });
    expect(outs.every((o) => o.out.status === "sold")).toBe(true);
    const counts = tally(outs.map((o) => o.out.buyer));
    const total = 1000;
    const sum = Object.values(targets).reduce((x, y) => x + y, 0);
    for (const [buyer, target] of Object.entries(targets)) {
      const expected = (total * target) / sum;
      expect(Math.abs((counts[buyer] ?? 0) - expected)).toBeLessThanOrEqual(0.05 * expected);
    }
    console.log(`weighted: ${JSON.stringify({ a: counts[a], b: counts[b], c: counts[c] })} of ${total} for targets 500/300/200`);

    // The last decision names the method and each buyer's share of its target.
    const last = outs[outs.length - 1]?.id ?? "";
    const [routed] = await timelineOfType(last, "routed");
    expect(routed?.data).toMatchObject({ method: "weighted", origin: "vertical" });
    const rows = routed?.data.candidates as { buyer: string; target: number; sold: number; score: number; period: string }[];
    expect(rows.map((r) => r.target).sort((x, y) => x - y)).toEqual([200, 300, 500]);
    for (const r of rows) expect(r.score).toBeCloseTo(r.sold / r.target, 3);
  }, 180_000);

  it("weights a buyer without a configured target by its daily lead cap", async () => {
    const [capped, free] = [uid("wcap"), uid("wfree")];
    const h = routingHarness(
      [
        testBuyer(capped, "accept", { price: 10, verticals: ["legal"], caps: { day: 100, timezone: "America/New_York" } }),
        testBuyer(free, "accept", { price: 40, verticals: ["legal"] }),
      ],
      { legal: { method: "weighted", period: "day", targets: { [free]: 100 } } },
    );
    const clock = testClock(NOON);
    const sold: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await storeSync(h.env, clock, sampleLead({ vertical: "legal", fields: { case_type: "slip and fall" } }, NOON));
      sold.push((await routeSync(h.env, clock, id)).buyer);
    }
    // Equal targets (100 each): the two alternate, the better price first on a tie.
    expect(sold).toEqual([free, capped, free, capped, free, capped, free, capped]);
  });
});
