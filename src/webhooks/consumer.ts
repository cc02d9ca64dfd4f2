import { type Clock, systemClock } from "../core/clock";
import { newId } from "../core/ids";
import { applyBuyerDecision, reofferLead } from "../delivery/callbacks";
import type { DeliveryJob } from "../intake/accept";
import type { BuyerConfig } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import type { FeedbackKind } from "../integration/webhook-config";
import { log } from "../observability/log";
import type { EventJob } from "./jobs";
import type { CanonicalEvent, LeadRef } from "./map";

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

interface LeadMatch {
  lead_id: string;
  state: string;
  price: number | null;
  source_id: string;
  sold_price: number | null;
  sold_buyer_id: string | null;
  lead_status: string;
  sold_at: string;
}

/** Deterministic ids derived from the stored event, so a repeated message writes the same rows. */
function derivedId(prefix: string, webhookEventId: string): string {
  return `${prefix}_${webhookEventId.replace(/^whe_/, "")}`;
}

async function findLead(env: Env, buyerId: string, ref: LeadRef): Promise<LeadMatch | null> {
  const sql = `SELECT lb.lead_id, lb.state, lb.price, l.source_id, l.sold_price, l.sold_buyer_id, l.status AS lead_status,
      CASE WHEN l.sold_buyer_id = lb.buyer_id AND l.finalized_at IS NOT NULL THEN l.finalized_at ELSE lb.updated_at END AS sold_at
    FROM lead_buyers lb JOIN leads l ON l.id = lb.lead_id WHERE lb.buyer_id = ? AND `;
  if (ref.deliveryId) {
    const r = await env.DB.prepare(`${sql} lb.delivery_id = ?`).bind(buyerId, ref.deliveryId).first<LeadMatch>();
    if (r) return r;
  }
  if (ref.buyerLeadId) return env.DB.prepare(`${sql} lb.buyer_lead_id = ?`).bind(buyerId, ref.buyerLeadId).first<LeadMatch>();
  return null;
}

function timelineInsert(env: Env, id: string, leadId: string, type: string, buyerId: string, data: unknown, nowIso: string): D1PreparedStatement {
  return env.DB.prepare(`INSERT OR IGNORE INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`).bind(
    id,
    leadId,
    type,
    buyerId,
    JSON.stringify(data),
    nowIso,
  );
}

const clampScore = (delta: number) => `MAX(0, MIN(100, quality_score + ${Number(delta)}))`;

