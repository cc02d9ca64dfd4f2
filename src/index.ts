import type { createApp } from "./app";
import { systemClock } from "./core/clock";
import { settings } from "./core/settings";
import { pullAllBatchResults } from "./delivery/batch";
import { handleDeadLetters, handleDeliveriesBatch } from "./delivery/consumer";
import type { DeliveryJob } from "./delivery/jobs";
import { sweepLeads } from "./delivery/sweep";
import { needsConfigLoader, useConfigLoader } from "./integration/registry";
import { log } from "./observability/log";
import { runOps } from "./ops/cron";
import { handleEventsBatch, handleEventsDeadLetters } from "./webhooks/consumer";
import { sweepWebhookEvents } from "./webhooks/ingest";
import type { EventJob } from "./webhooks/jobs";

export { BuyerGate } from "./buyer-gate";

let app: ReturnType<typeof createApp> | undefined;

/**
 * The HTTP app (routes, their zod schemas, the OpenAPI document), built on the first request:
 * an isolate that only consumes queues or hosts a BuyerGate never builds it, and an isolate
 * starts without it.
 */
async function httpApp(): Promise<ReturnType<typeof createApp>> {
  app ??= (await import("./app")).createApp();
  return app;
}

/**
 * Buyer configs given at runtime (BUYER_CONFIGS: tests, staging) are parsed with the config
 * schema, loaded on first need; the bundled buyers were compiled at build time and need none.
 */
async function loadConfigSupport(env: Env): Promise<void> {
  if (needsConfigLoader(env)) useConfigLoader((await import("./integration/load-buyers")).loadBuyers);
}

/** The minute cron: no lead and no buyer callback waits for ever; then the ops work (alerts, retention, regression). */
async function runCron(env: Env): Promise<void> {
  const leads = await sweepLeads(env, systemClock);
  const webhookEvents = await sweepWebhookEvents(env, systemClock);
  // Issue 16: batch and digest results a gate announced but no message brought (delivery/batch.ts).
  const batch = await pullAllBatchResults(env, systemClock);
  if (batch.applied + batch.late > 0) log("info", "batch results pulled", { ...batch });
  if (leads.requeued + leads.ackExpired + webhookEvents > 0) log("info", "sweep", { ...leads, webhookEvents });
  const ops = await runOps(env, systemClock);
  const a = ops.alerts;
  if (a && a.opened.length + a.resolved.length + a.escalated.length > 0) log("info", "alerts", { ...a });
}

export default {
  async fetch(request, env, ctx) {
    await loadConfigSupport(env);
    return (await httpApp()).fetch(request, env, ctx);
  },

  /** One entry for all four queues; the queue name picks the consumer. */
  async queue(batch, env, ctx) {
    settings(env);
    await loadConfigSupport(env);
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
    await loadConfigSupport(env);
    ctx.waitUntil(runCron(env));
  },
} satisfies ExportedHandler<Env, unknown>;
