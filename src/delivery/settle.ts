import type { AttemptResult } from "../buyer-gate/types";
import { insertAttempt } from "../db/attempts";
import { pausedInBatch } from "../db/buyer-overrides";
import {
  acceptClaim,
  awaitDecisionClaim,
  type Claim,
  claimMap,
  claimsInBatch,
  closeClaim,
  freeUnsentClaim,
  noteFailedAttempt,
  parkDeferredRetry,
} from "../db/claims";
import { type Db, leadDb, type Stmt } from "../db/client";
import { endLease, sellLeased } from "../db/leads";
import type { AuctionBid } from "../db/pings";
import { type RollupEvent, rollupStmt, saleCounts } from "../db/rollups";
import { timelineEvent } from "../db/timeline";
import { decisionWindowSeconds } from "../integration/channels";
import type { BuyerConfig } from "../integration/config";
import { configVersion } from "../integration/version";
import { attemptCounts, type CountsDelta } from "../observability/rollup";
import { nextRetry } from "./backoff";
import { attemptStatStmts } from "./distribution/figures";
import { checkBalance, deferredStmts } from "./distribution/skips";
import { onAmbiguousOutcome, onIntegrationFault } from "./faults";
import { enqueueDeliver, enqueueRetry } from "./jobs";
import { notifySource } from "./notify";
import { bidClosedStmts, saleOf, saleStmts, shareEvent, shareOutcome } from "./pingpost";
import { attemptRow, lostAttemptRecord, reportAttempt } from "./record";
import { outcomeOf, type Run, type WaterfallOutcome } from "./run";

/** The longest a lead waits at once for a buyer that may hold it while its gate defers. */
const MAX_DEFERRED_WAIT_SECONDS = 900;
/** No retry is scheduled further out than this, whatever the buyer's Retry-After says. */
const MAX_RETRY_DELAY_SECONDS = 12 * 3600;

/** A settled attempt ends the run (sold, pending, a retry scheduled) or lets the waterfall go on. */
export type Settled = { done: true; outcome: WaterfallOutcome } | { done: false };

export interface Delivery {
  buyer: BuyerConfig;
  deliveryId: string;
  attempt: number;
  /** Ping/post: the bid this post answers. */
  bid?: AuctionBid;
  /** The buyer may already have the lead (see NextBuyer): a deferral waits for it, never cascades. */
  mayHaveIt?: boolean;
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

/** Statements to write with a settled attempt, in the same batch (one round trip, all or nothing). */
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
  // Routing (issue 13): a prepaid buyer whose balance is spent is paused, with an alert.
  if (result.balance !== undefined) await checkBalance(run.env, dv.buyer, result, run.clock.now());
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
  const record = {
    leadId: run.lead.id,
    buyerId: dv.buyer.id,
    deliveryId: dv.deliveryId,
    attempt: dv.attempt,
    endpoint: dv.buyer.endpoint.url,
    vertical: run.lead.data.vertical,
    result,
    configVersion: result.configVersion ?? configVersion(dv.buyer),
    nowMs,
  };
  // A canary candidate that lost this lead first: its own attempt row, in the same batch (issue 15).
  const lost = lostAttemptRecord(record);
  if (lost) reportAttempt(run.env, lost);
  // Counted like any attempt, so the buyer's figures and alert rules see the candidate's failures too.
  const lostRow = lost
    ? [
        insertAttempt(d, attemptRow(lost)),
        rollupStmt(d, {
          atMs: nowMs,
          buyer: dv.buyer.id,
          source: run.lead.sourceId,
          vertical: run.lead.data.vertical,
          counts: attemptCounts({ ...lost.result, attempt: dv.attempt }),
        }),
      ]
    : [];
  if (result.outcome === "deferred") return settleDeferred(run, dv, result, d, [...lostRow, ...hooked(d, settled)], nowMs);
  run.attempts++;
  const attempt = insertAttempt(d, attemptRow(record));
  reportAttempt(run.env, record);
  // The attempt's counts (plus, where the delivery ends, its end) go into the attempt's own batch,
  // with the lead's end (`ifLeadEnded`) when this batch may end it.
  const counted = (end: CountsDelta = {}, ifLeadEnded?: RollupEvent["ifLeadEnded"]) =>
    rollupStmt(d, {
      atMs: nowMs,
      buyer: dv.buyer.id,
      source: run.lead.sourceId,
      vertical: run.lead.data.vertical,
      counts: { ...attemptCounts({ ...result, attempt: dv.attempt }), ...end },
      ...(ifLeadEnded ? { ifLeadEnded } : {}),
    });
  const step: Step = { run, dv, result, d, attempt, counted, extra: [...lostRow, ...hooked(d, settled)], nowMs };
  if (result.outcome === "accepted") return settleSale(step);
  if (result.outcome === "pending") return settlePending(step);
  return settleFailure(step);
}

