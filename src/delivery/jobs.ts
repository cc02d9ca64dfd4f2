import type { BatchResultsJob } from "../buyer-gate/batch";

/**
 * The `deliveries` queue contract: every message kind, and one function to send each. Nothing
 * else calls `env.DELIVERIES.send` — but a BuyerGate, which announces settled batch results
 * with the `batch_results` kind it defines (issue 16; buyer-gate/batch.ts).
 */

/** Route a lead (or continue routing it); `retry` targets one buyer's scheduled retry. */
export interface DeliverJob {
  kind: "deliver";
  leadId: string;
  retry?: { buyerId: string; attempt: number };
}

/** Tell the lead's source what happened (its event webhook). */
export interface NotifyJob {
  kind: "notify";
  leadId: string;
  event: NotifyEvent;
  attempt: number;
}

export type NotifyEvent = "lead.sold" | "lead.unsold" | "lead.expired";

/** Send one alert notification (a row of alert_notifications) to its target; retried from this queue. */
export interface AlertJob {
  kind: "alert";
  notificationId: string;
  attempt: number;
}

export type { BatchResultsJob } from "../buyer-gate/batch";

export type DeliveryJob = DeliverJob | NotifyJob | AlertJob | BatchResultsJob;

interface QueueEnv {
  DELIVERIES: Queue;
}

function delay(seconds: number | undefined): QueueSendOptions | undefined {
  return seconds && seconds > 0 ? { delaySeconds: Math.ceil(seconds) } : undefined;
}

/** Routes the lead from the top of its waterfall (after intake, a callback, a sweep, a re-offer). */
export async function enqueueDeliver(env: QueueEnv, leadId: string, delaySeconds?: number): Promise<void> {
  await env.DELIVERIES.send({ kind: "deliver", leadId } satisfies DeliveryJob, delay(delaySeconds));
}

/** The next attempt of one buyer's delivery after a backoff. */
export async function enqueueRetry(env: QueueEnv, leadId: string, retry: { buyerId: string; attempt: number }, delaySeconds: number): Promise<void> {
  await env.DELIVERIES.send({ kind: "deliver", leadId, retry } satisfies DeliveryJob, delay(delaySeconds));
}

/** One try of the source's event webhook. */
export async function enqueueNotify(env: QueueEnv, leadId: string, event: NotifyEvent, attempt = 1, delaySeconds?: number): Promise<void> {
  await env.DELIVERIES.send({ kind: "notify", leadId, event, attempt } satisfies DeliveryJob, delay(delaySeconds));
}

/** One try of an alert notification to its target. */
export async function enqueueAlert(env: QueueEnv, notificationId: string, attempt = 1, delaySeconds?: number): Promise<void> {
  await env.DELIVERIES.send({ kind: "alert", notificationId, attempt } satisfies DeliveryJob, delay(delaySeconds));
}

/** Issue 16: pull a batch buyer's settled results from its gate again (more were left than one run takes). */
export async function enqueueBatchResults(env: QueueEnv, buyerId: string, delaySeconds?: number): Promise<void> {
  await env.DELIVERIES.send({ kind: "batch_results", buyerId } satisfies DeliveryJob, delay(delaySeconds));
}
