import type { AttemptResult } from "../buyer-gate/types";
import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import type { DeliveryJob } from "../intake/accept";
import { type BuyerConfig, RetrySchema } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import { log } from "../observability/log";
import { longRetryDelaySeconds, retryDelaySeconds } from "./backoff";
import { type Candidate, rankCandidates } from "./eligibility";
import { idempotencyKeyFor } from "./keys";
import { enqueueNotification } from "./notify";
import { raiseAlert, recordAttempt } from "./record";

const LEASE_MS = 60_000;
/** A scheduled retry this late is taken as lost (its message dead or dropped) and resumed. */
const LOST_RETRY_MS = 10 * 60_000;
const DEFAULT_SYNC_DEADLINE_MS = 15_000;
/** A long-retry round is for the whole lead, not one buyer: it uses the default 5–15 min spacing. */
const DEFAULT_RETRY = RetrySchema.parse({});

interface LeadRow {
  id: string;
  source_id: string;
  status: string;
  data: string;
  outcome_reasons: string;
  expires_at: string;
  rounds: number;
  next_attempt_at: string | null;
  excluded_buyers: string | null;
  quality_score: number | null;
}

interface ClaimRow {
  buyer_id: string;
  delivery_id: string;
  state: string;
  attempts: number;
  error_class: string | null;
  round: number;
}

export interface WaterfallOutcome {
  id: string;
  status: "sold" | "unsold" | "expired" | "pending" | "queued";
  buyer?: string;
  price?: number;
  buyerLeadId?: string;
  attempts: number;
  reasons?: { buyerId: string; reason: string }[];
}

type Mode = { kind: "async"; retry?: { buyerId: string; attempt: number } } | { kind: "sync"; deadlineMs: number };

/** The Durable Object that guards one buyer, created near the buyer's endpoint. */
export function gateFor(env: Env, buyer: BuyerConfig) {
  return env.BUYER_GATE.get(env.BUYER_GATE.idFromName(buyer.id), { locationHint: buyer.region });
}

export { idempotencyKeyFor } from "./keys";

async function pausedBuyers(env: Env): Promise<Set<string>> {
  const { results } = await env.DB.prepare(`SELECT buyer_id FROM buyer_overrides WHERE status = 'paused'`).all<{ buyer_id: string }>();
  return new Set(results.map((r) => r.buyer_id));
}

/** Takes the lead's lease so that only one worker routes it, also when a message is duplicated. */
async function acquireLease(env: Env, leadId: string, owner: string, nowMs: number): Promise<LeadRow | undefined> {
  const nowIso = new Date(nowMs).toISOString();
  const res = await env.DB.prepare(
    `UPDATE leads SET status = 'delivering', lease_owner = ?, lease_until = ?, updated_at = ?
     WHERE id = ? AND status IN ('received', 'queued', 'delivering') AND (lease_until IS NULL OR lease_until < ?)`,
  )
    .bind(owner, new Date(nowMs + LEASE_MS).toISOString(), nowIso, leadId, nowIso)
    .run();
  if (res.meta.changes === 0) return undefined;
  return (
    (await env.DB.prepare(
      `SELECT l.id, l.source_id, l.status, l.data, l.outcome_reasons, l.expires_at, l.rounds, l.next_attempt_at, s.excluded_buyers, s.quality_score
       FROM leads l LEFT JOIN sources s ON s.id = l.source_id WHERE l.id = ?`,
    )
      .bind(leadId)
      .first<LeadRow>()) ?? undefined
  );
}

async function claims(env: Env, leadId: string): Promise<Map<string, ClaimRow>> {
  const { results } = await env.DB.prepare(`SELECT buyer_id, delivery_id, state, attempts, error_class, round FROM lead_buyers WHERE lead_id = ?`)
    .bind(leadId)
    .all<ClaimRow>();
  return new Map(results.map((r) => [r.buyer_id, r]));
}