/** One attempt being settled: the attempt row goes into whichever batch records its outcome. */
interface Step {
  run: Run;
  dv: Delivery;
  result: AttemptResult;
  d: Db;
  attempt: Stmt;
  /** The attempt's rollup counts, with what it ended (if anything). */
  counted: (end?: CountsDelta, ifLeadEnded?: RollupEvent["ifLeadEnded"]) => Stmt;
  /** What the settle hooks add to the batch. */
  extra: Stmt[];
  nowMs: number;
}

/**
 * The waterfall goes on after this batch: it ends by reading the lead's claims and the paused
 * buyers, so the next pick ranks with fresh state at no extra round trip.
 */
async function settleAndRefresh(run: Run, d: Db, writes: [Stmt, ...Stmt[]]): Promise<void> {
  const results = await d.batch([...writes, claimsInBatch(d, { leadId: run.lead.id }), pausedInBatch(d, {})]);
  const claims = results[results.length - 2] as Claim[];
  const paused = results[results.length - 1] as { buyerId: string }[];
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
  if (dv.mayHaveIt) {
    // The buyer may hold the lead already (an unclear outcome, a crash mid-send): offering it to
    // anyone else now could sell it twice. The claim stays; the lead waits for this buyer.
    const delaySeconds = Math.min(Math.max(result.retryAfterSeconds ?? 30, 5), MAX_DEFERRED_WAIT_SECONDS);
    await d.batch([endLease(d, lead.id, run.owner, { move: "park", nextAttemptAtMs: nowMs + delaySeconds * 1000 }, run.reasons, nowMs), ...extra]);
    await enqueueDeliver(run.env, lead.id, delaySeconds);
    return { done: true, outcome: outcomeOf(run, "queued") };
  }
  await settleAndRefresh(run, d, [
    freeUnsentClaim(d, lead.id, dv.buyer.id),
    parkDeferredRetry(d, lead.id, dv.buyer.id, result.reason ?? "buyer unavailable", nowMs),
    ...extra,
    // Routing (issue 13): which buyer was passed over and why (cap, revenue cap, circuit …), once.
    ...deferredStmts(run, d, dv.buyer.id, result, nowMs),
  ]);
  run.deferredNow.add(dv.buyer.id);
  run.minDeferSeconds = Math.min(run.minDeferSeconds, result.retryAfterSeconds ?? 60);
  return { done: false };
}

