import { createApp } from "./app";
import { systemClock } from "./core/clock";
import { handleDeadLetters, handleDeliveriesBatch } from "./delivery/consumer";
import { runSweep } from "./delivery/sweep";
import type { DeliveryJob } from "./intake/accept";
import { log } from "./observability/log";
import { handleEventsBatch, handleEventsDeadLetters } from "./webhooks/consumer";

export { BuyerGate } from "./buyer-gate";

const app = createApp();

export default {
  fetch: app.fetch,

  /** One entry for all four queues; the queue name picks the consumer. */
  async queue(batch, env, ctx) {
    switch (batch.queue) {
      case "leadwire-deliveries":
        return handleDeliveriesBatch(batch as MessageBatch<DeliveryJob>, env, systemClock);
      case "leadwire-events":
        return handleEventsBatch(batch as Parameters<typeof handleEventsBatch>[0], env, ctx, systemClock);
      case "leadwire-deliveries-dlq":
        return handleDeadLetters(batch, env, systemClock);
      case "leadwire-events-dlq":
        return handleEventsDeadLetters(batch as Parameters<typeof handleEventsDeadLetters>[0], env);
      default:
        log("error", "message from an unknown queue", { queue: batch.queue });
        batch.retryAll({ delaySeconds: 60 });
    }
  },

  /** Cron: the sweep that makes sure no lead waits forever. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runSweep(env, systemClock).then(() => undefined));
  },
} satisfies ExportedHandler<Env, unknown>;
