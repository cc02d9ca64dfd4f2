import { deliverThroughGate } from "../buyer-gate/client";
import type { AttemptResult } from "../buyer-gate/types";
import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import { settings } from "../core/settings";
import { freeUnsentClaim } from "../db/claims";
import { leadDb } from "../db/client";
import { leadStatus } from "../db/lead-reads";
import { ROUTABLE_STATUSES } from "../db/lead-state";
import { endLease, leaseLead } from "../db/leads";
import { getBuyerRegistry } from "../integration/registry";
import { applyDistributionTerms } from "./distribution";
import { expireLead, finishRound } from "./finish";
import type { DeliverJob } from "./jobs";
import { enqueueDeliver } from "./jobs";
import { idempotencyKeyFor } from "./keys";
import { nextBuyer } from "./next-buyer";
import { bidFor, postBid } from "./pingpost";
import { DEFAULT_TIMEOUT_MS, endRun, type Leased, type Mode, newRun, outcomeOf, RUN_LEASE_MS, type Run, type WaterfallOutcome } from "./run";
import { type Delivery, settleAttempt } from "./settle";

export type { WaterfallOutcome } from "./run";

/** A sync lead with less time than this left goes to the queue rather than start a buyer call. */
const SYNC_MIN_LEFT_MS = 500;

/**
 * Runs the waterfall for one lead, as orchestration over four steps: take the lead's lease;
 * then until a buyer accepts or none is left — pick the next buyer with fresh state (rank and
 * claim), deliver through its BuyerGate, settle the attempt (record, claim, lead, retry or
 * cascade); then finish the round (long retry, pending, unsold or expired).
 *
 * Round trips to D1: the lease (with the lead, its source, its claims and the paused buyers),
 * one per claim (with the lease's keep-alive), one per settled attempt (which also reads the
 * fresh claims and paused buyers when the waterfall goes on), and one to end the round. A sync
 * lead's lease is its intake batch, which usually takes its first claim too (`planFirstPick`).
 */
async function runWaterfall(env: Env, clock: Clock, leadId: string, mode: Mode, leased?: Leased): Promise<WaterfallOutcome | "busy"> {
  const owner = leased?.owner ?? newId("wrk", clock.now());
  const lead = leased?.lead ?? (await leaseLead(env, leadId, owner, clock.now(), RUN_LEASE_MS));
  if (!lead) return "busy";
  const run: Run = newRun(env, clock, owner, lead, mode, getBuyerRegistry(env));
  if (leased?.firstPick) run.firstPick = leased.firstPick;
  applyDistributionTerms(run); // routing (issue 13): multi_sell sells the lead shared
  if (lead.expiresAtMs <= clock.now()) return expireLead(run);

  for (let firstPass = true; ; firstPass = false) {
    const next = await nextBuyer(run, firstPass);
    if (next.kind === "none") break;
    if (next.kind === "wait") {
      await endRun(run, { move: "park", nextAttemptAtMs: lead.nextAttemptAtMs ?? clock.now() });
      return outcomeOf(run, "queued");
    }
    // Ping/post: the post carries the bid it answers (a retry or a resumed delivery too).
    const bid = next.bid ?? (await bidFor(run, next.buyer.id));
    const dv: Delivery = {
      buyer: next.buyer,
      deliveryId: next.deliveryId,
      attempt: next.attempt,
      ...(bid ? { bid } : {}),
      ...(next.mayHaveIt ? { mayHaveIt: true } : {}),
    };
    let timeoutMs: number | undefined;
    if (mode.kind === "sync") {
      const left = mode.deadlineMs - (clock.now() - run.startedAt);
      if (left < SYNC_MIN_LEFT_MS) return handToQueue(run, dv);
      timeoutMs = Math.min(left, next.buyer.endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    }
    const result = await deliver(run, dv, next.sandbox, timeoutMs);
    const settled = await settleAttempt(run, dv, result);
    if (settled.done) return settled.outcome;
  }
  return finishRound(run);
}

/** Out of time in sync mode: the rest of the waterfall goes to the queue rather than answer "unsold". */
async function handToQueue(run: Run, dv: Delivery): Promise<WaterfallOutcome> {
  const d = leadDb(run.env, run.lead.id);
  const nowMs = run.clock.now();
  const park = endLease(d, run.lead.id, run.owner, { move: "park", nextAttemptAtMs: nowMs }, run.reasons, nowMs);
  // A claim the buyer may already hold is kept, so the queue resumes it with the same key.
  await d.batch(dv.mayHaveIt ? [park] : [freeUnsentClaim(d, run.lead.id, dv.buyer.id), park]);
  await enqueueDeliver(run.env, run.lead.id);
  return outcomeOf(run, "queued");
}

/** One attempt through the buyer's gate (the claim that came before kept the lease alive for it). */
async function deliver(run: Run, dv: Delivery, sandbox: boolean, timeoutMs: number | undefined): Promise<AttemptResult> {
  const { env, lead } = run;
  try {
    return await deliverThroughGate(env, dv.buyer, {
      lead: lead.data,
      deliveryId: dv.deliveryId,
      idempotencyKey: idempotencyKeyFor(lead.id, dv.buyer.id),
      attempt: dv.attempt,
      sandbox,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(dv.bid ? { bid: postBid(run, dv.bid) } : {}),
    });
  } catch (err) {
    // The gate itself failed (object reset, overload): nothing reached the buyer that we know of.
    return {
      outcome: "failed",
      errorClass: "transient",
      reason: `buyer gate error: ${err instanceof Error ? err.message : String(err)}`,
      elapsedMs: 0,
      warnings: [],
      sent: false,
      circuit: "closed",
    };
  }
}

/**
 * `?mode=sync`: the source waits; one attempt per buyer within the deadline. `leased` is the
 * lead as intake stored it, already leased by this request (no lease round trip).
 */
export async function runSyncDelivery(env: Env, clock: Clock, leadId: string, leased?: Leased): Promise<WaterfallOutcome> {
  const deadlineMs = settings(env).syncDeadlineMs;
  const out = await runWaterfall(env, clock, leadId, { kind: "sync", deadlineMs }, leased);
  if (out === "busy") return { id: leadId, status: "queued", attempts: 0 };
  return out;
}

/**
 * Processes one `deliver` job. "busy" means another worker holds the lead's lease (retry the
 * message later); "done" means the lead no longer needs routing (sold, unsold, expired,
 * awaiting a buyer's callback, or unknown).
 */
export async function processDeliveryJob(env: Env, clock: Clock, job: DeliverJob): Promise<WaterfallOutcome | "busy" | "done"> {
  const out = await runWaterfall(env, clock, job.leadId, { kind: "async", ...(job.retry ? { retry: job.retry } : {}) });
  if (out !== "busy") return out;
  const status = await leadStatus(env, job.leadId);
  if (!status || !ROUTABLE_STATUSES.includes(status)) return "done";
  return "busy";
}