/** Sold: claim accepted, lead sold, timeline, then the source is told. */
async function settleSale({ run, dv, result, d, attempt, counted, extra, nowMs }: Step): Promise<Settled> {
  const { lead } = run;
  // Ping/post: a sale answering a bid is at the bid's price; the sale row carries the source's payout.
  const sale = saleOf(dv.bid, dv.buyer, result);
  const money = saleStmts(run, d, dv.deliveryId, dv.bid, sale, nowMs);
  const { more, leadSale } = await shareOutcome(run, sale);
  // Routing (issue 13): the offer and its sale in the buyer's figures (EPL, weighted).
  const stats = attemptStatStmts(run, d, dv.buyer, dv.attempt, result, "sold", sale.price, nowMs);
  if (more) {
    // Shared mode, more buyers to go: this share is sold and the waterfall goes on to the next bid.
    await settleAndRefresh(run, d, [
      attempt,
      counted({ dlv_accepted: 1 }),
      acceptClaim(d, lead.id, dv.buyer.id, sale, nowMs),
      // This share's revenue, for its buyer; the lead's sale is counted once, when it ends.
      ...(lead.data.test
        ? []
        : [rollupStmt(d, { atMs: nowMs, buyer: dv.buyer.id, source: lead.sourceId, vertical: lead.data.vertical, counts: { revenue: sale.price } })]),
      shareEvent(d, run, sale, dv.bid, nowMs),
      ...money,
      ...stats,
      ...extra,
    ]);
    return { done: false };
  }
  await d.batch([
    attempt,
    acceptClaim(d, lead.id, dv.buyer.id, sale, nowMs),
    sellLeased(d, lead.id, run.owner, leadSale, run.reasons, nowMs),
    // After the sale: its counts only if this batch sold the lead (a lost race counts the attempt alone).
    counted({ dlv_accepted: 1 }, { leadId: lead.id, status: "sold", nowMs, counts: saleCounts(sale.price, lead.data.test) }),
    timelineEvent(d, {
      leadId: lead.id,
      type: "sold",
      buyerId: dv.buyer.id,
      data: { price: sale.price, buyerLeadId: sale.buyerLeadId, ...(dv.bid ? { bidId: dv.bid.buyerBidId } : {}) },
      nowMs,
    }),
    ...money,
    ...stats,
    ...extra,
  ]);
  await notifySource(run.env, lead.id, "lead.sold", lead.sourceHasWebhook);
  const sold: WaterfallOutcome = { id: lead.id, status: "sold", buyer: leadSale.buyerId, price: leadSale.price, attempts: run.attempts };
  if (result.buyerLeadId) sold.buyerLeadId = result.buyerLeadId;
  return { done: true, outcome: sold };
}

/** The buyer acknowledged and decides later: the lead waits for its callback (or the ack timeout). */
async function settlePending({ run, dv, result, d, attempt, counted, extra, nowMs }: Step): Promise<Settled> {
  const { lead } = run;
  // Issue 16: a lead collected for a batch job or digest waits as long as the job may take.
  const ackExpiresAtMs = nowMs + decisionWindowSeconds(dv.buyer) * 1000;
  await d.batch([
    attempt,
    counted(),
    awaitDecisionClaim(d, lead.id, dv.buyer.id, result.buyerLeadId ?? null, ackExpiresAtMs, nowMs),
    timelineEvent(d, {
      leadId: lead.id,
      type: "acknowledged",
      buyerId: dv.buyer.id,
      data: { buyerLeadId: result.buyerLeadId ?? null, decisionDueBy: new Date(ackExpiresAtMs).toISOString() },
      nowMs,
    }),
    endLease(d, lead.id, run.owner, { move: "await" }, run.reasons, nowMs),
    ...attemptStatStmts(run, d, dv.buyer, dv.attempt, result, "open", undefined, nowMs), // routing (issue 13)
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
async function settleFailure({ run, dv, result, d, attempt, counted, extra, nowMs }: Step): Promise<Settled> {
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
      counted(),
      noteFailedAttempt(d, lead.id, buyer.id, cls, reason, nowMs),
      endLease(d, lead.id, run.owner, { move: "park", nextAttemptAtMs: nowMs + delaySeconds * 1000 }, run.reasons, nowMs),
      ...attemptStatStmts(run, d, buyer, dv.attempt, result, "open", undefined, nowMs), // routing (issue 13)
      ...extra,
    ]);
    await enqueueRetry(run.env, lead.id, { buyerId: buyer.id, attempt: dv.attempt + 1 }, delaySeconds);
    return { done: true, outcome: outcomeOf(run, "queued") };
  }

  await settleAndRefresh(run, d, [
    attempt,
    counted(result.outcome === "rejected" ? { dlv_rejected: 1 } : { dlv_failed: 1 }),
    closeClaim(d, lead.id, buyer.id, result.outcome === "rejected" ? "rejected" : "failed", cls, reason, nowMs),
    ...bidClosedStmts(d, dv.bid, result.outcome, nowMs),
    ...attemptStatStmts(run, d, buyer, dv.attempt, result, result.outcome === "rejected" ? "rejected" : "failed", undefined, nowMs), // routing (issue 13)
    ...extra,
  ]);
  run.reasons.push({ buyerId: buyer.id, reason: result.outcome === "rejected" ? `rejected: ${reason}` : `${cls}: ${reason}` });
  if (cls === "client" || cls === "config") await onIntegrationFault(run.env, buyer, result, reason, nowMs);
  if (cls === "ambiguous") await onAmbiguousOutcome(run.env, buyer, lead.id, dv.attempt, nowMs);
  return { done: false };
}