/** Claims (lead, buyer) for this round; false when another worker or an earlier round holds it. */
async function claim(env: Env, leadId: string, buyerId: string, round: number, existing: ClaimRow | undefined, nowIso: string): Promise<string | undefined> {
  if (existing) {
    // A long-retry round may try again a buyer whose last failure was transient or server-side.
    const res = await env.DB.prepare(
      `UPDATE lead_buyers SET state = 'trying', attempts = 0, round = ?, updated_at = ?
       WHERE lead_id = ? AND buyer_id = ? AND state = 'failed' AND error_class IN ('transient', 'server') AND round < ?`,
    )
      .bind(round, nowIso, leadId, buyerId, round)
      .run();
    return res.meta.changes === 1 ? existing.delivery_id : undefined;
  }
  const deliveryId = newId("dlv");
  const res = await env.DB.prepare(
    `INSERT OR IGNORE INTO lead_buyers (lead_id, buyer_id, delivery_id, state, attempts, round, created_at, updated_at)
     VALUES (?, ?, ?, 'trying', 0, ?, ?, ?)`,
  )
    .bind(leadId, buyerId, deliveryId, round, nowIso, nowIso)
    .run();
  return res.meta.changes === 1 ? deliveryId : undefined;
}

/** Drops a claim whose lead never left for the buyer, so a later round may claim it again. */
function freeUnsentClaim(env: Env, leadId: string, buyerId: string): D1PreparedStatement {
  return env.DB.prepare(`DELETE FROM lead_buyers WHERE lead_id = ? AND buyer_id = ? AND state = 'trying' AND attempts = 0`).bind(leadId, buyerId);
}

function retryable(c: ClaimRow, round: number): boolean {
  return c.state === "failed" && (c.error_class === "transient" || c.error_class === "server") && c.round < round;
}

/**
 * Runs the waterfall for one lead: rank the eligible buyers, deliver to the best through its
 * BuyerGate, and after every failure or rejection rank again with fresh state, until a buyer
 * accepts or none is left. Async mode retries transient failures through the queue with
 * backoff; sync mode tries each buyer once within the deadline.
 */
