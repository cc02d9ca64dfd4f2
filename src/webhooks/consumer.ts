import { type Clock, systemClock } from "../core/clock";
import { type ClaimMatch, findClaimByRef } from "../db/claims";
import { mainDb, type Stmt } from "../db/client";
import { recordConversion, recordFeedback, recordReturn } from "../db/closed-loop";
import { countDeadLetter, deadLetter } from "../db/dead-letters";
import { getLead } from "../db/lead-reads";
import { addTimelineEvent } from "../db/timeline";
import { eventDeadLettered, markEventOutcome, webhookEventStatus } from "../db/webhook-events";
import { applyBuyerDecision, reofferLead } from "../delivery/callbacks";
import { localDay } from "../delivery/distribution/days";
import { enqueueDeliver } from "../delivery/jobs";
import type { BuyerConfig } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import type { FeedbackKind } from "../integration/webhook-config";
import { log } from "../observability/log";
import type { EventJob } from "./jobs";
import type { CanonicalEvent } from "./map";

/**
 * Source quality score moves (the score is clamped to 0–100). A return costs the most; a
 * wrong number is nearly as bad (the lead was not reachable); an excellent prospect earns more
 * than a plain answer. Conversions are counted in metrics, not in the score.
 */
export const QUALITY_DELTAS = {
  return: -5,
  feedback: { answered: 1, excellent_prospect: 3, not_interested: -1, wrong_number: -3 } satisfies Record<FeedbackKind, number>,
} as const;

/** What processing one event came to; recorded on webhook_events. */
type Outcome = { status: "processed" } | { status: "ignored"; why: string };

/** Deterministic ids derived from the stored event, so a repeated message writes the same rows. */
function derivedId(prefix: string, webhookEventId: string): string {
  return `${prefix}_${webhookEventId.replace(/^whe_/, "")}`;
}

async function processEvent(env: Env, clock: Clock, job: EventJob, buyer: BuyerConfig | undefined): Promise<Outcome> {
  const nowMs = clock.now();
  const ev: CanonicalEvent = job.event;
  const timelineId = derivedId("evt", job.webhookEventId);

  if (ev.type === "decision") {
    const result = await applyBuyerDecision(env, clock, {
      buyerId: job.buyerId,
      decision: ev.decision,
      ...(ev.deliveryId ? { deliveryId: ev.deliveryId } : {}),
      ...(ev.buyerLeadId ? { buyerLeadId: ev.buyerLeadId } : {}),
      ...(ev.price !== undefined ? { price: ev.price } : {}),
      ...(ev.reason ? { reason: ev.reason } : {}),
    });
    if (result === "settled") return { status: "processed" };
    // applyBuyerDecision records a settled decision itself; a late one goes on the timeline here.
    const lead = result === "late" ? await findClaimByRef(env, job.buyerId, ev) : undefined;
    if (lead) {
      await addTimelineEvent(env, {
        id: timelineId,
        leadId: lead.leadId,
        type: "callback_late",
        buyerId: job.buyerId,
        data: { decision: ev.decision, eventId: job.eventId },
        nowMs,
      });
    }
    log("info", "buyer decision had no effect", { buyerId: job.buyerId, eventId: job.eventId, result });
    return { status: "ignored", why: result === "late" ? "decision arrived after the delivery was settled" : "no delivery matches this decision" };
  }

  const lead = await findClaimByRef(env, job.buyerId, ev);
  if (!lead) {
    log("warn", "buyer callback names no lead of ours", { buyerId: job.buyerId, eventId: job.eventId, type: ev.type });
    return { status: "ignored", why: "no lead matches this callback" };
  }
  const effect = { leadId: lead.leadId, buyerId: job.buyerId, sourceId: lead.sourceId, timelineId, eventId: job.eventId, nowMs };
  const sold = lead.state === "accepted" || lead.state === "returned";

  switch (ev.type) {
    case "status":
      await addTimelineEvent(env, {
        id: timelineId,
        leadId: lead.leadId,
        type: "buyer_status",
        buyerId: job.buyerId,
        data: { status: ev.status, eventId: job.eventId },
        nowMs,
      });
      return { status: "processed" };

    case "return":
      return processReturn(env, clock, job, ev.reasonCode, lead, buyer, timelineId, nowMs);

    case "conversion":
      if (!sold) return refuse(env, lead, job, timelineId, nowMs, "conversion_refused", "the lead was not sold to this buyer");
      // One conversion per lead and buyer; the timeline entry shares the deterministic id.
      await recordConversion(env, { ...effect, rowId: derivedId("cnv", job.webhookEventId), revenue: ev.revenue });
      return { status: "processed" };

    case "feedback":
      if (!sold) return refuse(env, lead, job, timelineId, nowMs, "feedback_refused", "the lead was not sold to this buyer");
      await recordFeedback(env, { ...effect, rowId: derivedId("fb", job.webhookEventId), kind: ev.kind, delta: QUALITY_DELTAS.feedback[ev.kind] });
      return { status: "processed" };
  }
}

async function refuse(env: Env, lead: ClaimMatch, job: EventJob, timelineId: string, nowMs: number, type: string, why: string): Promise<Outcome> {
  await addTimelineEvent(env, { id: timelineId, leadId: lead.leadId, type, buyerId: job.buyerId, data: { why, eventId: job.eventId }, nowMs });
  return { status: "ignored", why };
}

