import type { Clock } from "../core/clock";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { settings } from "../core/settings";
import { findLeadByKeys } from "../db/lead-reads";
import type { LeadStatus } from "../db/lead-state";
import { insertLead, queueLead } from "../db/leads";
import type { SourceIdentity } from "../db/sources";
import { enqueueDeliver } from "../delivery/jobs";
import { log } from "../observability/log";
import { refuseKnownDuplicate } from "./duplicates";
import { normalizeLead } from "./normalize";

export interface AcceptResult {
  created: boolean;
  lead: NormalizedLead;
  status: LeadStatus;
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
  // Ping/post (issue 12): a source may refuse leads already received from any source within N days.
  await refuseKnownDuplicate(env, source.saleTerms, source.id, lead, opts.idempotencyKey, nowMs);

  const created = await insertLead(env, {
    id,
    sourceId: source.id,
    ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    lead,
    raw,
    mode: opts.mode,
    expiresAtMs: nowMs + settings(env).leadMaxAgeMs,
    nowMs,
  });
  if (!created) {
    const existing = await findLeadByKeys(env, source.id, { idempotencyKey: opts.idempotencyKey, externalId: lead.external_id });
    if (!existing) throw new ApiError("conflict", "A concurrent request with the same key is still being stored; retry shortly.");
    return { created: false, lead: existing.data, status: existing.status };
  }

  if (opts.mode === "sync") return { created: true, lead, status: "received" };
  const status = await enqueueDelivery(env, clock, id);
  return { created: true, lead, status };
}

/**
 * Puts the lead on the deliveries queue and marks it queued. If the queue is unavailable the
 * lead stays `received` and the cron sweep enqueues it later: it is stored, so it is not lost.
 */
export async function enqueueDelivery(env: Env, clock: Clock, leadId: string, delaySeconds?: number): Promise<"queued" | "received"> {
  try {
    await enqueueDeliver(env, leadId, delaySeconds);
  } catch (err) {
    log("error", "enqueue failed; the sweep will retry", { leadId, error: err instanceof Error ? err.message : String(err) });
    return "received";
  }
  await queueLead(env, leadId, clock.now() + (delaySeconds ?? 0) * 1000, clock.now());
  return "queued";
}
