/**
 * Salesforce Bulk API 2.0 batch buyers (issue 16), end to end in the Workers runtime: leads
 * routed by the real waterfall to the demo-salesforce-bulk buyer are collected in its BuyerGate
 * (pending in D1, cap slot held), the gate's alarm runs the job against the mock Salesforce over
 * HTTP — create, upload, close, one poll per alarm, results — and the delivery layer writes each
 * lead's own result to D1. The gate's clock is moved on instead of waiting for the polls.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BuyerGate } from "../../../src/buyer-gate";
import { applyGateResults, writeBatchResults } from "../../../src/delivery/batch";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import type { BuyerConfig } from "../../../src/integration/config";
import { testBuyer, uid } from "../helpers/buyers";
import { deliverJobs, harness, storeLead, testClock } from "../helpers/engine";
import { setGateClock } from "../helpers/gate";
import { allRows, countAll, leadD1, mergeCounts } from "../helpers/shards";
import { newSource } from "../helpers/sources";
import { crmControl, demoBuyer, gate, received } from "./helpers";

interface SfJob {
  id: string;
  state: string;
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
}
interface SfOrg {
  leads: { id: string; fields: Record<string, string> }[];
  jobs: SfJob[];
}

/** The demo batch buyer on its own org, taking every auto lead (no demo filter), with slow polls so only the test moves them. */
function bulkBuyer(batch: Record<string, unknown> = {}): BuyerConfig {
  return demoBuyer("demo-salesforce-bulk", (raw) => {
    raw.filters = {};
    raw.price = 900;
    const b = raw.batch as { job: Record<string, unknown> } & Record<string, unknown>;
    raw.batch = { ...b, maxAgeMinutes: 15, ...batch, job: { ...b.job, pollInitialSeconds: 600, pollMaxSeconds: 1200 } };
  });
}

/**
 * Waits until the gate's batch shows what `done` wants: an alarm due now may already have been
 * fired by the runtime itself (then runDurableObjectAlarm finds none and returns at once).
 */
async function batchOf(
  stub: DurableObjectStub<BuyerGate>,
  buyer: BuyerConfig,
  done: (b: NonNullable<Awaited<ReturnType<BuyerGate["status"]>>["batch"]>) => boolean,
) {
  for (let i = 0; i < 200; i++) {
    const b = (await stub.status(buyer)).batch;
    if (b && done(b)) return b;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the gate's batch never got there: ${JSON.stringify((await stub.status(buyer)).batch)}`);
}

/** Moves the gate's clock on by `ms` (from where the test left it) and runs its alarm. */
function gateTime(first: DurableObjectStub<BuyerGate>) {
  let offset = 0;
  let stub = first;
  return {
    async advance(ms: number) {
      offset += ms;
      await setGateClock(stub, offset);
    },
    /** After a restart: a new stub, and the new instance's clock put back where the test had it. */
    async restart(next: DurableObjectStub<BuyerGate>) {
      stub = next;
      await setGateClock(stub, offset);
    },
    alarm: () => runDurableObjectAlarm(stub),
  };
}

async function statuses(ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < ids.length; i += 90) {
    const part = ids.slice(i, i + 90);
    const rows = await allRows<{ status: string; n: number }>(
      `SELECT status, COUNT(*) AS n FROM leads WHERE id IN (${part.map(() => "?").join(",")}) GROUP BY status`,
      ...part,
    );
    for (const r of rows) out[r.status] = (out[r.status] ?? 0) + r.n;
  }
  return out;
}

/** Stores and routes `n` leads; `failing` ones carry an address the org's validation rule refuses. */
async function routeLeads(h: ReturnType<typeof harness>, clock: ReturnType<typeof testClock>, n: number, failing: Set<number> = new Set()) {
  const source = await newSource();
  const ids: string[] = [];
  const tag = crypto.randomUUID().slice(0, 8);
  for (let i = 0; i < n; i++) {
    const email = failing.has(i) ? `lead${i}.${tag}.fail@example.com` : `lead${i}.${tag}@example.com`;
    const id = await storeLead(h.env, clock, { email, phone: `(214) 555-${String(1000 + i).slice(-4)}` }, source);
    const out = await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    expect(out).toMatchObject({ status: "pending" });
    ids.push(id);
  }
  return ids;
}

