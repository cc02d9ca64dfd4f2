import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import type { BuyerGate } from "../../../src/buyer-gate";
import type { Clock } from "../../../src/core/clock";
import { sendAlertNotification } from "../../../src/delivery/alert-notify";
import type { AlertJob, DeliveryJob } from "../../../src/delivery/jobs";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { addCounts, attemptCounts, bucketStart, type Counts, emptyCounts, LATENCY_BOUNDS_MS, LATENCY_COLUMNS } from "../../../src/observability/rollup";
import { recordingQueue } from "./sources";

/** A Standard Webhooks secret for a test target (whsec_ + base64 of 24 bytes). */
export function targetSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64")}`;
}

export interface Target {
  name: string;
  url: string;
  format: "slack" | "pagerduty";
  level: 0 | 1 | 2;
  signingSecret: string;
  routingKey?: string;
}

/** A loopback alert target at the ops stand-in. */
export function target(name: string, format: "slack" | "pagerduty", level: 0 | 1 | 2): Target {
  return {
    name,
    url: `${env.MOCK_OPS_ORIGIN}/hooks/${name}`,
    format,
    level,
    signingSecret: targetSecret(),
    ...(format === "pagerduty" ? { routingKey: `rk-${name}` } : {}),
  };
}

/** An env whose buyers, alert targets and vars are the test's own, with a recording deliveries queue. */
export function opsHarness(buyers: BuyerConfigInput[], targets: Target[] = [], vars: Record<string, string> = {}) {
  const queue = recordingQueue();
  const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify(buyers), DELIVERIES: queue, ALERT_TARGETS: JSON.stringify(targets), ...vars } as unknown as Env;
  return { env: testEnv, queue };
}

/** Puts a buyer's gate on the test's clock (an instance field set inside the object, not an RPC). */
export async function gateOnClock(buyerId: string, clock: Clock): Promise<void> {
  const stub = env.BUYER_GATE.get(env.BUYER_GATE.idFromName(buyerId));
  await runInDurableObject(stub, (g: BuyerGate) => {
    g.clock = clock;
  });
}

/** Sends every queued alert notification (as the deliveries consumer would), retries included; returns how many sends were tried. */
export async function drainAlertJobs(h: { env: Env; queue: ReturnType<typeof recordingQueue> }, clock: Clock): Promise<number> {
  let tries = 0;
  for (let round = 0; round < 20; round++) {
    const jobs = h.queue.sent.splice(0).filter((m) => (m.body as DeliveryJob).kind === "alert");
    if (jobs.length === 0) break;
    for (const m of jobs) {
      tries++;
      const job = m.body as AlertJob;
      const delay = await sendAlertNotification(h.env, clock.now(), job);
      if (delay !== undefined) h.queue.sent.push({ body: { ...job, attempt: job.attempt + 1 }, delaySeconds: delay });
    }
  }
  return tries;
}

export interface Hook {
  name: string;
  headers: Record<string, string>;
  body: string;
}

/** What the ops stand-in received at one target. */
export async function hooksAt(name: string): Promise<Hook[]> {
  return (await (await fetch(`${env.MOCK_OPS_ORIGIN}/_control/hooks?name=${encodeURIComponent(name)}`)).json()) as Hook[];
}

/** Verifies a Standard Webhooks signature the way a receiver would. */
export function verifiesWith(secret: string, h: Hook): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${h.headers["webhook-id"]}.${h.headers["webhook-timestamp"]}.${h.body}`).digest("base64");
  return h.headers["webhook-signature"] === `v1,${expected}`;
}

/**
 * The reference the rollups must equal: a full scan of the raw attempt rows of [from, to),
 * grouped in SQL by buyer, outcome, class, status, retry and latency bucket, then counted with
 * the same rules. A delivery ends with the last attempt of its delivery id (a retried attempt
 * does not end it). Returns per-buyer and overall counters and how many rows D1 read.
 */
export async function fullScanAttempts(fromMs: number, toMs: number): Promise<{ total: Counts; byBuyer: Map<string, Counts>; rowsRead: number }> {
  const bucketCase = `CASE ${LATENCY_BOUNDS_MS.map((b, i) => `WHEN elapsed_ms <= ${b} THEN ${i}`).join(" ")} ELSE ${LATENCY_BOUNDS_MS.length} END`;
  const res = await env.DB.prepare(
    `WITH a AS (
       SELECT *, ROW_NUMBER() OVER (PARTITION BY delivery_id ORDER BY attempt DESC) = 1 AS last
       FROM delivery_attempts WHERE created_at >= ?1 AND created_at < ?2)
     SELECT buyer_id, outcome, error_class, status_code, attempt > 1 AS retry, ${bucketCase} AS lat, COUNT(*) AS n, SUM(elapsed_ms) AS ms, MAX(elapsed_ms) AS mx, SUM(last) AS ended
     FROM a GROUP BY buyer_id, outcome, error_class, status_code, retry, lat`,
  )
    .bind(new Date(fromMs).toISOString(), new Date(toMs).toISOString())
    .all<{
      buyer_id: string;
      outcome: string;
      error_class: string | null;
      status_code: number | null;
      retry: number;
      lat: number;
      n: number;
      ms: number;
      mx: number;
      ended: number;
    }>();
  const total = emptyCounts();
  const byBuyer = new Map<string, Counts>();
  for (const r of res.results) {
    const one = attemptCounts({
      outcome: r.outcome as "accepted",
      errorClass: r.error_class ?? undefined,
      statusCode: r.status_code ?? undefined,
      elapsedMs: 0,
      attempt: r.retry ? 2 : 1,
    });
    const c = emptyCounts();
    for (const [k, v] of Object.entries(one)) if (k !== "latency_sum" && k !== "latency_max" && !k.startsWith("lat_")) c[k as keyof Counts] = (v ?? 0) * r.n;
    const col = LATENCY_COLUMNS[r.lat];
    if (col) c[col] = r.n;
    c.latency_sum = r.ms;
    c.latency_max = r.mx;
    if (r.outcome === "accepted") c.dlv_accepted = r.ended;
    else if (r.outcome === "rejected") c.dlv_rejected = r.ended;
    else if (r.outcome === "failed") c.dlv_failed = r.ended;
    addCounts(total, c);
    let b = byBuyer.get(r.buyer_id);
    if (!b) byBuyer.set(r.buyer_id, (b = emptyCounts()));
    addCounts(b, c);
  }
  return { total, byBuyer, rowsRead: Number((res.meta as { rows_read?: number }).rows_read ?? 0) };
}

export { bucketStart };
