import type { Clock } from "../core/clock";
import { sha256Hex } from "../core/crypto";
import { ApiError } from "../core/errors";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { parseSaleTerms } from "../core/sale-terms";
import { settings } from "../core/settings";
import { canonicalJson } from "../core/values";
import { pausedGuess } from "../db/buyer-overrides";
import { leadByIdempotencyKey } from "../db/idempotency";
import { findLeadByKeys } from "../db/lead-reads";
import type { LeadStatus } from "../db/lead-state";
import { insertLead, insertLeasedLead, newRoutingLead, type RoutingLead } from "../db/leads";
import { newLeadId } from "../db/shards";
import type { SourceIdentity } from "../db/sources";
import { enqueueDeliver } from "../delivery/jobs";
import { planFirstPick } from "../delivery/next-buyer";
import { type Leased, RUN_LEASE_MS } from "../delivery/run";
import { log } from "../observability/log";
import { refuseKnownDuplicate } from "./duplicates";
import { normalizeLead } from "./normalize";

export interface AcceptResult {
  created: boolean;
  lead: NormalizedLead;
  status: LeadStatus;
  /** A new sync lead, stored already leased by this request: route it with `runSyncDelivery`. */
  leased?: Leased;
}

type NewLeadDraft = { id: string; sourceId: string; lead: NormalizedLead; expiresAtMs: number; nowMs: number };

/**
 * A new sync lead as its first pick sees it before it is stored: the source as its key was
 * authenticated (cached), the paused buyers as this isolate last read them. The batch that
 * stores the lead reads both afresh, and the pick is checked against that read.
 */
function draftRoutingLead(env: Env, n: NewLeadDraft, source: SourceIdentity): RoutingLead {
  const routing = {
    excludedBuyers: source.excludedBuyers,
    qualityScore: source.qualityScore ?? null,
    sourceHasWebhook: false,
    saleTerms: source.saleTerms ?? parseSaleTerms(null),
  };
  return newRoutingLead(n, routing, n.nowMs + RUN_LEASE_MS, new Set(pausedGuess(env)));
}
/**
 * Validates, normalizes and stores a lead, then enqueues its delivery. Idempotent on the
 * `Idempotency-Key` header and on the source's `external_id`: a repeat (also a concurrent
 * one) returns the original lead, because the unique indexes decide, not a prior read. The
 * same key with a different body is refused with 422: it is a second lead under a reused key,
 * which a silent "duplicate" would drop.
 *
 * One D1 round trip: an async lead is stored already `queued` and due now, so no second
 * write marks it queued after the enqueue. If the enqueue fails, the answer says `received`
 * (the lead is stored, not yet on the queue) and the cron sweep enqueues it a minute later,
 * as it does for any queued lead whose message was lost: a stored lead is never lost.
 */
export async function acceptLead(
  env: Env,
  clock: Clock,
  source: SourceIdentity,
  raw: unknown,
  opts: { idempotencyKey?: string; mode: "async" | "sync" },
): Promise<AcceptResult> {
  const nowMs = clock.now();
  const config = settings(env);
  const result = normalizeLead(raw, { id: newLeadId(env, nowMs), sourceId: source.id, nowMs, policy: config });
  if (!result.ok) throw new ApiError("validation_failed", "The lead has invalid fields.", result.issues);
  // A lead with an external id or idempotency key gets an id on that key's shard, so a repeat
  // (even a concurrent one) meets the first on the same database, whose unique index decides.
  const pin = result.lead.external_id ?? opts.idempotencyKey;
  const id = pin === undefined ? result.lead.id : newLeadId(env, nowMs, { key: `${source.id}:${pin}` });
  const lead = { ...result.lead, id };
  // Ping/post (issue 12): a source may refuse leads already received from any source within N days.
  await refuseKnownDuplicate(env, source.saleTerms, source.id, lead, opts.idempotencyKey, nowMs);
  const bodyHash = opts.idempotencyKey ? await sha256Hex(canonicalJson(raw)) : undefined;

  const stored = {
    id,
    sourceId: source.id,
    ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    ...(bodyHash ? { idempotencyHash: bodyHash } : {}),
    lead,
    raw,
    mode: opts.mode,
    expiresAtMs: nowMs + config.leadMaxAgeMs,
    nowMs,
  };
  let created: boolean;
  let leased: Leased | undefined;
  if (opts.mode === "sync") {
    // Stored and leased in one round trip, usually with its first buyer's claim: this request routes it next.
    const owner = newId("wrk", nowMs);
    const pick = await planFirstPick(env, clock, draftRoutingLead(env, stored, source), config.syncDeadlineMs);
    const routing = await insertLeasedLead(env, stored, owner, RUN_LEASE_MS, pick);
    created = routing !== undefined;
    if (routing) {
      const { firstPick, ...lead } = routing;
      leased = { owner, lead, ...(firstPick ? { firstPick } : {}) };
    }
  } else {
    // An async lead waits for its queue message.
    created = await insertLead(env, { ...stored, status: "queued" });
  }
  if (!created) {
    if (opts.idempotencyKey && bodyHash) {
      const prior = await leadByIdempotencyKey(env, source.id, opts.idempotencyKey);
      if (prior) {
        const priorHash = prior.idempotencyHash ?? (await sha256Hex(canonicalJson(prior.raw)));
        if (priorHash !== bodyHash) {
          throw new ApiError("unprocessable", `The Idempotency-Key was already used for lead ${prior.id} with a different body.`, [
            {
              path: "header.idempotency-key",
              message: `already used for lead ${prior.id} with a different body; send a new key for a new lead, or the same body to get that lead back`,
            },
          ]);
        }
        return { created: false, lead: prior.data, status: prior.status };
      }
    }
    const existing = await findLeadByKeys(env, source.id, { idempotencyKey: opts.idempotencyKey, externalId: lead.external_id });
    if (!existing) throw new ApiError("conflict", "A concurrent request with the same key is still being stored; retry shortly.");
    return { created: false, lead: existing.data, status: existing.status };
  }

  if (leased) return { created: true, lead, status: "delivering", leased };
  try {
    await enqueueDeliver(env, id);
  } catch (err) {
    log("error", "enqueue failed; the sweep will retry", { leadId: id, error: err instanceof Error ? err.message : String(err) });
    return { created: true, lead, status: "received" };
  }
  return { created: true, lead, status: "queued" };
}