describe("salesforce-bulk: batch buyers through the BuyerGate and the mock Salesforce", () => {
  it("500 leads, 37 refused rows: nothing sold before JobComplete, then 463 sold with their Salesforce ids and 37 sent on with their row errors", async () => {
    const b = bulkBuyer({ size: 500 });
    const g = gate(b);
    const t = gateTime(g);
    const h = harness([b]);
    const clock = testClock();
    const failing = new Set(Array.from({ length: 37 }, (_, k) => 5 + k * 13));
    const ids = await routeLeads(h, clock, 500, failing);

    // Collected: every lead pending, nothing at Salesforce yet.
    expect(await statuses(ids)).toEqual({ pending: 500 });
    expect((await g.status(b)).pending).toBe(500);
    expect((await crmControl<SfOrg>("salesforce", b.id)).jobs).toEqual([]);

    // The 500th lead filled the batch: the alarm creates the job, uploads the CSV, closes it.
    await t.alarm();
    const closed = await batchOf(g, b, (x) => x.jobs[0]?.step === "closed");
    expect(closed).toMatchObject({ waiting: 0, jobs: [{ kind: "salesforce-bulk", polls: 0, leads: 500 }], unreported: 0 });
    let org = await crmControl<SfOrg>("salesforce", b.id);
    expect(org.jobs.map((j) => j.state)).toEqual(["UploadComplete"]);
    expect(org.leads).toEqual([]);
    expect(await statuses(ids)).toEqual({ pending: 500 });

    // First poll (after pollInitialSeconds): InProgress — still nothing sold.
    await t.advance(600_000);
    await t.alarm();
    org = await crmControl<SfOrg>("salesforce", b.id);
    expect(org.jobs.map((j) => j.state)).toEqual(["InProgress"]);
    expect(await statuses(ids)).toEqual({ pending: 500 });

    // Second poll (the wait doubled): JobComplete, results read, each lead settled in the gate.
    await t.advance(1_200_000);
    await t.alarm();
    org = await crmControl<SfOrg>("salesforce", b.id);
    expect(org.jobs).toEqual([expect.objectContaining({ state: "JobComplete", numberRecordsProcessed: 500, numberRecordsFailed: 37 })]);
    expect(org.leads).toHaveLength(463);
    // The gate holds the results; D1 has not heard yet: still nothing booked sold.
    expect(await statuses(ids)).toEqual({ pending: 500 });

    const applied = await applyGateResults(h.env, clock, b.id);
    expect(applied).toEqual({ applied: 500, sold: 463, sentOn: 37, late: 0 });
    expect(await statuses(ids)).toEqual({ sold: 463, queued: 37 });

    // Each lead from its own row: a sold lead carries the Salesforce id of the record with its lead id …
    const byLeadId = new Map(org.leads.map((l) => [l.fields["Leadwire_Lead_Id__c"], l.id]));
    // A lead and its claims share its shard: the join runs on every database.
    const rows = {
      results: await allRows<{ id: string; status: string; buyer_lead_id: string | null; state: string; reason: string | null }>(
        `SELECT l.id, l.status, l.buyer_lead_id, c.state, c.reason FROM leads l JOIN lead_buyers c ON c.lead_id = l.id AND c.buyer_id = ? WHERE l.id IN (SELECT lead_id FROM lead_buyers WHERE buyer_id = ?)`,
        b.id,
        b.id,
      ),
    };
    expect(rows.results).toHaveLength(500);
    const failingIds = new Set([...failing].map((i) => ids[i]));
    for (const r of rows.results) {
      if (failingIds.has(r.id)) {
        // … a refused row sends its lead on, with the row's own error as the reason.
        expect(r).toMatchObject({ status: "queued", state: "rejected", buyer_lead_id: null });
        expect(r.reason).toMatch(/^FIELD_CUSTOM_VALIDATION_EXCEPTION: Leads from this address are not accepted .* \(fields: Email\)$/);
      } else {
        expect(r).toMatchObject({ status: "sold", state: "accepted" });
        expect(r.buyer_lead_id).toBe(byLeadId.get(r.id));
      }
    }
    // Every lead has two attempt rows: collected (pending), then its result (accepted / rejected).
    const attempts = mergeCounts(
      await allRows<{ outcome: string; n: number }>("SELECT outcome, COUNT(*) AS n FROM delivery_attempts WHERE buyer_id = ? GROUP BY outcome", b.id),
      (r) => r.outcome,
    ).sort((x, y) => x.outcome.localeCompare(y.outcome));
    expect(attempts).toEqual([
      { outcome: "accepted", n: 463 },
      { outcome: "pending", n: 500 },
      { outcome: "rejected", n: 37 },
    ]);
    // The 37 go on to the next buyer.
    expect(new Set(deliverJobs(h.queue.sent).map((m) => m.body.leadId))).toEqual(failingIds);
    // Caps: 463 slots committed, the 37 given back.
    const status = await g.status(b);
    expect(status.pending).toBe(0);
    expect(status.caps.day.used).toBe(463);
    // At-least-once: nothing is left to apply, and asking again writes nothing.
    expect(await applyGateResults(h.env, clock, b.id)).toEqual({ applied: 0, sold: 0, sentOn: 0, late: 0 });
  });
});

