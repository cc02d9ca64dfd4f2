import type { AttemptResult } from "../buyer-gate/types";
import { insertAttempt } from "../db/attempts";
import { pausedQuery } from "../db/buyer-overrides";
import { acceptClaim, awaitDecisionClaim, claimMap, claimsQuery, closeClaim, freeUnsentClaim, noteFailedAttempt, parkDeferredRetry } from "../db/claims";
import { type Db, leadDb, type Stmt } from "../db/client";
import { endLease, sellLeased } from "../db/leads";
import { timelineEvent } from "../db/timeline";
import type { BuyerConfig } from "../integration/config";
import { nextRetry } from "./backoff";
import { onAmbiguousOutcome, onIntegrationFault } from "./faults";
import { enqueueRetry } from "./jobs";
import { notifySource } from "./notify";
import { attemptRow, reportAttempt } from "./record";
import { outcomeOf, type Run, type WaterfallOutcome } from "./run";

/** No retry is scheduled further out than this, whatever the buyer's Retry-After says. */
const MAX_RETRY_DELAY_SECONDS = 12 * 3600;

/** A settled attempt ends the run (sold, pending, a retry scheduled) or lets the waterfall go on. */
export type Settled = { done: true; outcome: WaterfallOutcome } | { done: false };

export interface Delivery {
  buyer: BuyerConfig;
  deliveryId: string;
  attempt: number;
}

/** One settled attempt, as statements added to its settle batch see it. */
export interface SettledAttempt {
  leadId: string;
  sourceId: string;
  buyerId: string;
  deliveryId: string;
  attempt: number;
  vertical: string;
  result: AttemptResult;
  nowMs: number;
}

/** Statements to write with a settled attempt, in the same batch (one round trip, all or nothing): rollups, counters. */
export type SettleHook = (d: Db, a: SettledAttempt) => Stmt[];

const settleHooks: SettleHook[] = [];

/**
 * Adds statements to every settle batch — the attempt row, the claim and the lead move of each
 * outcome (also a deferral) — so whatever is derived from an attempt is written with it, at no
 * extra round trip. Returns a function that removes the hook.
 */
export function addSettleHook(hook: SettleHook): () => void {
  settleHooks.push(hook);
  return () => {
    const i = settleHooks.indexOf(hook);
    if (i >= 0) settleHooks.splice(i, 1);
  };
}

function hooked(d: Db, a: SettledAttempt): Stmt[] {
  return settleHooks.flatMap((h) => h(d, a));
}

/**
 * Post-delivery for one attempt: the attempt row, the claim and the lead change in one batch,
 * then what follows — the source told of a sale, a retry scheduled with the one retry policy
 * (`nextRetry`), or the waterfall moves on (a rejection, a spent retry budget, a client fault).
 */
export async function settleAttempt(run: Run, dv: Delivery, result: AttemptResult): Promise<Settled> {
  const nowMs = run.clock.now();
  const settled: SettledAttempt = {
    leadId: run.lead.id,
    sourceId: run.lead.sourceId,
    buyerId: dv.buyer.id,
    deliveryId: dv.deliveryId,
    attempt: dv.attempt,
    vertical: run.lead.data.vertical,
    result,
    nowMs,
  };
  const d = leadDb(run.env, run.lead.id);
  if (result.outcome === "deferred") return settleDeferred(run, dv, result, d, hooked(d, settled), nowMs);
  run.attempts++;
  const record = {
    leadId: run.lead.id,
    buyerId: dv.buyer.id,
    deliveryId: dv.deliveryId,
    attempt: dv.attempt,
    endpoint: dv.buyer.endpoint.url,
    vertical: run.lead.data.vertical,
    result,
    nowMs,
  };
  const attempt = insertAttempt(d, attemptRow(record));
  reportAttempt(run.env, record);
  const step: Step = { run, dv, result, d, attempt, extra: hooked(d, settled), nowMs };
  if (result.outcome === "accepted") return settleSale(step);
  if (result.outcome === "pending") return settlePending(step);
  return settleFailure(step);
}

/** One attempt being settled: the attempt row (and the hooks' statements) go into whichever batch records its outcome. */
interface Step {
  run: Run;
  dv: Delivery;
  result: AttemptResult;
  d: Db;
  attempt: Stmt;
  extra: Stmt[];
  nowMs: number;
}

/**
 * The waterfall goes on after this batch: it ends by reading the lead's claims and the paused
 * buyers, so the next pick ranks with fresh state at no extra round trip.
 */
async function settleAndRefresh(run: Run, d: Db, writes: [Stmt, ...Stmt[]]): Promise<void> {
  const results = await d.batch([...writes, claimsQuery(d, run.lead.id), pausedQuery(d)]);
  const claims = results[results.length - 2] as Awaited<ReturnType<typeof claimsQuery>>;
  const paused = results[results.length - 1] as Awaited<ReturnType<typeof pausedQuery>>;
  run.claims = claimMap(claims);
  run.paused = new Set(paused.map((p) => p.buyerId));
}

/**
 * Not a failure: the buyer never saw the lead this time. A fresh claim is freed so a later
 * round may use it; a deferred retry (throttled, circuit open) parks its claim as retryable
 * for the long-retry round, and the waterfall moves on now.
 */