/**
 * A return is accepted only when the lead was sold to this buyer, within the buyer's window
 * from the sale, with an allowed reason code; then it is recorded in one transaction (see
 * `recordReturn`) and the lead is offered to the other buyers.
 */
async function processReturn(
  env: Env,
  clock: Clock,
  job: EventJob,
  reasonCode: string,
  lead: ClaimMatch,
  buyer: BuyerConfig | undefined,
  timelineId: string,
  nowMs: number,
): Promise<Outcome> {
  const windowDays = buyer?.returns.windowDays ?? 7;
  const reasons = buyer?.returns.reasons ?? [];
  const refused = (why: string) => refuse(env, lead, job, timelineId, nowMs, "return_refused", `${why} (reason ${reasonCode})`);

  if (lead.state === "returned") {
    // Already returned (this event repeated, or another return event won): reoffer below is still safe.
  } else if (lead.state !== "accepted") {
    return refused("the lead was not sold to this buyer");
  } else {
    const soldAt = Date.parse(lead.soldAt);
    if (!Number.isFinite(soldAt) || nowMs - soldAt > windowDays * 86_400_000) return refused(`outside the ${windowDays}-day return window`);
    if (!reasons.includes(reasonCode)) return refused("reason code not allowed");
    await recordReturn(env, {
      leadId: lead.leadId,
      buyerId: job.buyerId,
      sourceId: lead.sourceId,
      rowId: derivedId("ret", job.webhookEventId),
      timelineId,
      eventId: job.eventId,
      nowMs,
      reasonCode,
      credit: lead.price ?? lead.soldPrice ?? buyer?.price ?? 0,
      scoreDelta: QUALITY_DELTAS.return,
      statsDay: localDay(nowMs, buyer?.caps.timezone ?? "UTC"),
    });
  }
  // Re-offer only while the lead is still sold to the returning buyer: after a re-offer it may
  // have been sold to someone else, and re-offering then would undo that sale.
  const [cur, eventStatus] = await Promise.all([getLead(env, lead.leadId), webhookEventStatus(env, job.webhookEventId)]);
  if (cur && cur.status === "sold" && cur.soldBuyerId === job.buyerId) {
    await reofferLead(env, clock, { leadId: lead.leadId, excludeBuyerIds: [job.buyerId] });
  } else if (cur && cur.status === "queued" && lead.state === "returned" && eventStatus === "received") {
    // An earlier try of this event re-offered the lead but failed before it was marked
    // processed, perhaps before the delivery job was sent: send it (a duplicate is harmless).
    await enqueueDeliver(env, lead.leadId);
  }
  return { status: "processed" };
}

/** 5, 10, 20 … s, capped at 5 minutes; the queue's max_retries then sends it to the DLQ. */
export function eventRetryDelaySeconds(attempts: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, Math.min(attempts - 1, 6)));
}

/**
 * The `events` queue consumer: one try per message, ack on success, retry with backoff on
 * failure. At-least-once safe: every write is keyed by ids derived from the stored event or
 * guarded by a unique index, so a message processed twice has one effect.
 */
export async function handleEventsBatch(batch: MessageBatch<EventJob>, env: Env, _ctx: ExecutionContext, clock: Clock = systemClock): Promise<void> {
  const registry = getBuyerRegistry(env);
  for (const msg of batch.messages) {
    const job = msg.body;
    try {
      if (job?.kind !== "webhook_event") {
        log("error", "unknown message on the events queue", { id: msg.id });
        msg.ack();
        continue;
      }
      const outcome = await processEvent(env, clock, job, registry.get(job.buyerId));
      await markEventOutcome(env, job.webhookEventId, outcome.status, "why" in outcome ? outcome.why : null, clock.now());
      msg.ack();
    } catch (err) {
      log("error", "webhook event failed; retrying", {
        buyerId: job?.buyerId,
        eventId: job?.eventId,
        attempts: msg.attempts,
        error: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      msg.retry({ delaySeconds: eventRetryDelaySeconds(msg.attempts) });
    }
  }
}

/** Dead letters from the events queue: recorded in dead_letters and the event marked failed. */
export async function handleEventsDeadLetters(batch: MessageBatch<EventJob>, env: Env, clock: Clock = systemClock): Promise<void> {
  for (const msg of batch.messages) {
    try {
      const nowMs = clock.now();
      const d = mainDb(env);
      const stmts: [Stmt, ...Stmt[]] = [deadLetter(d, { queue: batch.queue, body: msg.body, attempts: msg.attempts, nowMs }), countDeadLetter(d, nowMs)];
      if (msg.body && typeof msg.body.webhookEventId === "string") stmts.push(eventDeadLettered(d, msg.body.webhookEventId, nowMs));
      await d.batch(stmts);
      log("error", "webhook event dead-lettered", { queue: batch.queue, buyerId: msg.body?.buyerId, eventId: msg.body?.eventId, attempts: msg.attempts });
      msg.ack();
    } catch (err) {
      log("error", "events dead letter handling failed", { error: err instanceof Error ? err.message : String(err) });
      msg.retry({ delaySeconds: 60 });
    }
  }
}

export type { EventJob } from "./jobs";