describe("salesforce-bulk: by age, restarts, whole-job failures, repeats", () => {
  it("a batch that never fills goes at its age limit; a gate restarted mid-job resumes polling the same job", async () => {
    const b = bulkBuyer({ size: 200 });
    const g = gate(b);
    const t = gateTime(g);
    const h = harness([b]);
    const clock = testClock();
    const ids = await routeLeads(h, clock, 3);
    expect((await g.status(b)).batch).toMatchObject({ waiting: 3, jobs: [] });

    // 14 minutes: the oldest lead has not waited its 15 yet.
    await t.advance(14 * 60_000);
    await t.alarm();
    expect((await crmControl<SfOrg>("salesforce", b.id)).jobs).toEqual([]);
    // 15 minutes: the job starts with the three leads.
    await t.advance(61_000);
    await t.alarm();
    const started = await batchOf(g, b, (x) => x.jobs[0]?.step === "closed");
    const jobId = started.jobs[0]?.remoteId;
    expect(jobId).toMatch(/^750/);
    await t.advance(600_000);
    await t.alarm();
    expect((await crmControl<SfOrg>("salesforce", b.id)).jobs.map((j) => j.state)).toEqual(["InProgress"]);

    // Restart: the object is reset (its memory and clock gone); storage and the alarm remain.
    await runInDurableObject(g, (gate: BuyerGate) => {
      (gate as unknown as { marker?: string }).marker = "old instance";
    });
    await expect(runInDurableObject(g, (_gate: BuyerGate, state: DurableObjectState) => state.abort("restart mid-job"))).rejects.toThrow(/restart mid-job/);
    const g2 = gate(b);
    expect(await runInDurableObject(g2, (gate: BuyerGate) => (gate as unknown as { marker?: string }).marker)).toBeUndefined();
    await t.restart(g2);

    await t.advance(1_200_000);
    await t.alarm();
    await batchOf(g2, b, (x) => x.jobs.length === 0 && x.unreported === 3);
    const org = await crmControl<SfOrg>("salesforce", b.id);
    expect(org.jobs).toEqual([expect.objectContaining({ id: jobId, state: "JobComplete", numberRecordsProcessed: 3 })]);
    const polls = ((await received(b.id)) as unknown as { method: string; path: string }[]).filter(
      (r) => r.method === "GET" && r.path.endsWith(`/jobs/ingest/${jobId}`),
    );
    expect(polls).toHaveLength(2);

    expect(await applyGateResults(h.env, clock, b.id)).toMatchObject({ applied: 3, sold: 3 });
    expect(await statuses(ids)).toEqual({ sold: 3 });
  });

  it("a job that fails as a whole sends every lead on — nothing sold — and the next buyer takes them", async () => {
    const b = bulkBuyer({ size: 4 });
    const g = gate(b);
    const t = gateTime(g);
    const next = testBuyer(uid("after-bulk"), "accept", { price: 10 });
    const h = harness([b, next]);
    const clock = testClock();
    await crmControl("salesforce", b.id, { bulkFailJob: "InternalServerError : the job could not be processed", bulkPollsToComplete: 1 });
    const ids = await routeLeads(h, clock, 4);
    await t.alarm();
    await batchOf(g, b, (x) => x.jobs[0]?.step === "closed");
    await t.advance(600_000);
    await t.alarm();
    await batchOf(g, b, (x) => x.unreported === 4);
    expect(await statuses(ids)).toEqual({ pending: 4 });

    expect(await applyGateResults(h.env, clock, b.id)).toEqual({ applied: 4, sold: 0, sentOn: 4, late: 0 });
    expect(await statuses(ids)).toEqual({ queued: 4 });
    const claims = await allRows<{ state: string; reason: string }>("SELECT state, reason FROM lead_buyers WHERE buyer_id = ?", b.id);
    expect(claims).toHaveLength(4);
    for (const c of claims) {
      expect(c.state).toBe("rejected");
      expect(c.reason).toMatch(/^server: Salesforce Bulk job 750\w+: job Failed: InternalServerError : the job could not be processed$/);
    }
    const att = await allRows("SELECT outcome, error_class FROM delivery_attempts WHERE buyer_id = ? AND outcome != 'pending'", b.id);
    expect(att).toEqual(Array(4).fill({ outcome: "failed", error_class: "server" }));
    expect((await crmControl<SfOrg>("salesforce", b.id)).leads).toEqual([]);
    expect((await g.status(b)).caps.day.used).toBe(0);

    // Each lead cascades: its message is queued, and the next buyer sells it.
    expect(new Set(deliverJobs(h.queue.sent).map((m) => m.body.leadId))).toEqual(new Set(ids));
    for (const id of ids) expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: next.id });
  });

  it("a job still running after its poll budget is aborted: what it did not process goes on to the next buyer", async () => {
    const b = demoBuyer("demo-salesforce-bulk", (raw) => {
      raw.filters = {};
      raw.price = 900;
      const bt = raw.batch as { job: Record<string, unknown> };
      raw.batch = { size: 2, maxAgeMinutes: 15, job: { ...bt.job, pollInitialSeconds: 600, pollMaxSeconds: 1200, pollBudgetMinutes: 10 } };
    });
    const g = gate(b);
    const t = gateTime(g);
    const h = harness([b]);
    const clock = testClock();
    await crmControl("salesforce", b.id, { bulkPollsToComplete: 50 });
    const ids = await routeLeads(h, clock, 2);
    await t.alarm();
    await batchOf(g, b, (x) => x.jobs[0]?.step === "closed");
    // The first poll comes at the budget's end: still InProgress, so the gate aborts the job …
    await t.advance(600_000);
    await t.alarm();
    expect((await g.status(b)).batch?.jobs[0]).toMatchObject({ step: "aborting", remoteState: "InProgress" });
    expect((await crmControl<SfOrg>("salesforce", b.id)).jobs.map((j) => j.state)).toEqual(["Aborted"]);
    // … and polls it to its end: nothing was created, both leads go on.
    await t.advance(1_200_000);
    await t.alarm();
    await batchOf(g, b, (x) => x.unreported === 2);
    expect(await applyGateResults(h.env, clock, b.id)).toEqual({ applied: 2, sold: 0, sentOn: 2, late: 0 });
    expect(await statuses(ids)).toEqual({ queued: 2 });
    const reasons = await allRows<{ reason: string }>("SELECT reason FROM lead_buyers WHERE buyer_id = ?", b.id);
    expect(reasons).toHaveLength(2);
    for (const r of reasons) {
      expect(r.reason).toMatch(
        /^transient: Salesforce Bulk job 750\w+: job Aborted: aborted by Leadwire: still InProgress after its poll budget of 10 minutes$/,
      );
    }
  });

  it("results applied twice (a redelivered message) are written once; a lead whose delivery expired is never sold by a late result", async () => {
    const b = bulkBuyer({ size: 3 });
    const g = gate(b);
    const t = gateTime(g);
    const h = harness([b]);
    const clock = testClock();
    const ids = await routeLeads(h, clock, 3);
    await t.alarm();
    await batchOf(g, b, (x) => x.jobs[0]?.step === "closed");
    await t.advance(600_000);
    await t.alarm();
    await t.advance(1_200_000);
    await t.alarm();
    await batchOf(g, b, (x) => x.unreported === 3);
    const results = await g.batchResults(100);
    expect(results.map((r) => r.result.outcome)).toEqual(["accepted", "accepted", "accepted"]);

    // The third lead's delivery stopped waiting (its window expired) before the result came.
    const expired = results[2];
    if (!expired) throw new Error("no third result");
    await leadD1(expired.leadId).prepare("UPDATE lead_buyers SET state = 'expired' WHERE delivery_id = ?").bind(expired.deliveryId).run();
    await leadD1(expired.leadId).prepare("UPDATE leads SET status = 'queued' WHERE id = ?").bind(expired.leadId).run();

    const first = await writeBatchResults(h.env, clock, b, results);
    expect(first).toEqual({ applied: 2, sold: 2, sentOn: 0, late: 1 });
    const again = await writeBatchResults(h.env, clock, b, results);
    expect(again).toEqual({ applied: 0, sold: 0, sentOn: 0, late: 3 });
    expect(await statuses(ids)).toEqual({ sold: 2, queued: 1 });
    expect(await countAll("SELECT COUNT(*) AS n FROM delivery_attempts WHERE buyer_id = ? AND outcome = 'accepted'", b.id)).toBe(2);
    // Each sale is recorded once in `sales` (revenue for /v1/metrics), like a sale decided at once; the expired lead's is not.
    const sales = await allRows<{ lead_id: string; price: number; delivery_id: string }>(
      "SELECT lead_id, price, delivery_id FROM sales WHERE buyer_id = ?",
      b.id,
    );
    expect(sales.map((x) => x.delivery_id).sort()).toEqual(
      results
        .slice(0, 2)
        .map((r) => r.deliveryId)
        .sort(),
    );
    expect(sales.map((x) => x.price)).toEqual([b.price, b.price]);
    // Rollups counted with a lead are written on its shard: summed over every database.
    expect(await countAll("SELECT COALESCE(SUM(dlv_accepted), 0) AS n FROM rollups WHERE grain = 'h' AND dim = 'buyer' AND key = ?", b.id)).toBe(2);
    // The late sale is not booked, and operators are told to reconcile it.
    const alert = await env.DB.prepare("SELECT kind, message FROM alerts WHERE buyer_id = ?").bind(b.id).first<{ kind: string; message: string }>();
    expect(alert?.kind).toBe("ambiguous_outcome");
    expect(alert?.message).toContain(expired.leadId);
    expect(await g.ackBatchResults(results.map((r) => r.deliveryId))).toBe(3);
    expect((await g.status(b)).batch).toBeUndefined();
  });
});
