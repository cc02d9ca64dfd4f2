import { gateFor } from "../buyer-gate/client";
import type { Clock } from "../core/clock";
import { settings } from "../core/settings";
import { acceptPendingClaim, deliveryPending, excludeOnReoffer, findClaimByRef, rejectPendingClaim } from "../db/claims";
import { changed, leadDb, type Stmt } from "../db/client";
import { reofferLeadStmt, resumeLead, sellPendingDelivery } from "../db/leads";
import { leadEndedNow, leadVerticalKey, rejectedNow, rollupStmt, saleCounts } from "../db/rollups";
import { leadStatStmt } from "../db/routing-stats";
import { saleContext } from "../db/sales";
import { timelineEvent } from "../db/timeline";
import { getBuyerRegistry } from "../integration/registry";
import { log } from "../observability/log";
import { localDay } from "./distribution/days";
import { enqueueDeliver } from "./jobs";
import { notifySource } from "./notify";
import { bidClosedStmts, saleOf, saleRowStmts } from "./pingpost";

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

/**
 * Settles a pending delivery from the buyer's callback: accepted → the lead is sold and the sale
 * recorded as one decided at once is (its `sales` row: the bid's price and id for a ping/post
 * post, the source's payout); rejected → no sale, the lead cascades to the next buyer (or bid).
 * A decision for a delivery that is no longer pending is "late" and changes nothing; one that
 * matches no delivery is "unknown".
 * Idempotent: the claim's conditional update decides who settles, so a repeat finds nothing.
 */
export async function applyBuyerDecision(env: Env, clock: Clock, input: BuyerDecision): Promise<DecisionResult> {
  const match = await findClaimByRef(env, input.buyerId, input);
  if (!match) return "unknown";
  if (match.state !== "pending") return "late";

  const nowMs = clock.now();
  const d = leadDb(env, match.leadId);
  const buyer = getBuyerRegistry(env).get(match.buyerId);

  // The source's payout rule and the bid the post answered (ping/post): the sale is recorded as a
  // sale decided at once would be (saleOf, saleRowStmts), whatever decided it.
  const ctx = await saleContext(env, match.leadId, match.buyerId, match.deliveryId);

  if (input.decision === "accepted") {
    const configured = buyer?.price ?? input.price;
    // A buyer no longer configured and a callback without a price: the lead is sold, at no known price.
    const sale = configured === undefined && !ctx.bid ? undefined : saleOf(ctx.bid?.bid, { id: match.buyerId, price: configured ?? 0 }, input);
    const price = sale?.price ?? null;
    const keys = { atMs: nowMs, buyer: match.buyerId, source: match.sourceId, vertical: leadVerticalKey(match.leadId) };
    const lead = { id: match.leadId, sourceId: match.sourceId, test: match.leadTest, payout: ctx.terms.payout };
    // One batch, all or nothing: every write is conditioned on the delivery still being pending and
    // the claim's own move comes last, so a repeat, a race with the acknowledgement-timeout sweep or
    // a crash can neither sell twice nor leave an accepted claim on a lead that was never sold.
    const guard = deliveryPending(match.deliveryId);
    const writes = await d.batch([
      sellPendingDelivery(d, match.leadId, { buyerId: match.buyerId, price, buyerLeadId: input.buyerLeadId ?? ctx.buyerLeadId }, guard, nowMs),
      timelineEvent(d, {
        leadId: match.leadId,
        type: "sold",
        buyerId: match.buyerId,
        data: { price, via: "callback", ...(ctx.bid ? { bidId: ctx.bid.bid.buyerBidId } : {}) },
        nowMs,
        when: guard,
      }),
      rollupStmt(d, { ...keys, counts: { dlv_accepted: 1 }, when: guard }),
      // The sale counts if the lead was sold by this batch.
      rollupStmt(d, { ...keys, counts: saleCounts(price, match.leadTest), when: leadEndedNow(match.leadId, "sold", nowMs) }),
      // Routing (issue 13): the acknowledged offer ends accepted in the buyer's figures.
      leadStatStmt(d, match.leadId, match.buyerId, localDay(nowMs, buyer?.caps.timezone ?? "UTC"), { accepted: 1, revenue: price ?? 0 }, nowMs, guard),
      // The sale row (revenue, the source's payout) exactly as a sale decided at once writes it
      // (keyed by lead and buyer besides: a repeat cannot add a second).
      ...(sale ? saleRowStmts(d, lead, match.deliveryId, ctx.bid, sale, nowMs, guard) : []),
      acceptPendingClaim(d, match.deliveryId, price, input.buyerLeadId ?? null, nowMs),
    ]);
    if (changed(writes[writes.length - 1]) === 0) return "late";
    if (!sale) log("warn", "callback sale without a price", { leadId: match.leadId, buyerId: match.buyerId });
    if (buyer) await gateFor(env, buyer).settle(match.deliveryId, true);
    await notifySource(env, match.leadId, "lead.sold");
    return "settled";
  }

  const [claim] = await d.batch([
    rejectPendingClaim(d, match.deliveryId, input.reason ?? "rejected by callback", nowMs),
    resumeLead(d, match.leadId, nowMs),
    timelineEvent(d, { leadId: match.leadId, type: "rejected", buyerId: match.buyerId, data: { reason: input.reason ?? null, via: "callback" }, nowMs }),
    rollupStmt(d, {
      atMs: nowMs,
      buyer: match.buyerId,
      source: match.sourceId,
      vertical: leadVerticalKey(match.leadId),
      counts: { dlv_rejected: 1 },
      when: rejectedNow(match.deliveryId, nowMs),
    }),
    // Routing (issue 13): the acknowledged offer ends rejected in the buyer's figures (only when this batch rejected it).
    leadStatStmt(d, match.leadId, match.buyerId, localDay(nowMs, buyer?.caps.timezone ?? "UTC"), { rejected: 1 }, nowMs, rejectedNow(match.deliveryId, nowMs)),
  ]);
  if (changed(claim) === 0) return "late";
  // Ping/post: the bid's post came to a rejection (ping-to-post acceptance); no sale is recorded.
  const [closed, ...more] = bidClosedStmts(d, ctx.bid?.bid, "rejected", nowMs);
  if (closed) await d.batch([closed, ...more]);
  if (buyer) await gateFor(env, buyer).settle(match.deliveryId, false);
  await enqueueDeliver(env, match.leadId);
  return "settled";
}

/**
 * Offers a returned lead again to the remaining eligible buyers, never to the ones listed
 * (the buyer that returned it) nor to any buyer that already had it (their claims stay).
 * The lead gets a fresh maximum age from now.
 */
export async function reofferLead(env: Env, clock: Clock, input: { leadId: string; excludeBuyerIds: string[] }): Promise<void> {
  const nowMs = clock.now();
  const d = leadDb(env, input.leadId);
  const stmts: [Stmt, ...Stmt[]] = [reofferLeadStmt(d, input.leadId, nowMs + settings(env).leadMaxAgeMs, nowMs)];
  for (const b of input.excludeBuyerIds) stmts.push(excludeOnReoffer(d, input.leadId, b, nowMs));
  const [upd] = await d.batch(stmts);
  if (changed(upd) > 0) await enqueueDeliver(env, input.leadId);
}
