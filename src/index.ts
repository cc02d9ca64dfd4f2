import type { createApp } from "./app";
import { systemClock } from "./core/clock";
import { needsAlertTargetParser, settings, useAlertTargetParser } from "./core/settings";
import type { DeliveryJob } from "./delivery/jobs";
import { needsConfigLoader, useConfigLoader } from "./integration/registry";
import { log } from "./observability/log";
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
 * Likewise the schema of ALERT_TARGETS, only when that secret is set.
 */
async function loadConfigSupport(env: Env): Promise<void> {
  if (needsConfigLoader(env)) {
    const [{ loadBuyers }, { splitBuyerFile }] = await Promise.all([import("./integration/load-buyers"), import("./integration/canary")]);
    useConfigLoader(loadBuyers, splitBuyerFile);
  }
  if (needsAlertTargetParser(env)) useAlertTargetParser((await import("./core/alert-targets")).parseAlertTargetList);
}

// The queue consumers and the cron are imported when their first batch or minute comes, like
// the HTTP app: an isolate starts by evaluating only the BuyerGate and this file, and each
// kind of work loads only its own code (with its D1 schema and the other libraries it uses).

/** The minute cron: no lead and no buyer callback waits for ever; then the ops work (alerts, retention, regression). */
async function runCron(env: Env): Promise<void> {
  const [{ sweepLeads }, { sweepWebhookEvents }, { pullAllBatchResults }, { runOps }] = await Promise.all([
    import("./delivery/sweep"),
    import("./webhooks/ingest"),
    import("./delivery/batch"),
    import("./ops/cron"),
  ]);
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
    // Every lead comes through this one route: it goes straight to its handler (same steps,
    // same answers as through the router), everything else through the HTTP app.
    if (request.method === "POST") {
      const url = new URL(request.url);
      if (url.pathname === "/v1/leads") return (await import("./routes/leads")).postLeadDirect(request, url, env, systemClock);
    }
    return (await httpApp()).fetch(request, env, ctx);
  },

  /** One entry for all four queues; the queue name picks the consumer. */
  async queue(batch, env, ctx) {
    // The parsers first: settings() reads ALERT_TARGETS through the one loadConfigSupport installs.
    await loadConfigSupport(env);
    settings(env);
    switch (batch.queue) {
      case "leadwire-deliveries":
        return (await import("./delivery/consumer")).handleDeliveriesBatch(batch as MessageBatch<DeliveryJob>, env, systemClock);
      case "leadwire-events":
        return (await import("./webhooks/consumer")).handleEventsBatch(batch as MessageBatch<EventJob>, env, ctx, systemClock);
      case "leadwire-deliveries-dlq":
        return (await import("./delivery/consumer")).handleDeadLetters(batch, env, systemClock);
      case "leadwire-events-dlq":
        return (await import("./webhooks/consumer")).handleEventsDeadLetters(batch as MessageBatch<EventJob>, env);
      default:
        log("error", "message from an unknown queue", { queue: batch.queue });
        batch.retryAll({ delaySeconds: 60 });
    }
  },

  /** Cron: the sweeps that make sure nothing waits for ever. */
  async scheduled(_controller, env, ctx) {
    await loadConfigSupport(env);
    settings(env);
    ctx.waitUntil(runCron(env));
  },
} satisfies ExportedHandler<Env, unknown>;
