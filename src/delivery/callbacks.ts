import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import { type DeliveryJob, leadMaxAgeMs } from "../intake/accept";
import { getBuyerRegistry } from "../integration/registry";
import { gateFor } from "./engine";
import { enqueueNotification } from "./notify";

/** A buyer's final decision on an asynchronously acknowledged delivery. */
export interface BuyerDecision {
  buyerId: string;
  /** Our delivery id (X-Leadwire-Delivery-Id), when the buyer echoes it. */
  deliveryId?: string;
  /** The buyer's own lead id, from its acknowledgement. */
  buyerLeadId?: string;
  decision: "accepted" | "rejected";
  price?: number;
  reason?: string;
}

export type DecisionResult = "settled" | "late" | "unknown";

interface PendingRow {
  lead_id: string;
  buyer_id: string;
  delivery_id: string;
  state: string;
}

/**
 * Settles a pending delivery from the buyer's callback: accepted → the lead is sold;
 * rejected → the lead cascades to the next buyer. A decision for a delivery that is no
 * longer pending is "late" and changes nothing; one that matches no delivery is "unknown".
 * Idempotent: the state change is a conditional update, so a repeat finds nothing to change.
 */
export async function applyBuyerDecision(env: Env, clock: Clock, input: BuyerDecision): Promise<DecisionResult> {
  let row: PendingRow | null = null;
  if (input.deliveryId) {
    row = await env.DB.prepare(`SELECT lead_id, buyer_id, delivery_id, state FROM lead_buyers WHERE delivery_id = ? AND buyer_id = ?`)
      .bind(input.deliveryId, input.buyerId)
      .first<PendingRow>();
  }
  if (!row && input.buyerLeadId) {
    row = await env.DB.prepare(`SELECT lead_id, buyer_id, delivery_id, state FROM lead_buyers WHERE buyer_id = ? AND buyer_lead_id = ?`)
      .bind(input.buyerId, input.buyerLeadId)
      .first<PendingRow>();
  }
  if (!row) return "unknown";
  if (row.state !== "pending") return "late";

  const nowMs = clock.now();
  const nowIso = new Date(nowMs).toISOString();
  const buyer = getBuyerRegistry(env).get(row.buyer_id);

  if (input.decision === "accepted") {
    const price = input.price ?? buyer?.price ?? null;
    // The claim's conditional update decides who settles; only that caller touches the lead.
    const claim = await env.DB.prepare(
      `UPDATE lead_buyers SET state = 'accepted', price = ?, buyer_lead_id = COALESCE(?, buyer_lead_id), updated_at = ? WHERE delivery_id = ? AND state = 'pending'`,
    )
      .bind(price, input.buyerLeadId ?? null, nowIso, row.delivery_id)
      .run();
    if (claim.meta.changes === 0) return "late";
    await env.DB.batch([
      env.DB.prepare(
        `UPDATE leads SET status = 'sold', sold_buyer_id = ?, sold_price = ?, buyer_lead_id = (SELECT buyer_lead_id FROM lead_buyers WHERE delivery_id = ?),
           finalized_at = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'queued', 'delivering')`,
      ).bind(row.buyer_id, price, row.delivery_id, nowIso, nowIso, row.lead_id),
      env.DB.prepare(`INSERT INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, 'sold', ?, ?, ?)`).bind(
        newId("evt", nowMs),
        row.lead_id,
        row.buyer_id,
        JSON.stringify({ price, via: "callback" }),
        nowIso,
      ),
    ]);
    if (buyer) await gateFor(env, buyer).settle(row.delivery_id, true);
    await enqueueNotification(env, row.lead_id, "lead.sold");
    return "settled";
  }

  const [claim] = await env.DB.batch([
    env.DB.prepare(`UPDATE lead_buyers SET state = 'rejected', reason = ?, updated_at = ? WHERE delivery_id = ? AND state = 'pending'`).bind(
      input.reason ?? "rejected by callback",
      nowIso,
      row.delivery_id,
    ),
    env.DB.prepare(`UPDATE leads SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`).bind(
      nowIso,
      nowIso,
      row.lead_id,
    ),
    env.DB.prepare(`INSERT INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, 'rejected', ?, ?, ?)`).bind(
      newId("evt", nowMs),
      row.lead_id,
      row.buyer_id,
      JSON.stringify({ reason: input.reason ?? null, via: "callback" }),
      nowIso,
    ),
  ]);
  if (!claim || claim.meta.changes === 0) return "late";
  if (buyer) await gateFor(env, buyer).settle(row.delivery_id, false);
  await env.DELIVERIES.send({ kind: "deliver", leadId: row.lead_id } satisfies DeliveryJob);
  return "settled";
}

/**
 * Offers a returned lead again to the remaining eligible buyers, never to the ones listed
 * (the buyer that returned it) nor to any buyer that already had it (their claims stay).
 * The lead gets a fresh maximum age from now.
 */
export async function reofferLead(env: Env, clock: Clock, input: { leadId: string; excludeBuyerIds: string[] }): Promise<void> {
  const nowMs = clock.now();
  const nowIso = new Date(nowMs).toISOString();
  const stmts = [
    env.DB.prepare(
      `UPDATE leads SET status = 'queued', sold_buyer_id = NULL, sold_price = NULL, buyer_lead_id = NULL, finalized_at = NULL,
         expires_at = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status IN ('sold', 'unsold', 'expired')`,
    ).bind(new Date(nowMs + leadMaxAgeMs(env)).toISOString(), nowIso, nowIso, input.leadId),
  ];
  for (const b of input.excludeBuyerIds) {
    // A buyer that never had the lead gets a closed claim, so the waterfall skips it.
    stmts.push(
      env.DB.prepare(
        `INSERT OR IGNORE INTO lead_buyers (lead_id, buyer_id, delivery_id, state, reason, created_at, updated_at) VALUES (?, ?, ?, 'returned', 'excluded on re-offer', ?, ?)`,
      ).bind(input.leadId, b, newId("dlv", nowMs), nowIso, nowIso),
    );
  }
  const [upd] = await env.DB.batch(stmts);
  if (upd && upd.meta.changes > 0) await env.DELIVERIES.send({ kind: "deliver", leadId: input.leadId } satisfies DeliveryJob);
}
