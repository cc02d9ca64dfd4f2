import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import type { DeliveryJob } from "../intake/accept";
import { log } from "../observability/log";
import { processDeliveryJob } from "./engine";
import { sendNotification } from "./notify";

/**
 * The `deliveries` queue consumer. A try per message: ack when handled, retry with a delay
 * when the lead is busy elsewhere or the handler failed. Every step is idempotent, because a
 * message can arrive twice.
 */
export async function handleDeliveriesBatch(batch: MessageBatch<DeliveryJob>, env: Env, clock: Clock): Promise<void> {
  for (const msg of batch.messages) {
    try {
      const job = msg.body;
      if (job.kind === "notify") {
        const delay = await sendNotification(env, clock.now(), job);
        if (delay !== undefined) await env.DELIVERIES.send({ ...job, attempt: job.attempt + 1 }, { delaySeconds: Math.ceil(delay) });
        msg.ack();
        continue;
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
}

/**
 * Dead letters: record what died and why. A deliver job that died leaves its lead routable:
 * the claim it held is marked failed and the lead goes back on the queue, so no lead is lost.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env, clock: Clock): Promise<void> {
  for (const msg of batch.messages) {
    try {
      const nowIso = new Date(clock.now()).toISOString();
      await env.DB.prepare(`INSERT INTO dead_letters (id, queue, body, attempts, created_at) VALUES (?, ?, ?, ?, ?)`)
        .bind(newId("dlq", clock.now()), batch.queue, JSON.stringify(msg.body), msg.attempts, nowIso)
        .run();
      const body = msg.body as Partial<DeliveryJob> | null;
      if (batch.queue.startsWith("leadwire-deliveries") && body && body.kind === "deliver" && typeof body.leadId === "string") {
        await env.DB.batch([
          env.DB.prepare(
            `UPDATE lead_buyers SET state = 'failed', error_class = 'transient', reason = 'dead-lettered', updated_at = ? WHERE lead_id = ? AND state = 'trying'`,
          ).bind(nowIso, body.leadId),
          env.DB.prepare(
            `UPDATE leads SET status = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND status IN ('received','queued','delivering')`,
          ).bind(nowIso, body.leadId),
        ]);
        await env.DELIVERIES.send({ kind: "deliver", leadId: body.leadId } satisfies DeliveryJob, { delaySeconds: 300 });
      }
      log("error", "dead letter", { queue: batch.queue, attempts: msg.attempts });
      msg.ack();
    } catch (err) {
      log("error", "dead letter handling failed", { error: err instanceof Error ? err.message : String(err) });
      msg.retry({ delaySeconds: 60 });
    }
  }
}
