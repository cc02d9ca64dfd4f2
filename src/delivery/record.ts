import type { AttemptResult } from "../buyer-gate/types";
import { encrypt, loadEncryptionKeys } from "../core/crypto";
import { newId } from "../core/ids";
import { log } from "../observability/log";
import { redactBody, redactHeaders, redactUrl } from "../observability/redact";

const MAX_RESPONSE_BYTES = 20 * 1024;

export interface AttemptRecord {
  leadId: string;
  buyerId: string;
  deliveryId: string;
  attempt: number;
  endpoint: string;
  vertical: string;
  result: AttemptResult;
  nowMs: number;
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}…[truncated ${s.length - max} chars]`;
}

/**
 * Post-delivery bookkeeping for one attempt: a D1 row (masked request, encrypted exact
 * request, masked and truncated response), an Analytics Engine point and a log line. The
 * masked copies are what every screen shows; only an admin with the key can decrypt.
 */
export async function recordAttempt(env: Env, r: AttemptRecord): Promise<string> {
  const id = newId("att", r.nowMs);
  const { result } = r;
  const req = result.request;
  const masked = req
    ? { method: req.method, url: redactUrl(req.url), headers: redactHeaders(req.headers), body: req.body === undefined ? null : redactBody(req.body) }
    : { method: null, url: redactUrl(r.endpoint), headers: {}, body: null };
  let encrypted: { keyId: string; data: string } | undefined;
  const keys = loadEncryptionKeys(env.REQUEST_ENCRYPTION_KEYS);
  if (req && keys) {
    encrypted = await encrypt(await keys, JSON.stringify(req));
  }
  const responseBody = result.response ? truncate(redactBody(result.response.body), MAX_RESPONSE_BYTES) : null;
  await env.DB.prepare(
    `INSERT INTO delivery_attempts (id, lead_id, buyer_id, delivery_id, attempt, endpoint, request_masked, request_encrypted, key_id,
       status_code, response_body, outcome, error_class, reason, buyer_lead_id, price, elapsed_ms, retry_count, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      r.leadId,
      r.buyerId,
      r.deliveryId,
      r.attempt,
      redactUrl(req?.url ?? r.endpoint),
      JSON.stringify(masked),
      encrypted?.data ?? null,
      encrypted?.keyId ?? null,
      result.statusCode ?? null,
      responseBody,
      result.outcome,
      result.errorClass ?? null,
      result.reason ?? null,
      result.buyerLeadId ?? null,
      result.price ?? null,
      Math.round(result.elapsedMs),
      Math.max(0, r.attempt - 1),
      new Date(r.nowMs).toISOString(),
    )
    .run();
  try {
    env.ATTEMPTS?.writeDataPoint({
      indexes: [r.buyerId],
      blobs: [r.buyerId, result.outcome, result.errorClass ?? "", r.vertical, String(result.statusCode ?? "")],
      doubles: [result.elapsedMs, result.statusCode ?? 0, result.outcome === "accepted" ? (result.price ?? 0) : 0, r.attempt],
    });
  } catch (err) {
    log("warn", "analytics engine write failed", { error: err instanceof Error ? err.message : String(err) });
  }
  log(result.outcome === "failed" ? "warn" : "info", "delivery attempt", {
    leadId: r.leadId,
    buyerId: r.buyerId,
    attempt: r.attempt,
    outcome: result.outcome,
    errorClass: result.errorClass,
    status: result.statusCode,
    elapsedMs: Math.round(result.elapsedMs),
    reason: result.reason,
  });
  return id;
}

const ALERT_QUIET_MS = 15 * 60_000;

/**
 * Raises an operator alert (config faults, a buyer paused on 410). The same kind for the same
 * buyer is raised once per 15 minutes, so a broken buyer does not bury the list under one
 * alert per lead; the attempts themselves are all in the history.
 */
export async function raiseAlert(env: Env, nowMs: number, kind: string, buyerId: string | null, message: string): Promise<boolean> {
  const res = await env.DB.prepare(
    `INSERT INTO alerts (id, kind, buyer_id, message, created_at)
     SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (
       SELECT 1 FROM alerts WHERE kind = ? AND buyer_id IS ? AND resolved_at IS NULL AND created_at > ?)`,
  )
    .bind(newId("alr", nowMs), kind, buyerId, message, new Date(nowMs).toISOString(), kind, buyerId, new Date(nowMs - ALERT_QUIET_MS).toISOString())
    .run();
  const raised = res.meta.changes > 0;
  if (raised) log("warn", "alert", { kind, buyerId, message });
  return raised;
}
