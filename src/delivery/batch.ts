/**
 * Batch results into D1 (issue 16). A batch buyer's leads (Salesforce Bulk API 2.0) and an
 * e-mail digest buyer's leads wait `pending` while their BuyerGate collects and sends them;
 * the gate settles each lead from its own result and keeps the result until this module has
 * written it to D1. The gate announces results with a `batch_results` message on the
 * deliveries queue, and the minute cron pulls from every such gate as well, so a lost message
 * delays results by a minute at most.
 *
 * Each result is one D1 batch of guarded writes — the attempt row, its counts, the lead sold
 * or sent on, the timeline — with the claim's own move (pending → accepted | rejected) last
 * and every write before it conditioned on the claim still being pending. So a result applied
 * twice (a redelivered message, a crash before the gate heard back) or after the delivery's
 * decision window expired changes nothing. Only then is the gate told to forget it.
 */

import type { BatchResult } from "../buyer-gate/batch";
import { gateFor } from "../buyer-gate/client";
import type { Clock } from "../core/clock";
import type { PayoutRule } from "../core/sale-terms";
import { raiseAlert } from "../db/alerts";
import { insertAttemptWhen } from "../db/attempts";
import { acceptPendingClaim, deliveriesById, deliveryPending, type PendingDelivery, rejectPendingClaim } from "../db/claims";
import { changed, type Db, leadDb, type Stmt } from "../db/client";
import { resumePendingLead, sellPendingDelivery } from "../db/leads";
import { leadEndedNow, rollupStmt, saleCounts } from "../db/rollups";
import { payoutRules } from "../db/sales";
import { timelineEvent } from "../db/timeline";
import { channelOf, collectsInGate } from "../integration/channels";
import type { BuyerConfig } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import { configVersion } from "../integration/version";
import { log } from "../observability/log";
import { attemptCounts } from "../observability/rollup";
import { onAmbiguousOutcome, onIntegrationFault } from "./faults";
import { enqueueBatchResults, enqueueDeliver } from "./jobs";
import { notifySource } from "./notify";
import { saleOf, saleRowStmts } from "./pingpost";
import { type AttemptRecord, attemptRow, reportAttempt } from "./record";

/** Results asked of the gate at a time. */
const PAGE = 100;
/** Results written in one D1 batch. */
const CHUNK = 25;
/** Results one run writes; more are left to the next message. */
const PER_RUN = 1_000;

export interface AppliedResults {
  /** Results written to D1 now (the delivery was pending). */
  applied: number;
  sold: number;
  sentOn: number;
  /** Results whose delivery was no longer pending (already applied, or expired): nothing written. */
  late: number;
}

/**
 * Writes a batch buyer's settled results from its gate to D1 and acknowledges them to the
 * gate. Idempotent and safe to run concurrently with itself: the claim decides who applies.
 */
export async function applyGateResults(env: Env, clock: Clock, buyerId: string): Promise<AppliedResults> {
  const out: AppliedResults = { applied: 0, sold: 0, sentOn: 0, late: 0 };
  const buyer = getBuyerRegistry(env).get(buyerId);
  if (!buyer) {
    log("warn", "batch results for a buyer that is not configured", { buyerId });
    return out;
  }
  const gate = gateFor(env, buyer);
  let taken = 0;
  while (taken < PER_RUN) {
    const page = await gate.batchResults(PAGE);
    if (page.length === 0) return out;
    for (let i = 0; i < page.length; i += CHUNK) {
      const chunk = page.slice(i, i + CHUNK);
      const r = await writeBatchResults(env, clock, buyer, chunk);
      out.applied += r.applied;
      out.sold += r.sold;
      out.sentOn += r.sentOn;
      out.late += r.late;
      await gate.ackBatchResults(chunk.map((x) => x.deliveryId));
    }
    taken += page.length;
  }
  // More than one run takes: the rest in another message.
  await enqueueBatchResults(env, buyerId);
  return out;
}

