import { fromBase64, hmacSha256, toBase64 } from "../core/crypto";
import type { DeliveryJob } from "../intake/accept";
import { log } from "../observability/log";
import { redact } from "../observability/redact";
import { retryDelaySeconds } from "./backoff";

type NotifyEvent = "lead.sold" | "lead.unsold" | "lead.expired";
const MAX_NOTIFY_ATTEMPTS = 8;
const NOTIFY_RETRY = { baseDelaySeconds: 5, maxDelaySeconds: 900, jitter: 0.25 } as const;

/** Queues an outbound event webhook for the lead's source (no-op when it has none). */
export async function enqueueNotification(env: Env, leadId: string, event: NotifyEvent): Promise<void> {
  try {
    const has = await env.DB.prepare(`SELECT s.webhook_url AS url FROM leads l JOIN sources s ON s.id = l.source_id WHERE l.id = ?`)
      .bind(leadId)
      .first<{ url: string | null }>();
    if (!has?.url) return;
    await env.DELIVERIES.send({ kind: "notify", leadId, event, attempt: 1 } satisfies DeliveryJob);
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
export async function sendNotification(env: Env, nowMs: number, job: Extract<DeliveryJob, { kind: "notify" }>): Promise<number | undefined> {
  const row = await env.DB.prepare(
    `SELECT l.id, l.status, l.sold_buyer_id, l.sold_price, l.buyer_lead_id, l.outcome_reasons, l.external_id, s.webhook_url, s.webhook_secret
     FROM leads l JOIN sources s ON s.id = l.source_id WHERE l.id = ?`,
  )
    .bind(job.leadId)
    .first<{
      id: string;
      status: string;
      sold_buyer_id: string | null;
      sold_price: number | null;
      buyer_lead_id: string | null;
      outcome_reasons: string;
      external_id: string | null;
      webhook_url: string | null;
      webhook_secret: string | null;
    }>();
  if (!row?.webhook_url || !row.webhook_secret) return undefined;
  const msgId = `msg_${job.leadId}_${job.event}`;
  const ts = Math.floor(nowMs / 1000);
  const body = JSON.stringify({
    type: job.event,
    timestamp: new Date(nowMs).toISOString(),
    data: {
      leadId: row.id,
      externalId: row.external_id,
      status: row.status,
      buyer: row.sold_buyer_id,
      price: row.sold_price,
      buyerLeadId: row.buyer_lead_id,
      reasons: JSON.parse(row.outcome_reasons) as unknown,
    },
  });
  try {
    const res = await fetch(row.webhook_url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": msgId,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signStandardWebhook(row.webhook_secret, msgId, ts, body),
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
