import { gateFor } from "../buyer-gate/client";
import type { Clock } from "../core/clock";
import { expireAckClaim, expiredAcks } from "../db/claims";
import { changed, leadDb } from "../db/client";
import { leadsNeedingSweep, requeueLead, resumeLead } from "../db/leads";
import { failOpenBid } from "../db/pings";
import { leadSourceKey, leadVerticalKey, rollupStmt } from "../db/rollups";
import { pruneStats } from "../db/routing-stats";
import { timelineEvent } from "../db/timeline";
import { getBuyerRegistry } from "../integration/registry";
import { dayMinus } from "./distribution/days";
import { enqueueDeliver } from "./jobs";

const STUCK_RECEIVED_MS = 60_000;
/**
 * A queued lead this far past its due time lost its message (a restart, a dropped or
 * dead-lettered message): enqueue it again. D1 is the truth of when a lead is due, so a lost
 * message delays a lead by at most this plus the cron's minute.
 */
const STALE_QUEUED_MS = 60_000;
const BATCH = 100;
/** How long the routing figures (EPL, weighted) are kept: well past any window they are read over. */
const STATS_KEPT_DAYS = 90;

export interface SweepReport {
  requeued: number;
  ackExpired: number;
}

/**
 * The lead half of the cron sweep (every minute): nothing waits forever.
 * - leads still `received` a minute after intake (the enqueue failed) go on the queue;
 * - leads whose routing lease expired (a consumer crashed mid-waterfall) go back on the queue;
 * - queued leads long past their due time (their queue message was lost) go on it again;
 * - async deliveries whose buyer never called back expire (a ping/post bid they answered ends
 *   `failed`), and their lead cascades.
 */
export async function sweepLeads(env: Env, clock: Clock): Promise<SweepReport> {
  const nowMs = clock.now();
  const report: SweepReport = { requeued: 0, ackExpired: 0 };

  const stuck = await leadsNeedingSweep(env, {
    receivedBeforeMs: nowMs - STUCK_RECEIVED_MS,
    leaseLapsedBeforeMs: nowMs,
    dueBeforeMs: nowMs - STALE_QUEUED_MS,
    limit: BATCH,
  });
  for (const id of stuck) {
    await enqueueDeliver(env, id);
    // The due time stays as it was: the job resumes the delivery that was due, it does not start over.
    if (await requeueLead(env, id, null, nowMs)) report.requeued++;
  }

  const registry = getBuyerRegistry(env);
  for (const row of await expiredAcks(env, nowMs, BATCH)) {
    const d = leadDb(env, row.leadId);
    const [expired] = await d.batch([expireAckClaim(d, row.leadId, row.buyerId, nowMs)]);
    if (changed(expired) === 0) continue;
    report.ackExpired++;
    const buyer = registry.get(row.buyerId);
    if (buyer) await gateFor(env, buyer).settle(row.deliveryId, false);
    await d.batch([
      resumeLead(d, row.leadId, nowMs),
      // Ping/post: the bid this post answered ends failed (it came to no decision).
      failOpenBid(d, row.leadId, row.buyerId, nowMs),
      timelineEvent(d, { id: `evt_${row.deliveryId}_exp`, leadId: row.leadId, type: "ack_expired", buyerId: row.buyerId, nowMs }),
      // The delivery ended without the buyer's decision: counted as failed (this run expired its claim).
      rollupStmt(d, {
        atMs: nowMs,
        buyer: row.buyerId,
        source: leadSourceKey(row.leadId),
        vertical: leadVerticalKey(row.leadId),
        counts: { dlv_failed: 1, ack_expired: 1 },
      }),
    ]);
    await enqueueDeliver(env, row.leadId);
  }
  // Routing (issue 13): the per-day routing figures are kept 90 days (once an hour is enough).
  if (Math.floor(nowMs / 60_000) % 60 === 0) await pruneStats(env, dayMinus(new Date(nowMs).toISOString().slice(0, 10), STATS_KEPT_DAYS));
  return report;
}
