/**
 * The proof, on an injected clock through the real waterfall, the real BuyerGate and the
 * mock buyer over HTTP, with alert targets on a loopback server: a buyer degrades (503s), its
 * circuit opens (one alert, delivered signed), nobody acknowledges (it escalates once, at 15
 * minutes), the buyer recovers (the alert resolves by itself); the metrics of that hour equal
 * the hour's rollup rows and a full scan of the raw attempts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { COUNTERS, latencyOf, successRate } from "../../../src/observability/rollup";
import { runOps } from "../../../src/ops/cron";
import { testBuyer, uid } from "../helpers/buyers";
import { storeLead, testClock } from "../helpers/engine";
import { drainAlertJobs, fullScanAttempts, gateOnClock, hooksAt, opsHarness, target, verifiesWith } from "../helpers/ops";
import { ADMIN, newSource } from "../helpers/sources";

const T0 = Date.UTC(2030, 2, 12, 10, 0, 0);
const MIN = 60_000;

async function setBehavior(buyerId: string, behavior: string | null) {
  await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/behavior`, { method: "POST", body: JSON.stringify({ buyerId, behavior, params: {} }) });
}

interface AlertRow {
  id: string;
  kind: string;
  subject: string;
  level: number;
  resolved_at: string | null;
  acked_at: string | null;
}

async function alertsOf(subject: string): Promise<AlertRow[]> {
  return (await env.DB.prepare("SELECT * FROM alerts WHERE subject = ? ORDER BY created_at").bind(subject).all<AlertRow>()).results;
}

describe("ops scenario: degrade, alert, escalate, recover", () => {
  it("opens one circuit alert delivered signed, escalates once at 15 minutes, resolves itself on recovery; the hour's metrics equal rollups and raw attempts", async () => {
    const main = uid("ops-main");
    const fallback = uid("ops-fb");
    const circuit = { failureThreshold: 5, minimumCalls: 5, windowSeconds: 120, cooldownSeconds: 60, maxCooldownSeconds: 120 };
    const oncall = target(uid("oncall"), "slack", 0);
    const pager = target(uid("pager"), "pagerduty", 1);
    const h = opsHarness(
      [testBuyer(main, "accept", { price: 30, circuit, retry: { maxAttempts: 1 } }), testBuyer(fallback, "accept", { price: 10 })],
      [oncall, pager],
      { REGRESSION_HOUR_UTC: "23" },
    );
    const clock = testClock(T0);
    await gateOnClock(main, clock);
    await gateOnClock(fallback, clock);
    const source = await newSource("Scenario source");
    const lead = async () => {
      const id = await storeLead(h.env, clock, {}, source);
      return processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id });
    };
    const cron = async (atMs: number) => {
      clock.set(atMs);
      const r = await runOps(h.env, clock);
      expect(r.errors).toEqual([]);
      return r;
    };

    // 10:00–10:05: healthy, every lead sells to the main buyer.
    for (let i = 0; i < 6; i++) {
      clock.set(T0 + i * 40_000);
      expect(await lead()).toMatchObject({ status: "sold", buyer: main, price: 30 });
    }
    expect((await cron(T0 + 4 * MIN)).alerts?.opened).toEqual([]);

    // 10:05: the main buyer answers 503. Five failures open its circuit; the leads sell to the fallback.
    await setBehavior(main, "error503");
    for (let i = 0; i < 8; i++) {
      clock.set(T0 + 5 * MIN + i * 5_000);
      expect(await lead()).toMatchObject({ status: "sold", buyer: fallback });
    }
    const opened = await cron(T0 + 6 * MIN);
    expect(opened.alerts?.opened).toHaveLength(1);
    let alerts = await alertsOf(main);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "circuit_open", level: 0, resolved_at: null });
    const alertId = alerts[0]?.id ?? "";
    // The first level is told at once: one Slack-shaped message, signed with its secret.
    expect(await drainAlertJobs(h, clock)).toBe(1);
    const slack = await hooksAt(oncall.name);
    expect(slack).toHaveLength(1);
    expect(verifiesWith(oncall.signingSecret, slack[0] ?? { name: "", headers: {}, body: "" })).toBe(true);
    expect(verifiesWith(pager.signingSecret, slack[0] ?? { name: "", headers: {}, body: "" })).toBe(false);
    const msg = JSON.parse(slack[0]?.body ?? "{}") as { text: string; blocks: unknown[] };
    expect(msg.text).toContain("circuit_open");
    expect(msg.text).toContain(main);
    expect(msg.blocks.length).toBeGreaterThan(0);

    // Nobody acknowledges. Minutes pass: still one alert, nothing sent again.
    for (const m of [7, 10, 14, 20]) await cron(T0 + m * MIN);
    expect(await drainAlertJobs(h, clock)).toBe(0);
    expect(await alertsOf(main)).toHaveLength(1);

    // 15 minutes after it opened (10:21) it goes to the next level: PagerDuty, once.
    const esc = await cron(T0 + 21 * MIN);
    expect(esc.alerts?.escalated).toEqual([alertId]);
    expect(await drainAlertJobs(h, clock)).toBe(1);
    await cron(T0 + 22 * MIN);
    await cron(T0 + 23 * MIN);
    expect(await drainAlertJobs(h, clock)).toBe(0);
    const pd = await hooksAt(pager.name);
    expect(pd).toHaveLength(1);
    expect(verifiesWith(pager.signingSecret, pd[0] ?? { name: "", headers: {}, body: "" })).toBe(true);
    expect(JSON.parse(pd[0]?.body ?? "{}")).toMatchObject({
      routing_key: pager.routingKey,
      event_action: "trigger",
      dedup_key: alertId,
      payload: { source: "leadwire", severity: "critical", class: "circuit_open", component: main },
    });
    expect((await alertsOf(main))[0]).toMatchObject({ level: 1, acked_at: null, resolved_at: null });

    // 10:25 the buyer recovers: the probe after the cool-down succeeds and closes the circuit.
    await setBehavior(main, null);
    clock.set(T0 + 25 * MIN);
    expect(await lead()).toMatchObject({ status: "sold", buyer: main });
    const resolved = await cron(T0 + 26 * MIN);
    expect(resolved.alerts?.resolved).toEqual([alertId]);
    alerts = await alertsOf(main);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.resolved_at).toBe(new Date(T0 + 26 * MIN).toISOString());
    // Both levels reached are told it is resolved.
    expect(await drainAlertJobs(h, clock)).toBe(2);
    expect(JSON.parse((await hooksAt(pager.name))[1]?.body ?? "{}")).toEqual({ routing_key: pager.routingKey, event_action: "resolve", dedup_key: alertId });
    expect(JSON.parse((await hooksAt(oncall.name))[1]?.body ?? "{}").text).toMatch(/Resolved/);
    // And it stays resolved: no new alert for the buyer.
    await cron(T0 + 30 * MIN);
    expect(await alertsOf(main)).toHaveLength(1);

    // The hour's metrics (10:00–11:00, read at 10:59) against the hour's rollup rows and a full scan of the raw attempts.
    clock.set(T0 + 59 * MIN);
    const res = await createApp({ clock }).fetch(
      new Request("https://leadwire.test/v1/metrics?window=1h", { headers: { authorization: `Bearer ${ADMIN}` } }),
      h.env,
    );
    expect(res.status).toBe(200);
    const m = await res.json<{
      attempts: number;
      successRate: number;
      latencyMs: { p50: number; p95: number; p99: number };
      leads: { total: number; sold: number };
      revenue: { sold: number };
      buyers: {
        buyerId: string;
        attempts: number;
        accepted: number;
        failed: number;
        retries: number;
        successRate: number;
        errorsByClass: Record<string, number>;
        latencyMs: { p50: number; p95: number; p99: number };
        revenue: number;
      }[];
      meta: { rowsRead: number };
    }>();
    const scan = await fullScanAttempts(T0, T0 + 60 * MIN);
    const hourRows = await env.DB.prepare("SELECT * FROM rollups WHERE grain = 'h' AND bucket = ? AND dim = 'buyer' AND key IN (?, ?)")
      .bind(new Date(T0).toISOString(), main, fallback)
      .all<Record<string, number | string>>();
    for (const id of [main, fallback]) {
      const b = m.buyers.find((x) => x.buyerId === id);
      const raw = scan.byBuyer.get(id);
      const row = hourRows.results.find((r) => r.key === id);
      if (!b || !raw || !row) throw new Error(`missing figures for ${id}`);
      // Every counter of the hour's rollup row equals the raw attempts' (attempt and delivery counters).
      for (const c of COUNTERS) {
        if (/^(att_|err_|lat_|dlv_)|^(attempts|retries|auth_failures|gone|latency_sum|latency_max)$/.test(c)) expect(Number(row[c]), `${id} ${c}`).toBe(raw[c]);
      }
      expect(b).toMatchObject({
        attempts: raw.attempts,
        accepted: raw.att_accepted,
        failed: raw.att_failed,
        retries: raw.retries,
        successRate: successRate(raw),
        latencyMs: latencyOf(raw),
      });
    }
    const mainFigures = m.buyers.find((x) => x.buyerId === main);
    // 6 healthy + 1 after recovery accepted, 5 × 503 before the circuit opened (the rest never reached it).
    expect(mainFigures).toMatchObject({ attempts: 12, accepted: 7, failed: 5, errorsByClass: { transient: 5 }, successRate: 0.5833 });
    expect(m.attempts).toBe(scan.total.attempts);
    // Lead figures against the raw lead rows of the hour.
    const leads = await env.DB.prepare(
      "SELECT COUNT(*) AS n, SUM(status = 'sold') AS sold, SUM(CASE WHEN status = 'sold' THEN sold_price ELSE 0 END) AS revenue FROM leads WHERE source_id = ?",
    )
      .bind(source.id)
      .first<{ n: number; sold: number; revenue: number }>();
    expect(m.leads).toMatchObject({ total: leads?.n, sold: leads?.sold });
    expect(m.revenue.sold).toBe(leads?.revenue);
    expect(m.leads.total).toBe(15);
    expect(m.revenue.sold).toBe(7 * 30 + 8 * 10);
    console.log(`scenario: /v1/metrics?window=1h read ${m.meta.rowsRead} rollup rows; the full scan of the hour's attempts read ${scan.rowsRead} rows`);
  });
});