async function settleDeferred(run: Run, dv: Delivery, result: AttemptResult, d: Db, extra: Stmt[], nowMs: number): Promise<Settled> {
  const { lead } = run;
  await settleAndRefresh(run, d, [
    freeUnsentClaim(d, lead.id, dv.buyer.id),
    parkDeferredRetry(d, lead.id, dv.buyer.id, result.reason ?? "buyer unavailable", nowMs),
    ...extra,
  ]);
  run.deferredNow.add(dv.buyer.id);
  run.minDeferSeconds = Math.min(run.minDeferSeconds, result.retryAfterSeconds ?? 60);
  return { done: false };
}

/** Sold: claim accepted, lead sold, timeline, then the source is told. */
async function settleSale({ run, dv, result, d, attempt, extra, nowMs }: Step): Promise<Settled> {
  const { lead } = run;
  const sale = { buyerId: dv.buyer.id, price: result.price ?? dv.buyer.price, buyerLeadId: result.buyerLeadId ?? null };
  await d.batch([
    attempt,
    acceptClaim(d, lead.id, dv.buyer.id, sale, nowMs),
    sellLeased(d, lead.id, run.owner, sale, run.reasons, nowMs),
    timelineEvent(d, { leadId: lead.id, type: "sold", buyerId: dv.buyer.id, data: { price: sale.price, buyerLeadId: sale.buyerLeadId }, nowMs }),
    ...extra,
  ]);
  await notifySource(run.env, lead.id, "lead.sold", lead.sourceHasWebhook);
  const sold: WaterfallOutcome = { id: lead.id, status: "sold", buyer: dv.buyer.id, price: sale.price, attempts: run.attempts };
  if (result.buyerLeadId) sold.buyerLeadId = result.buyerLeadId;
  return { done: true, outcome: sold };
}

/** The buyer acknowledged and decides later: the lead waits for its callback (or the ack timeout). */
async function settlePending({ run, dv, result, d, attempt, extra, nowMs }: Step): Promise<Settled> {
  const { lead } = run;
  const ackExpiresAtMs = nowMs + dv.buyer.endpoint.ackTimeoutSeconds * 1000;
  await d.batch([
    attempt,
    awaitDecisionClaim(d, lead.id, dv.buyer.id, result.buyerLeadId ?? null, ackExpiresAtMs, nowMs),
    timelineEvent(d, {
      leadId: lead.id,
      type: "acknowledged",
      buyerId: dv.buyer.id,
      data: { buyerLeadId: result.buyerLeadId ?? null, decisionDueBy: new Date(ackExpiresAtMs).toISOString() },
      nowMs,
    }),
    endLease(d, lead.id, run.owner, { move: "await" }, run.reasons, nowMs),
    ...extra,
  ]);
  return { done: true, outcome: outcomeOf(run, "pending", { buyer: dv.buyer.id }) };
}

/**
 * A failure or a rejection. While the buyer's retry budget lasts, a transient, ambiguous or
 * server failure is retried with the same buyer and key after backoff — also for a sync lead,
 * which is then handed to the queue (the source gets `queued`): a failure never ends a lead.
 * An ambiguous outcome whose retries are spent cascades, marked ambiguous, with an alert to
 * reconcile (its cap slot stays held until it lapses: the buyer may have the lead). Anything
 * else closes the claim and the waterfall moves on.
 */
async function settleFailure({ run, dv, result, d, attempt, extra, nowMs }: Step): Promise<Settled> {
  const { lead } = run;
  const { buyer } = dv;
  const reason = result.reason ?? result.errorClass ?? "failed";
  const cls = result.errorClass ?? "server";
  const next = nextRetry({
    attempt: dv.attempt,
    errorClass: cls,
    policy: buyer.retry,
    ...(result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
    nowMs,
    leadExpiresAtMs: lead.expiresAtMs,
    random: Math.random,
  });

  if (next.kind === "retry") {
    // Retry the same buyer after backoff; the message carries the attempt number.
    const delaySeconds = Math.min(Math.ceil(next.delaySeconds), MAX_RETRY_DELAY_SECONDS);
    await d.batch([
      attempt,
      noteFailedAttempt(d, lead.id, buyer.id, cls, reason, nowMs),
      endLease(d, lead.id, run.owner, { move: "park", nextAttemptAtMs: nowMs + delaySeconds * 1000 }, run.reasons, nowMs),
      ...extra,
    ]);
    await enqueueRetry(run.env, lead.id, { buyerId: buyer.id, attempt: dv.attempt + 1 }, delaySeconds);
    return { done: true, outcome: outcomeOf(run, "queued") };
  }

  await settleAndRefresh(run, d, [
    attempt,
    closeClaim(d, lead.id, buyer.id, result.outcome === "rejected" ? "rejected" : "failed", cls, reason, nowMs),
    ...extra,
  ]);
  run.reasons.push({ buyerId: buyer.id, reason: result.outcome === "rejected" ? `rejected: ${reason}` : `${cls}: ${reason}` });
  if (cls === "client" || cls === "config") await onIntegrationFault(run.env, buyer, result, reason, nowMs);
  if (cls === "ambiguous") await onAmbiguousOutcome(run.env, buyer, lead.id, dv.attempt, nowMs);
  return { done: false };
}
