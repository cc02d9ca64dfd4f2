import { createApp } from "./app";
import { systemClock } from "./core/clock";
import { settings } from "./core/settings";
import { handleDeadLetters, handleDeliveriesBatch } from "./delivery/consumer";
import type { DeliveryJob } from "./delivery/jobs";
import { sweepLeads } from "./delivery/sweep";
import { log } from "./observability/log";
import { runOps } from "./ops/cron";
import { handleEventsBatch, handleEventsDeadLetters } from "./webhooks/consumer";
import { sweepWebhookEvents } from "./webhooks/ingest";
import type { EventJob } from "./webhooks/jobs";

export { BuyerGate } from "./buyer-gate";

const app = createApp();

/** The minute cron: no lead and no buyer callback waits for ever; then the ops work (alerts, retention, regression). */
async function runCron(env: Env): Promise<void> {
  const leads = await sweepLeads(env, systemClock);
  const webhookEvents = await sweepWebhookEvents(env, systemClock);
  if (leads.requeued + leads.ackExpired + webhookEvents > 0) log("info", "sweep", { ...leads, webhookEvents });
  const ops = await runOps(env, systemClock);
  const a = ops.alerts;
  if (a && a.opened.length + a.resolved.length + a.escalated.length > 0) log("info", "alerts", { ...a });
}

export default {
  fetch: app.fetch,

  /** One entry for all four queues; the queue name picks the consumer. */
  async queue(batch, env, ctx) {
    settings(env);
    switch (batch.queue) {
      case "leadwire-deliveries":
        return handleDeliveriesBatch(batch as MessageBatch<DeliveryJob>, env, systemClock);
      case "leadwire-events":
        return handleEventsBatch(batch as MessageBatch<EventJob>, env, ctx, systemClock);
      case "leadwire-deliveries-dlq":
        return handleDeadLetters(batch, env, systemClock);
      case "leadwire-events-dlq":
        return handleEventsDeadLetters(batch as MessageBatch<EventJob>, env);
      default:
        log("error", "message from an unknown queue", { queue: batch.queue });
        batch.retryAll({ delaySeconds: 60 });
    }
  },

  /** Cron: the sweeps that make sure nothing waits for ever. */
  async scheduled(_controller, env, ctx) {
    settings(env);
    ctx.waitUntil(runCron(env));
  },
} satisfies ExportedHandler<Env, unknown>;