/** The minute cron: pulls every batch and digest buyer's results (the fallback for a lost announcement). */
export async function pullAllBatchResults(env: Env, clock: Clock): Promise<AppliedResults> {
  const total: AppliedResults = { applied: 0, sold: 0, sentOn: 0, late: 0 };
  for (const buyer of getBuyerRegistry(env).values()) {
    if (!collectsInGate(buyer)) continue;
    try {
      const r = await applyGateResults(env, clock, buyer.id);
      total.applied += r.applied;
      total.sold += r.sold;
      total.sentOn += r.sentOn;
      total.late += r.late;
    } catch (err) {
      log("warn", "batch results could not be pulled", { buyerId: buyer.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return total;
}

interface Planned {
  r: BatchResult;
  p: PendingDelivery;
  /** Index of the claim's move in the batch: its RETURNING row says whether this run applied the result. */
  claimAt: number;
  record: AttemptRecord;
}

/**
 * Writes some results of one buyer to D1 (one guarded batch per lead database). Exported for
 * the tests that apply the same results twice, as a redelivered message would.
 */
export async function writeBatchResults(env: Env, clock: Clock, buyer: BuyerConfig, results: BatchResult[]): Promise<AppliedResults> {
  const out: AppliedResults = { applied: 0, sold: 0, sentOn: 0, late: 0 };
  const nowMs = clock.now();
  const known = await deliveriesById(
    env,
    results.map((r) => r.deliveryId),
  );
  // What each source is paid for a sale (its payout rule), for the sales rows of accepted results.
  const payouts = await payoutRules(
    env,
    [...known.values()].filter((p) => p.state === "pending").map((p) => p.sourceId),
  );
  const via = channelOf(buyer);
  // Grouped by the database that holds each lead (one today; the lead tables may be spread later).
  const groups = new Map<Db, { stmts: Stmt[]; planned: Planned[] }>();
  const late: BatchResult[] = [];
  for (const r of results) {
    const p = known.get(r.deliveryId);
    if (p?.state !== "pending" || p.buyerId !== buyer.id) {
      late.push(r);
      continue;
    }
    const d = leadDb(env, p.leadId);
    let g = groups.get(d);
    if (!g) {
      g = { stmts: [], planned: [] };
      groups.set(d, g);
    }
    const record: AttemptRecord = {
      leadId: p.leadId,
      buyerId: buyer.id,
      deliveryId: r.deliveryId,
      attempt: r.attempt,
      endpoint: buyer.endpoint.url,
      vertical: p.vertical,
      result: r.result,
      // The version that sent the batch when the gate recorded it, else the one loaded now.
      configVersion: r.result.configVersion ?? configVersion(buyer),
      nowMs,
    };
    const claimAt = planResult(d, g.stmts, buyer, r, p, payouts.get(p.sourceId), record, via, nowMs);
    g.planned.push({ r, p, claimAt, record });
  }

  const sold: string[] = [];
  const sentOn: string[] = [];
  const faults: Planned[] = [];
  for (const [d, g] of groups) {
    const [first, ...rest] = g.stmts;
    if (!first) continue;
    const res = await d.batch([first, ...rest]);
    for (const x of g.planned) {
      if (changed(res[x.claimAt]) === 0) {
        late.push(x.r);
        continue;
      }
      out.applied++;
      reportAttempt(env, x.record);
      if (x.r.result.outcome === "accepted") sold.push(x.p.leadId);
      else sentOn.push(x.p.leadId);
      if (x.r.result.errorClass === "client" || x.r.result.errorClass === "config" || x.r.result.errorClass === "ambiguous") faults.push(x);
    }
  }
  out.sold = sold.length;
  out.sentOn = sentOn.length;
  out.late = late.length;

  for (const leadId of sold) await notifySource(env, leadId, "lead.sold");
  // A lead sent on goes back to its waterfall; were the message lost, the sweep requeues it (it is `queued`, due now).
  for (const leadId of sentOn) await enqueueDeliver(env, leadId);
  // One alert per kind per chunk: the alert table keeps one open alert per rule and buyer anyway.
  const config = faults.find((x) => x.r.result.errorClass !== "ambiguous");
  if (config) await onIntegrationFault(env, buyer, config.r.result, config.r.result.reason ?? "batch job failed", nowMs);
  const unclear = faults.find((x) => x.r.result.errorClass === "ambiguous");
  if (unclear) await onAmbiguousOutcome(env, buyer, unclear.p.leadId, unclear.r.attempt, nowMs);
  // A lead Salesforce created after its delivery stopped waiting (expired, sent on): someone must reconcile.
  const createdLate = late.filter((r) => r.result.outcome === "accepted" && known.get(r.deliveryId)?.state !== "accepted");
  if (createdLate.length > 0) {
    const ids = createdLate.map((r) => `${r.leadId} (${r.result.buyerLeadId ?? "?"})`).join(", ");
    const message = `${buyer.name} took ${createdLate.length} lead(s) after their delivery had stopped waiting: ${ids}. They may have been sold elsewhere too — reconcile with the buyer.`;
    if (await raiseAlert(env, { kind: "ambiguous_outcome", buyerId: buyer.id, message, nowMs }))
      log("warn", "alert", { kind: "ambiguous_outcome", buyerId: buyer.id, message });
  }
  if (out.applied > 0 || out.late > 0) log("info", "batch results written", { buyerId: buyer.id, ...out });
  return out;
}

/** Appends the guarded writes of one result; returns the index of the claim's move (the last one). */
function planResult(
  d: Db,
  stmts: Stmt[],
  buyer: BuyerConfig,
  r: BatchResult,
  p: PendingDelivery,
  payout: PayoutRule | undefined,
  record: AttemptRecord,
  via: string,
  nowMs: number,
): number {
  const guard = deliveryPending(r.deliveryId);
  const res = r.result;
  const keys = { atMs: nowMs, buyer: buyer.id, source: p.sourceId, vertical: p.vertical };
  stmts.push(insertAttemptWhen(d, attemptRow(record), guard));
  if (res.outcome === "accepted") {
    // The one sale rule and sale row of every sale (a batch buyer never bids: no bid here).
    const sale = saleOf(undefined, buyer, res);
    const { price, buyerLeadId } = sale;
    stmts.push(
      ...saleRowStmts(d, { id: p.leadId, sourceId: p.sourceId, test: p.test, payout }, r.deliveryId, undefined, sale, nowMs, guard),
      rollupStmt(d, { ...keys, counts: { ...attemptCounts({ ...res, attempt: r.attempt }), dlv_accepted: 1 }, when: guard }),
      sellPendingDelivery(d, p.leadId, { buyerId: buyer.id, price, buyerLeadId }, guard, nowMs),
      rollupStmt(d, { ...keys, counts: saleCounts(price, p.test), when: leadEndedNow(p.leadId, "sold", nowMs) }),
      timelineEvent(d, { leadId: p.leadId, type: "sold", buyerId: buyer.id, data: { price, buyerLeadId, via }, nowMs, when: guard }),
      acceptPendingClaim(d, r.deliveryId, price, buyerLeadId, nowMs),
    );
    return stmts.length - 1;
  }
  const reason = res.reason ?? (res.outcome === "rejected" ? "rejected by the buyer" : "batch job failed");
  stmts.push(
    rollupStmt(d, {
      ...keys,
      counts: { ...attemptCounts({ ...res, attempt: r.attempt }), ...(res.outcome === "rejected" ? { dlv_rejected: 1 } : { dlv_failed: 1 }) },
      when: guard,
    }),
    resumePendingLead(d, p.leadId, guard, nowMs),
    timelineEvent(d, { leadId: p.leadId, type: "rejected", buyerId: buyer.id, data: { reason, via, errorClass: res.errorClass ?? null }, nowMs, when: guard }),
    rejectPendingClaim(d, r.deliveryId, res.outcome === "rejected" ? reason : `${res.errorClass ?? "failed"}: ${reason}`, nowMs),
  );
  return stmts.length - 1;
}