async function processEvent(env: Env, clock: Clock, job: EventJob, buyer: BuyerConfig | undefined): Promise<Outcome> {
  const nowMs = clock.now();
  const nowIso = new Date(nowMs).toISOString();
  const ev: CanonicalEvent = job.event;
  const tlId = derivedId("evt", job.webhookEventId);

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
    const lead = result === "late" ? await findLead(env, job.buyerId, ev) : null;
    if (lead) await timelineInsert(env, tlId, lead.lead_id, "callback_late", job.buyerId, { decision: ev.decision, eventId: job.eventId }, nowIso).run();
    log("info", "buyer decision had no effect", { buyerId: job.buyerId, eventId: job.eventId, result });
    return { status: "ignored", why: result === "late" ? "decision arrived after the delivery was settled" : "no delivery matches this decision" };
  }

  const lead = await findLead(env, job.buyerId, ev);
  if (!lead) {
    log("warn", "buyer callback names no lead of ours", { buyerId: job.buyerId, eventId: job.eventId, type: ev.type });
    return { status: "ignored", why: "no lead matches this callback" };
  }

  switch (ev.type) {
    case "status":
      await timelineInsert(env, tlId, lead.lead_id, "buyer_status", job.buyerId, { status: ev.status, eventId: job.eventId }, nowIso).run();
      return { status: "processed" };

    case "return":
      return processReturn(env, clock, job, ev.reasonCode, lead, buyer, tlId, nowMs);

    case "conversion": {
      if (lead.state !== "accepted" && lead.state !== "returned")
        return refuse(env, lead, job, tlId, nowIso, "conversion_refused", "the lead was not sold to this buyer");
      // One conversion per lead and buyer; the timeline entry shares the deterministic id.
      await env.DB.batch([
        env.DB.prepare(
          `INSERT INTO conversions (id, lead_id, buyer_id, source_id, revenue, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (lead_id, buyer_id) DO NOTHING`,
        ).bind(derivedId("cnv", job.webhookEventId), lead.lead_id, job.buyerId, lead.source_id, ev.revenue, nowIso),
        timelineInsert(env, tlId, lead.lead_id, "converted", job.buyerId, { revenue: ev.revenue, eventId: job.eventId }, nowIso),
      ]);
      return { status: "processed" };
    }

    case "feedback": {
      if (lead.state !== "accepted" && lead.state !== "returned")
        return refuse(env, lead, job, tlId, nowIso, "feedback_refused", "the lead was not sold to this buyer");
      const delta = QUALITY_DELTAS.feedback[ev.kind];
      const fbId = derivedId("fb", job.webhookEventId);
      // One D1 batch is one transaction: the score moves only in the batch that inserts the row.
      await env.DB.batch([
        env.DB.prepare(`UPDATE sources SET quality_score = ${clampScore(delta)} WHERE id = ? AND NOT EXISTS (SELECT 1 FROM feedback WHERE id = ?)`).bind(
          lead.source_id,
          fbId,
        ),
        env.DB.prepare(`INSERT OR IGNORE INTO feedback (id, lead_id, buyer_id, source_id, kind, score_delta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`).bind(
          fbId,
          lead.lead_id,
          job.buyerId,
          lead.source_id,
          ev.kind,
          delta,
          nowIso,
        ),
        timelineInsert(env, tlId, lead.lead_id, "feedback", job.buyerId, { kind: ev.kind, scoreDelta: delta, eventId: job.eventId }, nowIso),
      ]);
      return { status: "processed" };
    }
  }
}

async function refuse(env: Env, lead: LeadMatch, job: EventJob, tlId: string, nowIso: string, type: string, why: string): Promise<Outcome> {
  await timelineInsert(env, tlId, lead.lead_id, type, job.buyerId, { why, eventId: job.eventId }, nowIso).run();
  return { status: "ignored", why };
}

/**
 * A return is accepted only when the lead was sold to this buyer, within the buyer's window
 * from the sale, with an allowed reason code. Then, in one transaction: the return row
 * (credit = sale price), the claim marked returned, the lead's returned_at, the source's
 * score down — each guarded so only the batch that inserts the return has any effect.
 */
