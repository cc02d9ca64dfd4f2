/**
 * `/v1/metrics?source=analytics`: the attempt figures through the Analytics Engine SQL API —
 * here a loopback stand-in that answers in the API's shape from the data points Leadwire wrote
 * (captured from the ATTEMPTS binding) — equal the D1 rollups' figures for the same window.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { processDeliveryJob } from "../../../src/delivery/waterfall";
import { LATENCY_BOUNDS_MS } from "../../../src/observability/rollup";
import { testBuyer, uid } from "../helpers/buyers";
import { storeLead, testClock } from "../helpers/engine";
import { opsHarness } from "../helpers/ops";
import { ADMIN } from "../helpers/sources";

interface Figures {
  attempts: number;
  accepted: number;
  rejected: number;
  failed: number;
  retries: number;
  errorsByClass: Record<string, number>;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

describe("metrics from Analytics Engine", () => {
  it("answers the same attempt figures as the D1 rollups, through the SQL API with the account's token", async () => {
    const T = Date.UTC(2033, 3, 7, 9, 20, 0);
    const token = `tok-${uid("ae")}`;
    await fetch(`${env.MOCK_OPS_ORIGIN}/_control/ae/token`, { method: "POST", body: JSON.stringify({ token }) });
    const good = uid("ae-good");
    const bad = uid("ae-bad");
    const picky = uid("ae-picky");
    const points: { timestamp: number; blobs: string[]; doubles: number[]; indexes: string[] }[] = [];
    const clock = testClock(T);
    const h = opsHarness(
      [testBuyer(bad, "forbidden", { price: 60 }), testBuyer(picky, "reject", { price: 50 }), testBuyer(good, "slow", { price: 30 }, { ms: "40" })],
      [],
      { ANALYTICS_ACCOUNT_ID: "acct-1", ANALYTICS_API_TOKEN: token, ANALYTICS_SQL_ORIGIN: env.MOCK_OPS_ORIGIN },
    );
    // The Analytics Engine binding, recorded: each point as written, stamped with the clock.
    (h.env as unknown as { ATTEMPTS: AnalyticsEngineDataset }).ATTEMPTS = {
      writeDataPoint(p?: AnalyticsEngineDataPoint) {
        points.push({
          timestamp: clock.now(),
          blobs: (p?.blobs ?? []).map(String),
          doubles: (p?.doubles ?? []).map(Number),
          indexes: (p?.indexes ?? []).map(String),
        });
      },
    };
    for (let i = 0; i < 6; i++) {
      clock.set(T + i * 60_000);
      const id = await storeLead(h.env, clock);
      expect(await processDeliveryJob(h.env, clock, { kind: "deliver", leadId: id })).toMatchObject({ status: "sold", buyer: good });
    }
    expect(points).toHaveLength(18);
    await fetch(`${env.MOCK_OPS_ORIGIN}/_control/ae/points`, { method: "POST", body: JSON.stringify(points) });

    const app = createApp({ clock: testClock(T + 10 * 60_000) });
    const get = (path: string, e: Env = h.env) => app.fetch(new Request(`https://leadwire.test${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }), e);
    const ae = await get("/v1/metrics?window=1h&source=analytics");
    expect(ae.status).toBe(200);
    const a = await ae.json<Figures & { source: string; buyers: (Figures & { buyerId: string })[]; sql: string[] }>();
    const d1 = await (await get("/v1/metrics?window=1h")).json<Figures & { buyers: (Figures & { buyerId: string })[] }>();
    expect(a.source).toBe("analytics");
    expect(a.sql[0]).toContain("FROM leadwire_attempts");
    for (const id of [good, bad, picky]) {
      const x = a.buyers.find((b) => b.buyerId === id);
      const y = d1.buyers.find((b) => b.buyerId === id);
      expect(x, id).toBeDefined();
      expect({ ...x, latencyMs: undefined, successRate: undefined, errorRate: undefined, revenue: undefined, buyerId: id }).toMatchObject({
        attempts: y?.attempts,
        accepted: y?.accepted,
        rejected: y?.rejected,
        failed: y?.failed,
        retries: y?.retries,
        errorsByClass: y?.errorsByClass,
      });
      // The exact quantile lies in the histogram bucket D1 reports (its upper bound).
      const exact = x?.latencyMs.p95 ?? 0;
      const bound = y?.latencyMs.p95 ?? 0;
      const lower = [0, ...LATENCY_BOUNDS_MS].filter((b) => b < bound).pop() ?? 0;
      expect(exact).toBeLessThanOrEqual(bound);
      expect(exact === bound || exact > lower).toBe(true);
    }
    expect(a.buyers.find((b) => b.buyerId === bad)).toMatchObject({ failed: 6, errorsByClass: { client: 6 } });
    expect(a.attempts).toBe(18);

    // A wrong token is the API's 401, answered as 503 naming it; no configuration is a 503 saying what to set.
    const wrong = await get("/v1/metrics?window=1h&source=analytics", { ...h.env, ANALYTICS_API_TOKEN: "nope" } as Env);
    expect(wrong.status).toBe(503);
    expect((await wrong.json<{ error: { message: string } }>()).error.message).toMatch(/answered 401/);
    const none = await get("/v1/metrics?source=analytics", { ...h.env, ANALYTICS_ACCOUNT_ID: "", ANALYTICS_API_TOKEN: "" } as Env);
    expect(none.status).toBe(503);
    expect((await none.json<{ error: { message: string } }>()).error.message).toMatch(/ANALYTICS_ACCOUNT_ID/);
  });
});
