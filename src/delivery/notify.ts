import { fromBase64, hmacSha256, toBase64 } from "../core/crypto";
import { notificationTarget, sourceHasWebhook } from "../db/lead-reads";
import { log } from "../observability/log";
import { redact } from "../observability/redact";
import { retryDelaySeconds } from "./backoff";
import { enqueueNotify, type NotifyEvent, type NotifyJob } from "./jobs";

const MAX_NOTIFY_ATTEMPTS = 8;
const NOTIFY_RETRY = { baseDelaySeconds: 5, maxDelaySeconds: 900, jitter: 0.25 } as const;

/**
 * Queues an outbound event webhook for the lead's source (no-op when it has none). Pass
 * `hasWebhook` when the caller already knows, to save the lookup.
 */
export async function notifySource(env: Env, leadId: string, event: NotifyEvent, hasWebhook?: boolean): Promise<void> {
  try {
    if (!(hasWebhook ?? (await sourceHasWebhook(env, leadId)))) return;
    await enqueueNotify(env, leadId, event);
  } catch (err) {
    log("warn", "could not queue the source notification", { leadId, event, error: err instanceof Error ? err.message : String(err) });
  }
}

/** Standard Webhooks signature: base64 HMAC-SHA256 of `id.timestamp.body` with the whsec_ secret. */
export async function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  if (!key) throw new Error("the source's webhook secret is not base64");
  const sig = await hmacSha256(key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(sig)}`;
}

/**
 * Sends one outbound event to the source's webhook URL, signed with the Standard Webhooks
 * scheme. Returns the delay before the next try, or undefined when done (sent or given up).
 */
export async function sendNotification(env: Env, nowMs: number, job: NotifyJob): Promise<number | undefined> {
  const row = await notificationTarget(env, job.leadId);
  if (!row?.webhookUrl || !row.webhookSecret) return undefined;
  const msgId = `msg_${job.leadId}_${job.event}`;
  const ts = Math.floor(nowMs / 1000);
  const body = JSON.stringify({
    type: job.event,
    timestamp: new Date(nowMs).toISOString(),
    data: {
      leadId: row.id,
      externalId: row.externalId,
      status: row.status,
      buyer: row.soldBuyerId,
      price: row.soldPrice,
      buyerLeadId: row.buyerLeadId,
      reasons: JSON.parse(row.outcomeReasons) as unknown,
    },
  });
  try {
    const res = await fetch(row.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": msgId,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signStandardWebhook(row.webhookSecret, msgId, ts, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok) return undefined;
    log("warn", "source webhook refused", { leadId: job.leadId, status: res.status });
  } catch (err) {
    log("warn", "source webhook failed", redact({ leadId: job.leadId, error: err instanceof Error ? err.message : String(err) }));
  }
  if (job.attempt >= MAX_NOTIFY_ATTEMPTS) return undefined;
  return retryDelaySeconds(job.attempt, NOTIFY_RETRY, Math.random);
}