async function processReturn(
  env: Env,
  clock: Clock,
  job: EventJob,
  reasonCode: string,
  lead: LeadMatch,
  buyer: BuyerConfig | undefined,
  tlId: string,
  nowMs: number,
): Promise<Outcome> {
  const nowIso = new Date(nowMs).toISOString();
  const windowDays = buyer?.returns.windowDays ?? 7;
  const reasons = buyer?.returns.reasons ?? [];
  const refused = (why: string) => refuse(env, lead, job, tlId, nowIso, "return_refused", `${why} (reason ${reasonCode})`);

  if (lead.state === "returned") {
    // Already returned (this event repeated, or another return event won): reoffer below is still safe.
  } else if (lead.state !== "accepted") {
    return refused("the lead was not sold to this buyer");
  } else {
    const soldAt = Date.parse(lead.sold_at);
    if (!Number.isFinite(soldAt) || nowMs - soldAt > windowDays * 86_400_000) return refused(`outside the ${windowDays}-day return window`);
    if (!reasons.includes(reasonCode)) return refused("reason code not allowed");
    const credit = lead.price ?? lead.sold_price ?? buyer?.price ?? 0;
    const notYet = `NOT EXISTS (SELECT 1 FROM returns WHERE lead_id = ? AND buyer_id = ?)`;
    await env.DB.batch([
      env.DB.prepare(`UPDATE sources SET quality_score = ${clampScore(QUALITY_DELTAS.return)} WHERE id = ? AND ${notYet}`).bind(
        lead.source_id,
        lead.lead_id,
        job.buyerId,
      ),
      env.DB.prepare(`UPDATE leads SET returned_at = ?, updated_at = ? WHERE id = ? AND ${notYet}`).bind(
        nowIso,
        nowIso,
        lead.lead_id,
        lead.lead_id,
        job.buyerId,
      ),
      env.DB.prepare(`UPDATE lead_buyers SET state = 'returned', reason = ?, updated_at = ? WHERE lead_id = ? AND buyer_id = ? AND state = 'accepted'`).bind(
        `returned: ${reasonCode}`,
        nowIso,
        lead.lead_id,
        job.buyerId,
      ),
      env.DB.prepare(
        `INSERT INTO returns (id, lead_id, buyer_id, source_id, reason_code, credit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (lead_id, buyer_id) DO NOTHING`,
      ).bind(derivedId("ret", job.webhookEventId), lead.lead_id, job.buyerId, lead.source_id, reasonCode, credit, nowIso),
      timelineInsert(env, tlId, lead.lead_id, "returned", job.buyerId, { reasonCode, credit, eventId: job.eventId }, nowIso),
    ]);
  }
  // Re-offer only while the lead is still sold to the returning buyer: after a re-offer it may
  // have been sold to someone else, and re-offering then would undo that sale.
  const cur = await env.DB.prepare(
    `SELECT l.status, l.sold_buyer_id, w.status AS event_status FROM leads l LEFT JOIN webhook_events w ON w.id = ? WHERE l.id = ?`,
  )
    .bind(job.webhookEventId, lead.lead_id)
    .first<{ status: string; sold_buyer_id: string | null; event_status: string | null }>();
  if (cur && cur.status === "sold" && cur.sold_buyer_id === job.buyerId) {
    await reofferLead(env, clock, { leadId: lead.lead_id, excludeBuyerIds: [job.buyerId] });
  } else if (cur && cur.status === "queued" && lead.state === "returned" && cur.event_status === "received") {
    // An earlier try of this event re-offered the lead but failed before it was marked
    // processed, perhaps before the delivery job was sent: send it (a duplicate is harmless).
    await env.DELIVERIES.send({ kind: "deliver", leadId: lead.lead_id } satisfies DeliveryJob);
  }
  return { status: "processed" };
}

async function markEvent(env: Env, webhookEventId: string, outcome: Outcome | { status: "failed"; why: string }, nowIso: string): Promise<void> {
  await env.DB.prepare(`UPDATE webhook_events SET status = ?, error = ?, processed_at = ? WHERE id = ?`)
    .bind(outcome.status, "why" in outcome ? outcome.why.slice(0, 500) : null, nowIso, webhookEventId)
    .run();
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
      await markEvent(env, job.webhookEventId, outcome, new Date(clock.now()).toISOString());
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
      const nowIso = new Date(clock.now()).toISOString();
      const stmts = [
        env.DB.prepare(`INSERT INTO dead_letters (id, queue, body, attempts, created_at) VALUES (?, ?, ?, ?, ?)`).bind(
          newId("dlq", clock.now()),
          batch.queue,
          JSON.stringify(msg.body),
          msg.attempts,
          nowIso,
        ),
      ];
      if (msg.body && typeof msg.body.webhookEventId === "string") {
        stmts.push(
          env.DB.prepare(`UPDATE webhook_events SET status = 'failed', error = 'dead-lettered', processed_at = ? WHERE id = ? AND status = 'received'`).bind(
            nowIso,
            msg.body.webhookEventId,
          ),
        );
      }
      await env.DB.batch(stmts);
      log("error", "webhook event dead-lettered", { queue: batch.queue, buyerId: msg.body?.buyerId, eventId: msg.body?.eventId, attempts: msg.attempts });
      msg.ack();
    } catch (err) {
      log("error", "events dead letter handling failed", { error: err instanceof Error ? err.message : String(err) });
      msg.retry({ delaySeconds: 60 });
    }
  }
}

export type { EventJob } from "./jobs";
