import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { pauseBuyer } from "../../../src/db/buyer-overrides";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { gate, input } from "../buyer-gate/fixtures";
import { testBuyer, testBuyerConfig, uid } from "../helpers/buyers";
import { mockRequests, testClock } from "../helpers/engine";
import { ADMIN, newSource, sampleLead } from "../helpers/sources";
import { routeSync, routingHarness, storeSync, timelineOfType } from "./helpers";

const NOON = Date.parse("2026-06-10T16:00:00Z");

describe("skip reasons (issue 13)", () => {
  it("a sync lead sold to the fourth-priced buyer names every buyer passed over, with why, in its reasons and on its timeline", async () => {
    const id = (p: string) => uid(p);
    const b = {
      closed: id("closed"),
      capfull: id("capfull"),
      revcap: id("revcap"),
      down: id("down"),
      filtered: id("filtered"),
      excluded: id("excluded"),
      dup: id("dup"),
      async: id("asyncb"),
      paused: id("paused"),
      sandbox: id("sandboxb"),
      winner: id("winner"),
    };
    const configs: Record<keyof typeof b, BuyerConfigInput> = {
      closed: testBuyer(b.closed, "accept", { price: 99, schedule: { timezone: "UTC", hours: { start: "00:00", end: "00:01" } } }),
      capfull: testBuyer(b.capfull, "accept", { price: 90, caps: { day: 1, timezone: "America/New_York" } }),
      revcap: testBuyer(b.revcap, "accept", { price: 80, caps: { timezone: "UTC", revenue: { day: 50 } } }),
      down: testBuyer(b.down, "error500", {
        price: 70,
        circuit: { failureThreshold: 1, minimumCalls: 1, failureRate: 0, windowSeconds: 300, cooldownSeconds: 600 },
      }),
      filtered: testBuyer(b.filtered, "accept", { price: 95, filters: { states: ["CA"] } }),
      excluded: testBuyer(b.excluded, "accept", { price: 94 }),
      dup: testBuyer(b.dup, "accept", { price: 93, dedupe: { days: 30 } }),
      async: testBuyer(b.async, "async", { price: 92, endpoint: { url: "", mode: "async" } }),
      paused: testBuyer(b.paused, "accept", { price: 91 }),
      sandbox: testBuyer(b.sandbox, "accept", { price: 89, status: "sandbox" }),
      winner: testBuyer(b.winner, "accept", { price: 10 }),
    };
    const clock = testClock(NOON);
    const phone = `(469) 555-${String(1000 + Math.floor(Math.random() * 8999))}`;

    // The duplicate buyer already bought this phone, from another source.
    const before = routingHarness([configs.dup], {});
    const earlier = await storeSync(before.env, clock, sampleLead({ phone }, NOON), await newSource("Earlier"));
    expect((await routeSync(before.env, clock, earlier)).buyer).toBe(b.dup);
    // The capped buyer's one lead of the day is used; the broken buyer's circuit is open.
    expect(
      (await gate(testBuyerConfig(b.capfull, "accept", configs.capfull)).deliver(input(testBuyerConfig(b.capfull, "accept", configs.capfull)))).outcome,
    ).toBe("accepted");
    const downConfig = testBuyerConfig(b.down, "error500", configs.down);
    expect((await gate(downConfig).deliver(input(downConfig))).circuit).toBe("open");
    await pauseBuyer(env, b.paused, "operator", NOON);

    const h = routingHarness(Object.values(configs), {});
    const src = await newSource("Picky source", { excludedBuyers: [b.excluded] });
    const lead = await storeSync(h.env, clock, sampleLead({ phone }, NOON), src);
    const out = await routeSync(h.env, clock, lead);
    expect(out).toMatchObject({ status: "sold", buyer: b.winner, price: 10 });

    const why: Record<string, string> = {
      [b.closed]: "schedule",
      [b.capfull]: "cap",
      [b.revcap]: "revenue_cap",
      [b.down]: "circuit",
      [b.filtered]: "filter",
      [b.excluded]: "source_excluded",
      [b.dup]: "duplicate",
      [b.async]: "sync_incompatible",
      [b.paused]: "paused",
      [b.sandbox]: "sandbox",
    };
    // The lead's reasons: one line per buyer passed over, naming the kind and the words.
    const res = await createApp().request(`/v1/leads/${lead}`, { headers: { authorization: `Bearer ${ADMIN}` } }, h.env);
    const view = (await res.json()) as { reasons: { buyerId: string; reason: string }[]; timeline: { type: string; buyer: string | null; data: unknown }[] };
    for (const [buyer, code] of Object.entries(why)) {
      const mine = view.reasons.filter((r) => r.buyerId === buyer).map((r) => r.reason);
      if (code === "duplicate") expect(mine).toContainEqual(expect.stringMatching(/^left out: bought the same phone or e-mail/));
      else expect(mine).toContainEqual(expect.stringMatching(new RegExp(`^passed over \\(${code}\\): `)));
    }
    expect(view.reasons.find((r) => r.buyerId === b.capfull)?.reason).toBe("passed over (cap): day cap reached (1)");
    expect(view.reasons.find((r) => r.buyerId === b.filtered)?.reason).toBe("passed over (filter): state TX not bought");
    expect(view.reasons.find((r) => r.buyerId === b.closed)?.reason).toBe("passed over (schedule): outside the buyer's schedule");
    expect(view.reasons.some((r) => r.buyerId === b.winner)).toBe(false);

    // The timeline: the routing decisions list those the ranking passed over, `passed_over` those their gate refused.
    const onTimeline = new Map<string, string>();
    for (const e of await timelineOfType(lead, "routed")) {
      for (const s of e.data.skipped as { buyer: string; code: string }[]) onTimeline.set(s.buyer, s.code);
    }
    for (const e of await timelineOfType(lead, "passed_over")) onTimeline.set(String(e.buyer_id), String(e.data.code));
    expect(Object.fromEntries(onTimeline)).toEqual(why);
    // The operator's lead view carries the same timeline.
    expect(
      view.timeline
        .filter((t) => t.type === "passed_over")
        .map((t) => t.buyer)
        .sort(),
    ).toEqual([b.capfull, b.down, b.revcap].sort());
    // The first decision: waterfall, the three above the winner, in price order, before it.
    const [first] = await timelineOfType(lead, "routed");
    expect(first?.data).toMatchObject({ method: "waterfall", origin: "default", chosen: b.capfull });
    expect(((first?.data.candidates ?? []) as { buyer: string }[]).map((c) => c.buyer)).toEqual([b.capfull, b.revcap, b.down, b.winner]);
    // None of the passed-over buyers was sent the lead.
    for (const x of [b.closed, b.capfull, b.revcap, b.filtered, b.excluded, b.async, b.paused, b.sandbox]) {
      const got = (await mockRequests(x)).filter((r) => r.body.includes(lead));
      expect(got).toHaveLength(0);
    }
  });
});
