import type { Clock } from "../core/clock";
import { failTryingClaims } from "../db/claims";
import { leadDb } from "../db/client";
import { recordDeadLetter } from "../db/dead-letters";
import { requeueLead } from "../db/leads";
import { log } from "../observability/log";
import { sendAlertNotification } from "./alert-notify";
import { applyGateResults } from "./batch";
import { type DeliveryJob, enqueueAlert, enqueueDeliver, enqueueNotify } from "./jobs";
import { sendNotification } from "./notify";
import { processDeliveryJob } from "./waterfall";

/** A lead whose job died is routed again this much later. */
const DEAD_LETTER_REROUTE_SECONDS = 300;

/**
 * The `deliveries` queue consumer. The batch's messages are handled concurrently: leads are
 * independent (each run holds its lead's lease, so two messages for one lead never route it
 * twice), and every per-buyer limit — caps, in-flight, rate, the breaker's single probe, the
 * outbound connections — is enforced by that buyer's gate, whoever calls it. A try per
 * message: ack when handled, retry with a delay when the lead is busy elsewhere or the
 * handler failed. Every step is idempotent, because a message can arrive twice.
 */
export async function handleDeliveriesBatch(batch: MessageBatch<DeliveryJob>, env: Env, clock: Clock): Promise<void> {
  await Promise.all(batch.messages.map((msg) => handleDelivery(msg, env, clock)));
}

async function handleDelivery(msg: Message<DeliveryJob>, env: Env, clock: Clock): Promise<void> {
  try {
    const job = msg.body;
    if (job.kind === "notify") {
      const delay = await sendNotification(env, clock.now(), job);
      if (delay !== undefined) await enqueueNotify(env, job.leadId, job.event, job.attempt + 1, delay);
      msg.ack();
      return;
    }
    if (job.kind === "alert") {
      const delay = await sendAlertNotification(env, clock.now(), job);
      if (delay !== undefined) await enqueueAlert(env, job.notificationId, job.attempt + 1, delay);
      msg.ack();
      return;
    }
    if (job.kind === "batch_results") {
      // Issue 16: a batch buyer's gate holds settled results: write them to D1 (delivery/batch.ts).
      await applyGateResults(env, clock, job.buyerId);
      msg.ack();
      return;
    }
    const out = await processDeliveryJob(env, clock, job);
    if (out === "busy") msg.retry({ delaySeconds: 30 });
    else msg.ack();
  } catch (err) {
    const delaySeconds = Math.min(300, 5 * 2 ** Math.min(msg.attempts, 6));
    log("error", "delivery job failed; retrying", {
      id: msg.id,
      attempts: msg.attempts,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    msg.retry({ delaySeconds });
  }
}

/**
 * Dead letters: record what died and why. A deliver job that died leaves its lead routable:
 * the claim it held is marked failed and the lead goes back on the queue, so no lead is lost.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env, clock: Clock): Promise<void> {
  for (const msg of batch.messages) {
    try {
      const nowMs = clock.now();
      await recordDeadLetter(env, { queue: batch.queue, body: msg.body, attempts: msg.attempts, nowMs });
      const body = msg.body as Partial<DeliveryJob> | null;
      if (batch.queue.startsWith("leadwire-deliveries") && body && body.kind === "deliver" && typeof body.leadId === "string") {
        const d = leadDb(env, body.leadId);
        await d.batch([failTryingClaims(d, body.leadId, nowMs)]);
        await requeueLead(env, body.leadId, nowMs + DEAD_LETTER_REROUTE_SECONDS * 1000, nowMs);
        await enqueueDeliver(env, body.leadId, DEAD_LETTER_REROUTE_SECONDS);
      }
      log("error", "dead letter", { queue: batch.queue, attempts: msg.attempts });
      msg.ack();
    } catch (err) {
      log("error", "dead letter handling failed", { error: err instanceof Error ? err.message : String(err) });
      msg.retry({ delaySeconds: 60 });
    }
  }
}
