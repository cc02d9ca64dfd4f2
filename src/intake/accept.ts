import { and, eq } from "drizzle-orm";
import type { SourceIdentity } from "../context";
import type { Clock } from "../core/clock";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { db, schema } from "../db/client";
import { log } from "../observability/log";
import { normalizeLead } from "./normalize";

export type DeliveryJob =
  | { kind: "deliver"; leadId: string; retry?: { buyerId: string; attempt: number } }
  | { kind: "notify"; leadId: string; event: "lead.sold" | "lead.unsold" | "lead.expired"; attempt: number };

export interface AcceptResult {
  created: boolean;
  lead: NormalizedLead;
  status: string;
}

const DEFAULT_MAX_AGE_HOURS = 24;

/** How long a lead may wait for a buyer: LEAD_MAX_AGE_HOURS (default 24, 1–48), in ms. */
export function leadMaxAgeMs(env: { LEAD_MAX_AGE_HOURS?: string }): number {
  const hours = Number(env.LEAD_MAX_AGE_HOURS ?? DEFAULT_MAX_AGE_HOURS) || DEFAULT_MAX_AGE_HOURS;
  return Math.min(48, Math.max(1, hours)) * 3_600_000;
}

/**
 * Validates, normalizes and stores a lead, then enqueues its delivery. Idempotent on the
 * `Idempotency-Key` header and on the source's `external_id`: a repeat (also a concurrent
 * one) returns the original lead, because the unique indexes decide, not a prior read.
 */
export async function acceptLead(
  env: Env,
  clock: Clock,
  source: SourceIdentity,
  raw: unknown,
  opts: { idempotencyKey?: string; mode: "async" | "sync" },
): Promise<AcceptResult> {
  const nowMs = clock.now();
  const id = newId("lead", nowMs);
  const result = normalizeLead(raw, { id, sourceId: source.id, nowMs });
  if (!result.ok) throw new ApiError("validation_failed", "The lead has invalid fields.", result.issues);
  const lead = result.lead;
  const nowIso = new Date(nowMs).toISOString();

  // One atomic batch: the lead and its first timeline entry, or nothing. OR IGNORE lets the
  // unique (source, external_id) / (source, idempotency_key) indexes settle races.
  const [insert] = await env.DB.batch([
    env.DB.prepare(
      `INSERT OR IGNORE INTO leads (id, source_id, external_id, idempotency_key, vertical, status, data, raw, test, mode, expires_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      source.id,
      lead.external_id ?? null,
      opts.idempotencyKey ?? null,
      lead.vertical,
      JSON.stringify(lead),
      JSON.stringify(raw),
      lead.test ? 1 : 0,
      opts.mode,
      new Date(nowMs + leadMaxAgeMs(env)).toISOString(),
      nowIso,
      nowIso,
    ),
    env.DB.prepare(
      `INSERT INTO lead_events (id, lead_id, type, data, created_at)
       SELECT ?, ?, 'received', ?, ? WHERE EXISTS (SELECT 1 FROM leads WHERE id = ?)`,
    ).bind(newId("evt", nowMs), id, JSON.stringify({ mode: opts.mode, test: lead.test }), nowIso, id),
  ]);

  if (!insert || insert.meta.changes === 0) {
    const existing = await findExisting(env, source.id, opts.idempotencyKey, lead.external_id);
    if (!existing) throw new ApiError("conflict", "A concurrent request with the same key is still being stored; retry shortly.");
    return { created: false, lead: JSON.parse(existing.data) as NormalizedLead, status: existing.status };
  }

  if (opts.mode === "sync") return { created: true, lead, status: "received" };
  const status = await enqueueDelivery(env, clock, id);
  return { created: true, lead, status };
}

async function findExisting(env: Env, sourceId: string, idempotencyKey: string | undefined, externalId: string | undefined) {
  const d = db(env);
  if (idempotencyKey) {
    const row = await d
      .select({ data: schema.leads.data, status: schema.leads.status })
      .from(schema.leads)
      .where(and(eq(schema.leads.sourceId, sourceId), eq(schema.leads.idempotencyKey, idempotencyKey)))
      .get();
    if (row) return row;
  }
  if (externalId) {
    return d
      .select({ data: schema.leads.data, status: schema.leads.status })
      .from(schema.leads)
      .where(and(eq(schema.leads.sourceId, sourceId), eq(schema.leads.externalId, externalId)))
      .get();
  }
  return undefined;
}

/**
 * Puts the lead on the deliveries queue and marks it queued. If the queue is unavailable the
 * lead stays `received` and the cron sweep enqueues it later: it is stored, so it is not lost.
 */
export async function enqueueDelivery(env: Env, clock: Clock, leadId: string, delaySeconds?: number): Promise<"queued" | "received"> {
  try {
    const job: DeliveryJob = { kind: "deliver", leadId };
    await env.DELIVERIES.send(job, delaySeconds ? { delaySeconds } : undefined);
  } catch (err) {
    log("error", "enqueue failed; the sweep will retry", { leadId, error: err instanceof Error ? err.message : String(err) });
    return "received";
  }
  const nowIso = new Date(clock.now()).toISOString();
  await env.DB.prepare(`UPDATE leads SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'received'`)
    .bind(new Date(clock.now() + (delaySeconds ?? 0) * 1000).toISOString(), nowIso, leadId)
    .run();
  return "queued";
}
