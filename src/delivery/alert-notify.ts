import { settings } from "../core/settings";
import { alertById, noteNotificationTry, notificationById } from "../db/alerts";
import { type AlertEvent, type AlertView, pagerDutyBody, slackBody } from "../observability/alert-payloads";
import type { Severity } from "../observability/alert-rules";
import { log } from "../observability/log";
import { retryDelaySeconds } from "./backoff";
import type { AlertJob } from "./jobs";
import { signStandardWebhook } from "./notify";

/** Tries per notification before it is marked failed (about an hour and a half of backoff). */
export const MAX_ALERT_ATTEMPTS = 8;
const ALERT_RETRY = { baseDelaySeconds: 5, maxDelaySeconds: 900, jitter: 0.25 } as const;

/**
 * Sends one alert notification to its target: the Slack-compatible or PagerDuty Events v2 body,
 * signed with the Standard Webhooks scheme (`webhook-id` is the notification id, so a receiver
 * can drop a repeat). Returns the delay before the next try, or undefined when done (sent, given
 * up, or nothing to send).
 */
export async function sendAlertNotification(env: Env, nowMs: number, job: AlertJob): Promise<number | undefined> {
  const n = await notificationById(env, job.notificationId);
  if (n?.status !== "queued") return undefined;
  const [alert, target] = await Promise.all([alertById(env, n.alertId), Promise.resolve(settings(env).alertTargets.find((t) => t.name === n.target))]);
  if (!alert || !target) {
    await noteNotificationTry(env, n.id, { ok: false, status: null, error: alert ? "target no longer configured" : "alert not found", final: true, nowMs });
    return undefined;
  }
  const view: AlertView = {
    id: alert.id,
    kind: alert.kind,
    subject: alert.subject,
    buyerId: alert.buyerId,
    severity: alert.severity as Severity,
    message: alert.message,
    level: n.level,
    createdAt: alert.createdAt,
    resolvedAt: alert.resolvedAt,
    ackedAt: alert.ackedAt,
  };
  const event = n.event as AlertEvent;
  const publicUrl = settings(env).publicUrl;
  const body = JSON.stringify(
    target.format === "pagerduty" ? pagerDutyBody(view, event, target.routingKey ?? "", publicUrl) : slackBody(view, event, publicUrl),
  );
  const ts = Math.floor(nowMs / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Leadwire-Alerts/1",
        "webhook-id": n.id,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signStandardWebhook(target.signingSecret, n.id, ts, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    await res.body?.cancel();
    if (res.ok) {
      await noteNotificationTry(env, n.id, { ok: true, status, error: null, final: true, nowMs });
      return undefined;
    }
    error = `target answered ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const final = job.attempt >= MAX_ALERT_ATTEMPTS;
  await noteNotificationTry(env, n.id, { ok: false, status, error, final, nowMs });
  log(final ? "error" : "warn", "alert notification failed", { alertId: n.alertId, target: n.target, event: n.event, attempt: job.attempt, status, error });
  return final ? undefined : retryDelaySeconds(job.attempt, ALERT_RETRY, Math.random);
}
