/**
 * The Worker entry (src/index.ts) loads the schema of ALERT_TARGETS on first need, so that an
 * isolate starts without the schema library. Whatever an isolate's first event is — an HTTP
 * request or a queue batch — the targets are parsed before anything reads the settings.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { parseAlertTargetList } from "../../src/core/alert-targets";
import { settings, useAlertTargetParser } from "../../src/core/settings";
import worker from "../../src/index";
import type { EventJob } from "../../src/webhooks/jobs";

/** A request as the runtime hands it to the fetch handler (without the edge's cf properties). */
const health = () => new Request("https://leadwire.test/health") as Request<unknown, IncomingRequestCfProperties>;

// Each test names its target differently: settings are cached per distinct configuration.
const withTarget = (name: string) =>
  ({
    ...env,
    ALERT_TARGETS: JSON.stringify([{ name, url: "https://hooks.example/ops", format: "slack", signingSecret: "whsec_MDEyMzQ1Njc4OWFiY2RlZg==" }]),
  }) as Env;

describe("the Worker entry in a fresh isolate with ALERT_TARGETS set", () => {
  // test/worker/setup.ts installs the parser for every file; these tests start without it, as an isolate does.
  afterEach(() => useAlertTargetParser(parseAlertTargetList));

  it("a queue batch first: the batch is handled and the targets are read", async () => {
    useAlertTargetParser(undefined);
    const e = withTarget("ops-queue");
    const batch = createMessageBatch<EventJob>("leadwire-events-dlq", []);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<unknown>, e, ctx);
    await waitOnExecutionContext(ctx);
    expect((await getQueueResult(batch, ctx)).outcome).toBe("ok");
    expect(settings(e).alertTargets.map((t) => t.name)).toEqual(["ops-queue"]);
  });

  it("an HTTP request first: answered, with the targets read", async () => {
    useAlertTargetParser(undefined);
    const e = withTarget("ops-http");
    const ctx = createExecutionContext();
    const res = await worker.fetch(health(), e, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(settings(e).alertTargets.map((t) => t.name)).toEqual(["ops-http"]);
  });

  it("a bad ALERT_TARGETS still answers 503 naming the var, not a crash", async () => {
    useAlertTargetParser(undefined);
    const bad = { ...env, ALERT_TARGETS: '[{"name":"x","url":"https://h.example","format":"slack"}]' } as Env;
    const res = await worker.fetch(health(), bad, createExecutionContext());
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
  });
});
