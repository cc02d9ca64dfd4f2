import type { AttemptResult } from "../buyer-gate/types";
import { newId } from "../core/ids";
import type { NewAttempt } from "../db/attempts";
import { log } from "../observability/log";
import { redactBody, redactHeaders, redactUrl } from "../observability/redact";

const MAX_RESPONSE_CHARS = 20 * 1024;

export interface AttemptRecord {
  leadId: string;
  buyerId: string;
  deliveryId: string;
  attempt: number;
  endpoint: string;
  vertical: string;
  result: AttemptResult;
  /** The buyer config version the attempt ran with (the gate says which; else the live one). */
  configVersion: string;
  nowMs: number;
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}…[truncated ${s.length - max} chars]`;
}

/**
 * The attempt's row: the request with PII masked (what every screen shows; the gate already
 * masked the buyer's secrets by value), the exact request as the gate encrypted it (only an
 * admin with the key decrypts it), the masked and truncated response. It is written in the
 * same batch as the state change it explains.
 */
export function attemptRow(r: AttemptRecord): NewAttempt {
  const { result } = r;
  const req = result.request;
  const masked = req
    ? { method: req.method, url: redactUrl(req.url), headers: redactHeaders(req.headers), body: req.body === undefined ? null : redactBody(req.body) }
    : { method: null, url: redactUrl(r.endpoint), headers: {}, body: null };
  // Issue 16: an earlier exchange of the same attempt (a 409 before the update) is kept beside it.
  const prior = result.prior?.map((x) => ({
    method: x.request.method,
    url: redactUrl(x.request.url),
    headers: redactHeaders(x.request.headers),
    body: x.request.body === undefined ? null : redactBody(x.request.body),
    status: x.response.status,
    response: truncate(redactBody(x.response.body), MAX_RESPONSE_CHARS),
  }));
  const encrypted = result.archive;
  return {
    id: newId("att", r.nowMs),
    leadId: r.leadId,
    buyerId: r.buyerId,
    deliveryId: r.deliveryId,
    attempt: r.attempt,
    endpoint: redactUrl(req?.url ?? r.endpoint),
    requestMasked: JSON.stringify(prior ? { ...masked, prior } : masked),
    requestEncrypted: encrypted?.data ?? null,
    keyId: encrypted?.keyId ?? null,
    statusCode: result.statusCode ?? null,
    responseBody: result.response ? truncate(redactBody(result.response.body), MAX_RESPONSE_CHARS) : null,
    outcome: result.outcome,
    errorClass: result.errorClass ?? null,
    reason: result.reason ?? null,
    buyerLeadId: result.buyerLeadId ?? null,
    price: result.price ?? null,
    elapsedMs: Math.round(result.elapsedMs),
    retryCount: Math.max(0, r.attempt - 1),
    configVersion: r.configVersion,
    nowMs: r.nowMs,
  };
}

/** The attempt's Analytics Engine point and log line (no PII: ids, classes, timings). */
export function reportAttempt(env: { ATTEMPTS?: AnalyticsEngineDataset }, r: AttemptRecord): void {
  const { result } = r;
  try {
    env.ATTEMPTS?.writeDataPoint({
      indexes: [r.buyerId],
      blobs: [r.buyerId, result.outcome, result.errorClass ?? "", r.vertical, String(result.statusCode ?? ""), r.configVersion],
      doubles: [result.elapsedMs, result.statusCode ?? 0, result.outcome === "accepted" ? (result.price ?? 0) : 0, r.attempt],
    });
  } catch (err) {
    log("warn", "analytics engine write failed", { error: err instanceof Error ? err.message : String(err) });
  }
  log(result.outcome === "failed" ? "warn" : "info", "delivery attempt", {
    leadId: r.leadId,
    buyerId: r.buyerId,
    attempt: r.attempt,
    configVersion: r.configVersion,
    ...(result.arm && result.arm !== "live" ? { arm: result.arm } : {}),
    outcome: result.outcome,
    errorClass: result.errorClass,
    status: result.statusCode,
    elapsedMs: Math.round(result.elapsedMs),
    reason: result.reason,
  });
}

/**
 * The candidate's lost attempt, when the gate re-offered its lead to the live version at once
 * (issue 15): recorded as an attempt of its own, with the candidate's version, beside the live
 * attempt that followed.
 */
export function lostAttemptRecord(r: AttemptRecord): AttemptRecord | undefined {
  const lost = r.result.canaryLost;
  if (!lost) return undefined;
  const { configVersion, ...rest } = lost;
  return {
    ...r,
    configVersion,
    result: { ...rest, warnings: [], sent: true, circuit: r.result.circuit, arm: "candidate", configVersion },
    nowMs: Math.max(0, r.nowMs - 1),
  };
}
