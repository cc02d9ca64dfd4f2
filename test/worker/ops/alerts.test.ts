import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { runOps } from "../../../src/ops/cron";
import { mockUrl, testBuyer, uid } from "../helpers/buyers";
import { storeLead, testClock } from "../helpers/engine";
import { drainAlertJobs, gateOnClock, hooksAt, opsHarness, target } from "../helpers/ops";
import { ADMIN, newSource, sampleLead } from "../helpers/sources";

const MIN = 60_000;

function api(clock: { now(): number }, e: Env) {
  const app = createApp({ clock });
  return (path: string, init: RequestInit = {}) =>
    app.fetch(new Request(`https://leadwire.test${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } }), e);
}

describe("alerts: acknowledgement, delivery retries, noise control", () => {
  it("POST /v1/alerts/:id/ack stops the escalation and tells PagerDuty; a second ack is a 409", async () => {
    const T0 = Date.UTC(2034, 1, 2, 8, 0, 0);
    const bad = uid("ack-bad");
    const slack = target(uid("ack-slack"), "slack", 0);
    const pd = target(uid("ack-pd"), "pagerduty", 0);
    const later = target(uid("ack-later"), "slack", 1);
    const h = opsHarness([testBuyer(bad, "unauthorized", { retry: { maxAttempts: 1 } })], [slack, pd, later], { REGRESSION_HOUR_UTC: "23" });
    const clock = testClock(T0);
    await gateOnClock(bad, clock);
    const source = await newSource("Ack source");
    // Three 401s in a row: a run of authentication failures, a config fault.
    for (let i = 0; i < 3; i++) {
      clock.set(T0 + i * 10_000);
      const id = await storeLead(h.env, clock, {}, source);
      await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    }
    clock.set(T0 + MIN);
    expect((await runOps(h.env, clock)).errors).toEqual([]);
    const alerts = await env.DB.prepare("SELECT id, kind, severity FROM alerts WHERE subject = ?")
      .bind(bad)
      .all<{ id: string; kind: string; severity: string }>();
    expect(alerts.results).toHaveLength(1);
    const alert = alerts.results[0];
    expect(alert).toMatchObject({ kind: "config_fault" });
    expect(await drainAlertJobs(h, clock)).toBe(2);

    const call = api(clock, h.env);
    const res = await call(`/v1/alerts/${alert?.id}/ack`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: alert?.id, ackedBy: "api", level: 0 });
    expect(await drainAlertJobs(h, clock)).toBe(1);
    const pdGot = (await hooksAt(pd.name)).map((x) => JSON.parse(x.body) as { event_action: string });
    expect(pdGot.map((x) => x.event_action)).toEqual(["trigger", "acknowledge"]);
    expect((await call(`/v1/alerts/${alert?.id}/ack`, { method: "POST" })).status).toBe(409);
    expect((await call("/v1/alerts/alr_nope/ack", { method: "POST" })).status).toBe(404);

    // The buyer keeps refusing us (the condition holds), but the alert is acknowledged: 20 minutes on, the next level is not paged.
    for (const at of [10, 10.2, 18, 18.2]) {
      clock.set(T0 + at * MIN);
      const id = await storeLead(h.env, clock, {}, source);
      await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    }
    clock.set(T0 + 21 * MIN);
    const again = await runOps(h.env, clock);
    // The config fault stands for the symptoms (no success for 30 minutes): nothing new is opened.
    expect(again.alerts?.opened).toEqual([]);
    expect(await drainAlertJobs(h, clock)).toBe(0);
    expect(await hooksAt(later.name)).toHaveLength(0);
    const list = await (await call("/v1/alerts")).json<{
      alerts: { id: string; level: number; ackedAt: string; notifications: { event: string; status: string }[] }[];
    }>();
    const mine = list.alerts.find((a) => a.id === alert?.id);
    expect(mine?.level).toBe(0);
    expect(mine?.notifications.map((n) => `${n.event}:${n.status}`).sort()).toEqual(["acknowledge:sent", "trigger:sent", "trigger:sent"]);
  });

  it("retries a notification its target refuses, from the queue, until it is taken", async () => {
    const T0 = Date.UTC(2034, 1, 3, 8, 0, 0);
    const gone = uid("gone");
    const flaky = target(uid("flaky"), "slack", 0);
    await fetch(`${env.MOCK_OPS_ORIGIN}/_control/hooks/${flaky.name}/fail`, { method: "POST", body: JSON.stringify({ status: 503, times: 2 }) });
    const h = opsHarness([testBuyer(gone, "gone", { retry: { maxAttempts: 1 } })], [flaky], { REGRESSION_HOUR_UTC: "23" });
    const clock = testClock(T0);
    const id = await storeLead(h.env, clock);
    await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    clock.set(T0 + MIN);
    await runOps(h.env, clock);
    // 410 Gone: the buyer is paused and a config fault raised; the target refuses the first two tries, the queue retries them until it takes both.
    const kinds = (await env.DB.prepare("SELECT kind FROM alerts WHERE subject = ? ORDER BY kind").bind(gone).all<{ kind: string }>()).results.map(
      (r) => r.kind,
    );
    expect(kinds).toEqual(["buyer_paused", "config_fault"]);
    const tries = await drainAlertJobs(h, clock);
    expect(tries).toBe(4);
    const rows = await env.DB.prepare(
      "SELECT n.status, n.attempts FROM alert_notifications n JOIN alerts a ON a.id = n.alert_id WHERE a.subject = ? ORDER BY n.attempts DESC",
    )
      .bind(gone)
      .all<{ status: string; attempts: number }>();
    expect(rows.results.map((r) => r.status)).toEqual(["sent", "sent"]);
    expect(rows.results.reduce((a, r) => a + r.attempts, 0)).toBe(4);
    expect(await hooksAt(flaky.name)).toHaveLength(4);
  });

  it("does not fire on too few events: two failures of a quiet buyer raise nothing", async () => {
    const T0 = Date.UTC(2034, 1, 4, 8, 0, 0);
    const quiet = uid("quiet");
    const h = opsHarness([testBuyer(quiet, "error500", { retry: { maxAttempts: 1 } })], [], { REGRESSION_HOUR_UTC: "23" });
    const clock = testClock(T0);
    await gateOnClock(quiet, clock);
    for (let i = 0; i < 2; i++) {
      const id = await storeLead(h.env, clock);
      await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    }
    clock.set(T0 + MIN);
    const r = await runOps(h.env, clock);
    expect(r.alerts?.opened).toEqual([]);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM alerts WHERE subject = ?").bind(quiet).first<{ n: number }>())?.n).toBe(0);
  });
});

describe("intake refusals", () => {
  it("counts refused posts per source and per field, and alerts when a source's refusal rate jumps", async () => {
    const T0 = Date.UTC(2034, 2, 1, 9, 0, 0);
    const h = opsHarness([testBuyer(uid("rf"), "accept")], [], { REGRESSION_HOUR_UTC: "23" });
    const clock = testClock(T0);
    const src = await newSource("Sloppy source");
    const app = createApp({ clock });
    const post = (body: string) =>
      app.fetch(
        new Request("https://leadwire.test/v1/leads", {
          method: "POST",
          headers: { authorization: `Bearer ${src.apiKey}`, "content-type": "application/json" },
          body,
        }),
        h.env,
      );
    for (let i = 0; i < 5; i++) expect((await post(JSON.stringify(sampleLead({}, T0)))).status).toBe(202);
    for (let i = 0; i < 14; i++)
      expect(
        (await post(JSON.stringify(sampleLead({ email: "not-an-email", address: { street: "1 A St", city: "X", state: "TX", zip: "123" } }, T0)))).status,
      ).toBe(400);
    for (let i = 0; i < 3; i++) expect((await post("{oops")).status).toBe(400);
    const m = await (await api(clock, h.env)("/v1/metrics?window=1h")).json<{
      sources: { sourceId: string; leads: number; refused: number; refusalRate: number }[];
    }>();
    expect(m.sources.find((s) => s.sourceId === src.id)).toMatchObject({ leads: 5, refused: 17, refusalRate: 0.7727 });
    const fields = await env.DB.prepare("SELECT field, n FROM refusal_rollups WHERE grain = 'h' AND source_id = ? ORDER BY field")
      .bind(src.id)
      .all<{ field: string; n: number }>();
    expect(fields.results).toEqual([
      { field: "(body)", n: 3 },
      { field: "address.zip", n: 14 },
      { field: "email", n: 14 },
    ]);
    clock.set(T0 + 2 * MIN);
    const r = await runOps(h.env, clock);
    const opened = await env.DB.prepare("SELECT kind, message FROM alerts WHERE subject = ?").bind(src.id).all<{ kind: string; message: string }>();
    expect(r.alerts?.opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.results).toHaveLength(1);
    expect(opened.results[0]?.kind).toBe("refusal_spike");
    expect(opened.results[0]?.message).toContain("Sloppy source");
  });
});

describe("daily regression lead", () => {
  it("sends a marked test lead to each sandbox URL once a day, skips a buyer without one (never its production URL), and alerts on a failure", async () => {
    const T0 = Date.UTC(2034, 3, 5, 5, 59, 0);
    const ok = uid("reg-ok");
    const broken = uid("reg-broken");
    const noSandbox = uid("reg-none");
    const h = opsHarness(
      [
        testBuyer(ok, "reject", { endpoint: { method: "POST", url: "", sandboxUrl: mockUrl(ok, "accept", { sandbox: "1" }) } }),
        testBuyer(broken, "accept", { endpoint: { method: "POST", url: "", sandboxUrl: mockUrl(broken, "error500", { sandbox: "1" }) } }),
        testBuyer(noSandbox, "accept"),
      ],
      [],
      { REGRESSION_HOUR_UTC: "6" },
    );
    const clock = testClock(T0);
    for (const b of [ok, broken, noSandbox]) await gateOnClock(b, clock);
    expect((await runOps(h.env, clock)).regression).toBeUndefined();
    clock.set(T0 + 2 * MIN);
    const r = await runOps(h.env, clock);
    expect(r.regression?.map((x) => [x.buyerId, x.outcome])).toEqual(
      expect.arrayContaining([
        [ok, "passed"],
        [broken, "failed"],
        [noSandbox, "skipped"],
      ]),
    );
    const seen = async (b: string) =>
      (await (await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${b}`)).json()) as {
        headers: Record<string, string>;
        query: Record<string, string>;
      }[];
    expect((await seen(ok)).every((x) => x.headers["x-leadwire-test"] === "true" && x.query.sandbox === "1")).toBe(true);
    expect(await seen(noSandbox)).toHaveLength(0);
    const alerts = await env.DB.prepare("SELECT subject FROM alerts WHERE kind = 'regression_failed' AND resolved_at IS NULL AND subject IN (?, ?, ?)")
      .bind(ok, broken, noSandbox)
      .all<{ subject: string }>();
    expect(alerts.results.map((a) => a.subject)).toEqual([broken]);
    // Once a day: a later cron the same day sends nothing more.
    clock.set(T0 + 30 * MIN);
    expect((await runOps(h.env, clock)).regression).toBeUndefined();
    expect(await seen(ok)).toHaveLength(1);
  });
});
