import type { Clock } from "../core/clock";
import type { DeliveryJob } from "../intake/accept";
import { getBuyerRegistry } from "../integration/registry";
import { log } from "../observability/log";
import { sweepWebhookEvents } from "../webhooks/ingest";
import { gateFor } from "./engine";

const STUCK_RECEIVED_MS = 60_000;
/** A queued lead this far past its due time lost its message; enqueue it again. */
const STALE_QUEUED_MS = 10 * 60_000;
const BATCH = 100;

export interface SweepReport {
  requeued: number;
  ackExpired: number;
  webhookEvents: number;
}

/**
 * The cron sweep (every minute): nothing waits forever.
 * - leads still `received` a minute after intake (the enqueue failed) go on the queue;
 * - leads whose routing lease expired (a consumer crashed mid-waterfall) go back on the queue;
 * - queued leads long past their due time (their queue message was lost) go on it again;
 * - async deliveries whose buyer never called back expire, and their lead cascades;
 * - buyer webhooks stored while the events queue was down are enqueued.
 */
export async function runSweep(env: Env, clock: Clock): Promise<SweepReport> {
  const nowMs = clock.now();
  const nowIso = new Date(nowMs).toISOString();
  const report: SweepReport = { requeued: 0, ackExpired: 0, webhookEvents: 0 };

  const stuck = await env.DB.prepare(
    `SELECT id FROM leads
     WHERE (status = 'received' AND created_at < ?)
        OR (status = 'delivering' AND lease_until < ?)
        OR (status = 'queued' AND next_attempt_at < ?)
     LIMIT ?`,
  )
    .bind(new Date(nowMs - STUCK_RECEIVED_MS).toISOString(), nowIso, new Date(nowMs - STALE_QUEUED_MS).toISOString(), BATCH)
    .all<{ id: string }>();
  for (const { id } of stuck.results) {
    await env.DELIVERIES.send({ kind: "deliver", leadId: id } satisfies DeliveryJob);
    const r = await env.DB.prepare(
      `UPDATE leads SET status = 'queued', lease_owner = NULL, lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status IN ('received', 'delivering', 'queued')`,
    )
      .bind(nowIso, nowIso, id)
      .run();
    if (r.meta.changes > 0) report.requeued++;
  }

  const expired = await env.DB.prepare(`SELECT lead_id, buyer_id, delivery_id FROM lead_buyers WHERE state = 'pending' AND ack_expires_at < ? LIMIT ?`)
    .bind(nowIso, BATCH)
    .all<{ lead_id: string; buyer_id: string; delivery_id: string }>();
  const registry = getBuyerRegistry(env);
  for (const row of expired.results) {
    const res = await env.DB.prepare(
      `UPDATE lead_buyers SET state = 'expired', reason = 'no callback before the acknowledgement timeout', updated_at = ? WHERE lead_id = ? AND buyer_id = ? AND state = 'pending'`,
    )
      .bind(nowIso, row.lead_id, row.buyer_id)
      .run();
    if (res.meta.changes === 0) continue;
    report.ackExpired++;
    const buyer = registry.get(row.buyer_id);
    if (buyer) await gateFor(env, buyer).settle(row.delivery_id, false);
    await env.DB.batch([
      env.DB.prepare(`UPDATE leads SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`).bind(
        nowIso,
        nowIso,
        row.lead_id,
      ),
      env.DB.prepare(`INSERT INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, 'ack_expired', ?, '{}', ?)`).bind(
        `evt_${row.delivery_id}_exp`,
        row.lead_id,
        row.buyer_id,
        nowIso,
      ),
    ]);
    await env.DELIVERIES.send({ kind: "deliver", leadId: row.lead_id } satisfies DeliveryJob);
  }
  // Buyer webhooks stored but never enqueued (the events queue was down when they arrived).
  report.webhookEvents = await sweepWebhookEvents(env, clock);
  if (report.requeued + report.ackExpired + report.webhookEvents > 0) log("info", "sweep", { ...report });
  return report;
}
