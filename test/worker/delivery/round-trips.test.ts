import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findSourceByKey, revokeSource, SOURCE_CACHE_MS } from "../../../src/db/sources";
import { processDeliveryJob, runSyncDelivery } from "../../../src/delivery/waterfall";
import { acceptLead } from "../../../src/intake/accept";
import { testBuyer, uid } from "../helpers/buyers";
import { countGateSql, countingD1, countingGates, countingShards } from "../helpers/counting";
import { harness, storeLead, testClock } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { newSource, recordingQueue, sampleLead } from "../helpers/sources";

/**
 * Round trips per lead, counted (issue 11's budget): a change that adds a D1 round trip, a gate
 * RPC or gate SQLite statements to the common path fails here. Counts, never timings.
 */
describe("round trips per lead", () => {
  it("intake stores an async lead in one D1 round trip of 4 statements and enqueues it once", async () => {
    const src = await newSource();
    const { dbs, count } = countingShards(env);
    const queue = recordingQueue();
    const e = { ...env, ...dbs, DELIVERIES: queue } as unknown as Env;
    const r = await acceptLead(e, testClock(), { id: src.id, name: src.name, excludedBuyers: [] }, sampleLead(), { mode: "async" });
    expect(r.status).toBe("queued");
    expect(count.roundTrips).toBe(1);
    // The lead row, its `received` entry, its counts, its two hash rows in one statement.
    expect(count.statements).toBe(4);
    expect(queue.sent).toHaveLength(1);
    const row = await leadD1(r.lead.id)
      .prepare("SELECT status, next_attempt_at FROM leads WHERE id = ?")
      .bind(r.lead.id)
      .first<{ status: string; next_attempt_at: string }>();
    expect(row?.status).toBe("queued");
    expect(row?.next_attempt_at).toBeTruthy();
  });

  it("a source key found once is not looked up again for SOURCE_CACHE_MS; a revocation through this isolate takes effect at once", async () => {
    const src = await newSource();
    const { db, count } = countingD1(env.DB);
    const e = { ...env, DB: db } as unknown as Env;
    const t0 = Date.now();
    expect((await findSourceByKey(e, src.apiKey, t0))?.id).toBe(src.id);
    expect(count.roundTrips).toBe(1);
    expect((await findSourceByKey(e, src.apiKey, t0 + SOURCE_CACHE_MS - 1))?.id).toBe(src.id);
    expect(count.roundTrips).toBe(1);
    expect((await findSourceByKey(e, src.apiKey, t0 + SOURCE_CACHE_MS + 1))?.id).toBe(src.id);
    expect(count.roundTrips).toBe(2);
    expect(await revokeSource(e, src.id, t0 + SOURCE_CACHE_MS + 2)).toBe(true);
    expect(await findSourceByKey(e, src.apiKey, t0 + SOURCE_CACHE_MS + 3)).toBeUndefined();
    expect(await findSourceByKey(e, "lw_unknown", t0)).toBeUndefined();
  });

  it("the consumer sells to the first buyer in 3 D1 round trips (12 statements), one gate RPC and at most 5 gate statements", async () => {
    const b = uid("rt");
    const h = harness([testBuyer(b, "accept", { caps: { day: 1000, hour: 500, maxInFlight: 10, timezone: "America/Chicago" } })]);
    const clock = testClock();
    // Warm the gate (it reads its storage once and keeps the config version).
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: await storeLead(h.env, clock) })).toMatchObject({ status: "sold" });
    const gateSql = await countGateSql(env.BUYER_GATE.get(env.BUYER_GATE.idFromName(b)));
    const before = await gateSql();
    const d1 = countingShards(env);
    const gates = countingGates(env.BUYER_GATE);
    const counted = { ...h.env, ...d1.dbs, BUYER_GATE: gates.ns } as unknown as Env;
    const leads = 3;
    for (let i = 0; i < leads; i++) {
      const id = await storeLead(h.env, clock);
      expect(await processDeliveryJob(counted, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: b });
    }
    expect(d1.count.roundTrips).toBe(3 * leads);
    // The lease (the lead with its source and the paused buyers, its claims), the claim, the
    // settle: 12 statements, the sale's counts in the attempt's counter upsert.
    expect(d1.count.statements).toBe(12 * leads);
    expect(gates.rpcs.deliver).toBe(leads);
    const statements = (await gateSql()) - before;
    // Reserve, commit, the breaker's call log, last success: breaker and caps are read from memory.
    expect(statements).toBeLessThanOrEqual(5 * leads);
    expect(statements).toBeGreaterThanOrEqual(3 * leads);
    expect(h.queue.sent).toHaveLength(0);
  });

  it("each cascade step adds 2 D1 round trips and one gate RPC", async () => {
    const picky = uid("picky");
    const backup = uid("backup");
    const h = harness([testBuyer(picky, "reject", { price: 50 }), testBuyer(backup, "accept", { price: 10 })]);
    const clock = testClock();
    expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: await storeLead(h.env, clock) })).toMatchObject({ status: "sold", buyer: backup });
    const d1 = countingShards(env);
    const gates = countingGates(env.BUYER_GATE);
    const counted = { ...h.env, ...d1.dbs, BUYER_GATE: gates.ns } as unknown as Env;
    const id = await storeLead(h.env, clock);
    expect(await processDeliveryJob(counted, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: backup, attempts: 2 });
    expect(d1.count.roundTrips).toBe(3 + 2);
    expect(gates.rpcs.deliver).toBe(2);
  });

  it("a sync lead is stored leased with its first claim, then sold: 2 D1 round trips (13 statements)", async () => {
    const b = uid("sync");
    const h = harness([testBuyer(b, "accept")]);
    const src = await newSource();
    const identity = { id: src.id, name: src.name, excludedBuyers: [] };
    const clock = testClock();
    const warm = await acceptLead(h.env, clock, identity, sampleLead(), { mode: "sync" });
    expect(await runSyncDelivery(h.env, clock, warm.lead.id, warm.leased)).toMatchObject({ status: "sold" });
    const d1 = countingShards(env);
    const counted = { ...h.env, ...d1.dbs } as unknown as Env;
    const r = await acceptLead(counted, clock, identity, sampleLead(), { mode: "sync" });
    expect(r.leased).toBeDefined();
    expect(r.leased?.firstPick?.buyerId).toBe(b);
    expect(await runSyncDelivery(counted, clock, r.lead.id, r.leased)).toMatchObject({ status: "sold", buyer: b });
    expect(d1.count.roundTrips).toBe(2);
    // 6 with the lead (its source and the paused buyers in one read; `received` and `routed` in
    // one insert; the hash rows in one), 7 to settle.
    expect(d1.count.statements).toBe(13);
  });
});
