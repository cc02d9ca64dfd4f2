import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { pauseBuyer, resumeBuyer } from "../../../src/db/buyer-overrides";
import { runSyncDelivery } from "../../../src/delivery/waterfall";
import { acceptLead } from "../../../src/intake/accept";
import { testBuyer, uid } from "../helpers/buyers";
import { countingShards } from "../helpers/counting";
import { harness, mockRequests, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { newSource, sampleLead } from "../helpers/sources";

/**
 * A sync lead's first pick is made before the lead is stored, on what the isolate knows (the
 * source as its key was authenticated, the paused buyers as last read), so that its claim rides
 * in the batch that stores the lead. These tests pin what keeps that safe: the pick is checked
 * against the batch's own fresh read before anything is sent, and a pick that fresh state
 * would not make is let go — claim and `routed` entry — with nothing sent to that buyer.
 */

interface Row {
  buyer_id: string | null;
  state?: string;
}

async function claimsOf(leadId: string): Promise<Row[]> {
  return (await leadD1(leadId).prepare("SELECT buyer_id, state FROM lead_buyers WHERE lead_id = ? ORDER BY buyer_id").bind(leadId).all<Row>()).results;
}

async function routedOf(leadId: string): Promise<Row[]> {
  return (await leadD1(leadId).prepare("SELECT buyer_id FROM lead_events WHERE lead_id = ? AND type = 'routed'").bind(leadId).all<Row>()).results;
}

const paused: string[] = [];
afterEach(async () => {
  for (const id of paused.splice(0)) await resumeBuyer(env, id);
});

describe("a sync lead's first pick, taken with the lead", () => {
  it("a buyer paused since this isolate last read the paused buyers is let go before the call; the lead is sold to the next buyer in the usual 3 round trips, then 2 again", async () => {
    const top = uid("fp-top");
    const next = uid("fp-next");
    const h = harness([testBuyer(top, "accept", { price: 50 }), testBuyer(next, "accept", { price: 10 })]);
    const clock = testClock();
    const src = await newSource();
    const identity = { id: src.id, name: src.name, excludedBuyers: [] };
    const d1 = countingShards(env);
    const counted = { ...h.env, ...d1.dbs } as unknown as Env;

    // This isolate reads the paused buyers (none of these two) with the first lead, which goes to the best price.
    const first = await acceptLead(counted, clock, identity, sampleLead({}, clock.now()), { mode: "sync" });
    expect(await runSyncDelivery(counted, clock, first.lead.id, first.leased)).toMatchObject({ status: "sold", buyer: top });
    expect(d1.count.roundTrips).toBe(2);

    // Paused elsewhere: this isolate's last read does not know it, so the next pick still names `top`.
    await pauseBuyer(env, top, "paused by an operator", clock.now());
    paused.push(top);
    const sentToTop = (await mockRequests(top)).length;
    const before = d1.count.roundTrips;
    const second = await acceptLead(counted, clock, identity, sampleLead({}, clock.now()), { mode: "sync" });
    expect(second.leased?.firstPick?.buyerId).toBe(top);
    expect(await runSyncDelivery(counted, clock, second.lead.id, second.leased)).toMatchObject({ status: "sold", buyer: next });
    // The stale pick cost the claim round trip any lead pays without this fold.
    expect(d1.count.roundTrips - before).toBe(3);
    expect((await mockRequests(top)).length).toBe(sentToTop);
    expect(await claimsOf(second.lead.id)).toEqual([{ buyer_id: next, state: "accepted" }]);
    // Its `routed` entry went with it: the timeline names only the decision acted on.
    expect(await routedOf(second.lead.id)).toEqual([{ buyer_id: next }]);

    // The batch's read taught the isolate: the next lead's pick names `next` and takes no round trip of its own.
    const mid = d1.count.roundTrips;
    const third = await acceptLead(counted, clock, identity, sampleLead({}, clock.now()), { mode: "sync" });
    expect(third.leased?.firstPick?.buyerId).toBe(next);
    expect(await runSyncDelivery(counted, clock, third.lead.id, third.leased)).toMatchObject({ status: "sold", buyer: next });
    expect(d1.count.roundTrips - mid).toBe(2);
  });

  it("a source whose exclusions changed after its key was cached: the fresh read wins and the excluded buyer is never called", async () => {
    const top = uid("fp-excl");
    const next = uid("fp-other");
    const h = harness([testBuyer(top, "accept", { price: 50 }), testBuyer(next, "accept", { price: 10 })]);
    const clock = testClock();
    // The source row excludes `top`; the identity the request authenticated with (cached earlier) does not yet.
    const src = await newSource("Excluding source", { excludedBuyers: [top] });
    const stale = { id: src.id, name: src.name, excludedBuyers: [] };
    const sentToTop = (await mockRequests(top)).length;
    const r = await acceptLead(h.env, clock, stale, sampleLead({}, clock.now()), { mode: "sync" });
    expect(r.leased?.firstPick?.buyerId).toBe(top);
    const out = await runSyncDelivery(h.env, clock, r.lead.id, r.leased);
    expect(out).toMatchObject({ status: "sold", buyer: next });
    expect((await mockRequests(top)).length).toBe(sentToTop);
    expect(await claimsOf(r.lead.id)).toEqual([{ buyer_id: next, state: "accepted" }]);
    expect(await routedOf(r.lead.id)).toEqual([{ buyer_id: next }]);
  });

  it("a repeated key stores nothing: no claim and no `routed` entry for the lead id that lost", async () => {
    const b = uid("fp-dup");
    const h = harness([testBuyer(b, "accept")]);
    const clock = testClock();
    const src = await newSource();
    const identity = { id: src.id, name: src.name, excludedBuyers: [] };
    const lead = sampleLead({}, clock.now());
    const a = await acceptLead(h.env, clock, identity, lead, { mode: "sync", idempotencyKey: "fp-dup-key" });
    expect(a.created).toBe(true);
    const again = await acceptLead(h.env, clock, identity, lead, { mode: "sync", idempotencyKey: "fp-dup-key" });
    expect(again).toMatchObject({ created: false, lead: { id: a.lead.id } });
    expect(again.leased).toBeUndefined();
    const db = leadD1(a.lead.id);
    const orphans = await db
      .prepare(
        "SELECT (SELECT COUNT(*) FROM lead_buyers WHERE buyer_id = ?1 AND lead_id NOT IN (SELECT id FROM leads)) AS claims, (SELECT COUNT(*) FROM lead_events WHERE type = 'routed' AND buyer_id = ?1 AND lead_id NOT IN (SELECT id FROM leads)) AS routed",
      )
      .bind(b)
      .first<{ claims: number; routed: number }>();
    expect(orphans).toEqual({ claims: 0, routed: 0 });
    // The lead that was stored holds the one claim, and is sold under it.
    expect(await claimsOf(a.lead.id)).toEqual([{ buyer_id: b, state: "trying" }]);
    expect(await runSyncDelivery(h.env, clock, a.lead.id, a.leased)).toMatchObject({ status: "sold", buyer: b });
  });
});