async function runWaterfall(env: Env, clock: Clock, leadId: string, mode: Mode): Promise<WaterfallOutcome | "busy"> {
  const owner = newId("wrk", clock.now());
  const lead = await acquireLease(env, leadId, owner, clock.now());
  if (!lead) return "busy";
  const data = JSON.parse(lead.data) as NormalizedLead;
  const reasons = JSON.parse(lead.outcome_reasons) as { buyerId: string; reason: string }[];
  const registry = getBuyerRegistry(env);
  const excludedBySource = new Set<string>(lead.excluded_buyers ? (JSON.parse(lead.excluded_buyers) as string[]) : []);
  const round = lead.rounds;
  const deferredNow = new Set<string>();
  let minDeferSeconds = Number.POSITIVE_INFINITY;
  let attempts = 0;
  let retryTarget = mode.kind === "async" ? mode.retry : undefined;
  const startedAt = clock.now();

  const release = async (status: string, extra: Record<string, unknown> = {}) => {
    const sets = ["status = ?", "lease_owner = NULL", "lease_until = NULL", "updated_at = ?", "outcome_reasons = ?"];
    const binds: unknown[] = [status, new Date(clock.now()).toISOString(), JSON.stringify(reasons)];
    for (const [k, v] of Object.entries(extra)) {
      sets.push(`${k} = ?`);
      binds.push(v);
    }
    await env.DB.prepare(`UPDATE leads SET ${sets.join(", ")} WHERE id = ? AND lease_owner = ?`)
      .bind(...binds, leadId, owner)
      .run();
  };

  if (Date.parse(lead.expires_at) <= clock.now()) {
    reasons.push({ buyerId: "*", reason: "lead reached its maximum age" });
    await release("expired", { finalized_at: new Date(clock.now()).toISOString() });
    await enqueueNotification(env, leadId, "lead.expired");
    return { id: leadId, status: "expired", attempts: 0, reasons };
  }

  for (let firstPass = true; ; firstPass = false) {
    const nowMs = clock.now();
    const nowIso = new Date(nowMs).toISOString();
    const held = await claims(env, leadId);
    let candidate: Candidate | undefined;
    let deliveryId: string | undefined;
    let attemptNo = 1;

    if (retryTarget) {
      const c = held.get(retryTarget.buyerId);
      const buyer = registry.get(retryTarget.buyerId);
      if (c && buyer && c.state === "trying") {
        candidate = { buyer, sandbox: data.test };
        deliveryId = c.delivery_id;
        attemptNo = retryTarget.attempt;
      }
      retryTarget = undefined;
    }
    // Only a message that is not itself a scheduled retry can be a duplicate of one.
    const scheduled =
      !candidate && firstPass && !(mode.kind === "async" && mode.retry) ? [...held.values()].find((c) => c.state === "trying" && c.attempts > 0) : undefined;
    if (scheduled) {
      const due = lead.next_attempt_at ? Date.parse(lead.next_attempt_at) : 0;
      const buyer = registry.get(scheduled.buyer_id);
      if (nowMs - due < LOST_RETRY_MS || !buyer) {
        // A retry of this buyer is scheduled on the queue; a duplicate message must not skip
        // ahead in the waterfall. The scheduled retry continues from here.
        await release("queued", { next_attempt_at: lead.next_attempt_at });
        return { id: leadId, status: "queued", attempts, reasons };
      }
      // The scheduled retry never came (its message was lost): resume it now.
      candidate = { buyer, sandbox: data.test };
      deliveryId = scheduled.delivery_id;
      attemptNo = scheduled.attempts + 1;
    }
    if (!candidate) {
      const exclude = new Set<string>([...excludedBySource, ...deferredNow]);
      for (const [id, c] of held) if (!retryable(c, round)) exclude.add(id);
      const { candidates } = rankCandidates(registry.values(), data, {
        nowMs,
        exclude,
        paused: await pausedBuyers(env),
        syncOnly: mode.kind === "sync",
        ...(lead.quality_score !== null ? { sourceQuality: lead.quality_score } : {}),
      });
      for (const cand of candidates) {
        const id = await claim(env, leadId, cand.buyer.id, round, held.get(cand.buyer.id), nowIso);
        if (id) {
          candidate = cand;
          deliveryId = id;
          break;
        }
      }
    }

    if (!candidate || !deliveryId) break;
    const buyer = candidate.buyer;

    let timeoutMs: number | undefined;
    if (mode.kind === "sync") {
      const left = mode.deadlineMs - (clock.now() - startedAt);
      if (left < 500) {
        await freeUnsentClaim(env, leadId, buyer.id).run();
        // Out of time: hand the rest of the waterfall to the queue rather than answer "unsold".
        await release("queued", { next_attempt_at: new Date(clock.now()).toISOString() });
        await env.DELIVERIES.send({ kind: "deliver", leadId } satisfies DeliveryJob);
        return { id: leadId, status: "queued", attempts, reasons };
      }
      timeoutMs = Math.min(left, buyer.endpoint.timeoutMs ?? 15_000);
    }

    // Keep the lease alive across slow buyers.
    await env.DB.prepare(`UPDATE leads SET lease_until = ? WHERE id = ? AND lease_owner = ?`)
      .bind(new Date(clock.now() + LEASE_MS + (timeoutMs ?? buyer.endpoint.timeoutMs ?? 15_000)).toISOString(), leadId, owner)
      .run();

    let result: AttemptResult;
    try {
      result = await gateFor(env, buyer).deliver({
        buyer,
        lead: data,
        deliveryId,
        idempotencyKey: idempotencyKeyFor(leadId, buyer.id),
        attempt: attemptNo,
        sandbox: candidate.sandbox,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    } catch (err) {
      // The gate itself failed (object reset, overload): nothing reached the buyer that we know of.
      result = {
        outcome: "failed",
        errorClass: "transient",
        reason: `buyer gate error: ${err instanceof Error ? err.message : String(err)}`,
        elapsedMs: 0,
        warnings: [],
        sent: false,
        circuit: "closed",
      };
    }
    const afterMs = clock.now();
    const afterIso = new Date(afterMs).toISOString();

    if (result.outcome === "deferred") {
      // Not a failure: the buyer never saw the lead this time. A fresh claim is freed so a later
      // round may use it; a deferred retry (throttled, circuit open) parks its claim as retryable
      // for the long-retry round and the waterfall moves on now.
      await env.DB.batch([
        freeUnsentClaim(env, leadId, buyer.id),
        env.DB.prepare(
          `UPDATE lead_buyers SET state = 'failed', error_class = 'transient', reason = ?, updated_at = ? WHERE lead_id = ? AND buyer_id = ? AND state = 'trying' AND attempts > 0`,
        ).bind(`deferred: ${result.reason ?? "buyer unavailable"}`, afterIso, leadId, buyer.id),
      ]);
      deferredNow.add(buyer.id);
      minDeferSeconds = Math.min(minDeferSeconds, result.retryAfterSeconds ?? 60);
      continue;
    }

    attempts++;
    await recordAttempt(env, {
      leadId,
      buyerId: buyer.id,
      deliveryId,
      attempt: attemptNo,
      endpoint: buyer.endpoint.url,
      vertical: data.vertical,
      result,
      nowMs: afterMs,
    });

    if (result.outcome === "accepted") {
      const price = result.price ?? buyer.price;
      await env.DB.batch([
        env.DB.prepare(
          `UPDATE lead_buyers SET state = 'accepted', attempts = attempts + 1, buyer_lead_id = ?, price = ?, error_class = NULL, reason = NULL, updated_at = ? WHERE lead_id = ? AND buyer_id = ?`,
        ).bind(result.buyerLeadId ?? null, price, afterIso, leadId, buyer.id),
        env.DB.prepare(
          `UPDATE leads SET status = 'sold', sold_buyer_id = ?, sold_price = ?, buyer_lead_id = ?, finalized_at = ?, updated_at = ?,
             outcome_reasons = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?`,
        ).bind(buyer.id, price, result.buyerLeadId ?? null, afterIso, afterIso, JSON.stringify(reasons), leadId, owner),
        env.DB.prepare(`INSERT INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, 'sold', ?, ?, ?)`).bind(
          newId("evt", afterMs),
          leadId,
          buyer.id,
          JSON.stringify({ price, buyerLeadId: result.buyerLeadId ?? null }),
          afterIso,
        ),
      ]);
      await enqueueNotification(env, leadId, "lead.sold");
      return { id: leadId, status: "sold", buyer: buyer.id, price, ...(result.buyerLeadId ? { buyerLeadId: result.buyerLeadId } : {}), attempts };
    }

    if (result.outcome === "pending") {
      const ackExpires = new Date(afterMs + buyer.endpoint.ackTimeoutSeconds * 1000).toISOString();
      await env.DB.batch([
        env.DB.prepare(
          `UPDATE lead_buyers SET state = 'pending', attempts = attempts + 1, buyer_lead_id = ?, ack_expires_at = ?, updated_at = ? WHERE lead_id = ? AND buyer_id = ?`,
        ).bind(result.buyerLeadId ?? null, ackExpires, afterIso, leadId, buyer.id),
        env.DB.prepare(`INSERT INTO lead_events (id, lead_id, type, buyer_id, data, created_at) VALUES (?, ?, 'acknowledged', ?, ?, ?)`).bind(
          newId("evt", afterMs),
          leadId,
          buyer.id,
          JSON.stringify({ buyerLeadId: result.buyerLeadId ?? null, decisionDueBy: ackExpires }),
          afterIso,
        ),
      ]);
      await release("pending");
      return { id: leadId, status: "pending", buyer: buyer.id, attempts, reasons };
    }

    const reason = result.reason ?? result.errorClass ?? "failed";
    const cls = result.errorClass ?? "server";
    const retryClass = cls === "transient" || cls === "server";
    const maxAttempts = cls === "server" ? Math.min(buyer.retry.maxServerErrorAttempts, buyer.retry.maxAttempts) : buyer.retry.maxAttempts;

    if (mode.kind === "async" && retryClass && attemptNo < maxAttempts) {
      // Retry the same buyer after backoff; the message carries the attempt number.
      const base = retryDelaySeconds(attemptNo, buyer.retry, Math.random);
      const delay = Math.ceil(Math.max(base, result.retryAfterSeconds ?? 0));
      await env.DB.prepare(`UPDATE lead_buyers SET attempts = attempts + 1, error_class = ?, reason = ?, updated_at = ? WHERE lead_id = ? AND buyer_id = ?`)
        .bind(cls, reason, afterIso, leadId, buyer.id)
        .run();
      const delaySeconds = Math.min(delay, 12 * 3600);
      await release("queued", { next_attempt_at: new Date(afterMs + delaySeconds * 1000).toISOString() });
      await env.DELIVERIES.send({ kind: "deliver", leadId, retry: { buyerId: buyer.id, attempt: attemptNo + 1 } } satisfies DeliveryJob, { delaySeconds });
      return { id: leadId, status: "queued", attempts, reasons };
    }

    const state = result.outcome === "rejected" ? "rejected" : "failed";
    await env.DB.prepare(
      `UPDATE lead_buyers SET state = ?, attempts = attempts + 1, error_class = ?, reason = ?, updated_at = ? WHERE lead_id = ? AND buyer_id = ?`,
    )
      .bind(state, cls, reason, afterIso, leadId, buyer.id)
      .run();
    reasons.push({ buyerId: buyer.id, reason: result.outcome === "rejected" ? `rejected: ${reason}` : `${cls}: ${reason}` });

    if (cls === "client" || cls === "config") {
      if (result.statusCode === 410) {
        await env.DB.prepare(
          `INSERT INTO buyer_overrides (buyer_id, status, reason, updated_at) VALUES (?, 'paused', ?, ?)
           ON CONFLICT(buyer_id) DO UPDATE SET status = 'paused', reason = excluded.reason, updated_at = excluded.updated_at`,
        )
          .bind(buyer.id, "410 Gone from the buyer's endpoint", afterIso)
          .run();
        await raiseAlert(env, afterMs, "buyer_paused", buyer.id, `${buyer.name} answered 410 Gone; the buyer is paused until an operator resumes it.`);
      } else {
        await raiseAlert(env, afterMs, "config_fault", buyer.id, `${buyer.name}: ${reason}${result.statusCode ? ` (HTTP ${result.statusCode})` : ""}`);
      }
    }
  }

  // No buyer left this round.
  const nowMs = clock.now();
  const held = await claims(env, leadId);
  const hasRetryable = [...held.values()].some((c) => c.state === "failed" && (c.error_class === "transient" || c.error_class === "server"));
  const expiresAt = Date.parse(lead.expires_at);
  if ((hasRetryable || deferredNow.size > 0) && mode.kind === "async") {
    const delay = deferredNow.size > 0 && !hasRetryable ? Math.min(Math.max(minDeferSeconds, 30), 900) : longRetryDelaySeconds(DEFAULT_RETRY, Math.random);
    if (nowMs + delay * 1000 < expiresAt) {
      await release("queued", { rounds: hasRetryable ? round + 1 : round, next_attempt_at: new Date(nowMs + Math.ceil(delay) * 1000).toISOString() });
      await env.DELIVERIES.send({ kind: "deliver", leadId } satisfies DeliveryJob, { delaySeconds: Math.ceil(delay) });
      log("info", "long retry scheduled", { leadId, delaySeconds: delay, round: round + 1 });
      return { id: leadId, status: "queued", attempts, reasons };
    }
    reasons.push({ buyerId: "*", reason: "lead reached its maximum age" });
    await release("expired", { finalized_at: new Date(nowMs).toISOString() });
    await enqueueNotification(env, leadId, "lead.expired");
    return { id: leadId, status: "expired", attempts, reasons };
  }
  if (deferredNow.size > 0) {
    for (const b of deferredNow) reasons.push({ buyerId: b, reason: "deferred: cap, schedule, circuit or in-flight limit" });
  }
  if (reasons.length === 0) reasons.push({ buyerId: "*", reason: "no eligible buyer for this lead" });
  const pending = [...held.values()].some((c) => c.state === "pending");
  if (pending) {
    await release("pending");
    return { id: leadId, status: "pending", attempts, reasons };
  }
  await release("unsold", { finalized_at: new Date(nowMs).toISOString() });
  await enqueueNotification(env, leadId, "lead.unsold");
  return { id: leadId, status: "unsold", attempts, reasons };
}

/** `?mode=sync`: the source waits; one attempt per buyer within the deadline. */
export async function runSyncDelivery(env: Env, clock: Clock, leadId: string): Promise<WaterfallOutcome> {
  const deadlineMs = Number(env.SYNC_DEADLINE_MS ?? DEFAULT_SYNC_DEADLINE_MS) || DEFAULT_SYNC_DEADLINE_MS;
  const out = await runWaterfall(env, clock, leadId, { kind: "sync", deadlineMs });
  if (out === "busy") return { id: leadId, status: "queued", attempts: 0 };
  return out;
}

/**
 * Processes one `deliveries` queue job. "busy" means another worker holds the lead's lease
 * (retry the message later); "done" means the lead no longer needs routing (sold, unsold,
 * expired, awaiting a buyer's callback, or unknown).
 */
export async function processDeliveryJob(env: Env, clock: Clock, job: Extract<DeliveryJob, { kind: "deliver" }>): Promise<WaterfallOutcome | "busy" | "done"> {
  const out = await runWaterfall(env, clock, job.leadId, { kind: "async", ...(job.retry ? { retry: job.retry } : {}) });
  if (out !== "busy") return out;
  const row = await env.DB.prepare(`SELECT status FROM leads WHERE id = ?`).bind(job.leadId).first<{ status: string }>();
  if (!row || !["received", "queued", "delivering"].includes(row.status)) return "done";
  return "busy";
}
