/**
 * `/v1/metrics?source=analytics`: the attempt figures from the Workers Analytics Engine dataset
 * every attempt is written to (src/delivery/record.ts: index = buyer; blobs = buyer, outcome,
 * error class, vertical, status; doubles = latency ms, status, price when accepted, attempt
 * number), read through the Analytics Engine SQL API. The same bucket-aligned window as the D1
 * rollups, weighted by `_sample_interval` (Analytics Engine samples at high volume).
 */

import type { WindowRange } from "../observability/metrics";
import { addCounts, type Counts, type CountsDelta, emptyCounts, errorsByClass, rate } from "../observability/rollup";

export interface AnalyticsConfig {
  accountId: string;
  apiToken: string;
  origin: string;
  dataset: string;
}

/** Thrown when the SQL API cannot answer; the route answers 502 with the reason. */
export class AnalyticsError extends Error {}

const DATASET_NAME = /^[A-Za-z0-9_]{1,64}$/;

function range(r: WindowRange): string {
  return `timestamp >= toDateTime(${Math.floor(r.fromMs / 1000)}) AND timestamp < toDateTime(${Math.floor(r.toMs / 1000)})`;
}

/** The three queries, as the README lists them: outcomes by buyer, class and status; latency quantiles by buyer and overall. */
export function analyticsQueries(dataset: string, r: WindowRange): { outcomes: string; latency: string; latencyAll: string } {
  if (!DATASET_NAME.test(dataset)) throw new AnalyticsError(`ANALYTICS_DATASET ${dataset} is not a dataset name`);
  return {
    outcomes: `SELECT blob1 AS buyer_id, blob2 AS outcome, blob3 AS error_class, blob5 AS status,
  SUM(_sample_interval) AS attempts,
  SUM(_sample_interval * IF(double4 > 1, 1, 0)) AS retries,
  SUM(_sample_interval * double3) AS revenue
FROM ${dataset}
WHERE ${range(r)}
GROUP BY buyer_id, outcome, error_class, status
FORMAT JSON`,
    latency: `SELECT blob1 AS buyer_id,
  quantileExactWeighted(0.5)(double1, _sample_interval) AS p50,
  quantileExactWeighted(0.95)(double1, _sample_interval) AS p95,
  quantileExactWeighted(0.99)(double1, _sample_interval) AS p99
FROM ${dataset}
WHERE ${range(r)}
GROUP BY buyer_id
FORMAT JSON`,
    latencyAll: `SELECT
  quantileExactWeighted(0.5)(double1, _sample_interval) AS p50,
  quantileExactWeighted(0.95)(double1, _sample_interval) AS p95,
  quantileExactWeighted(0.99)(double1, _sample_interval) AS p99
FROM ${dataset}
WHERE ${range(r)}
FORMAT JSON`,
  };
}

interface SqlAnswer {
  data: Record<string, unknown>[];
}

/** One query through the SQL API (POST, the query as the body, Bearer token). */
async function query(cfg: AnalyticsConfig, sql: string, fetchImpl: typeof fetch): Promise<SqlAnswer> {
  const url = `${cfg.origin}/client/v4/accounts/${encodeURIComponent(cfg.accountId)}/analytics_engine/sql`;
  let res: Response;
  try {
    res = await fetchImpl(url, { method: "POST", headers: { authorization: `Bearer ${cfg.apiToken}` }, body: sql, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new AnalyticsError(`the Analytics Engine SQL API did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new AnalyticsError(`the Analytics Engine SQL API answered ${res.status}: ${text.slice(0, 300)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AnalyticsError("the Analytics Engine SQL API answered something that is not JSON");
  }
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new AnalyticsError("the Analytics Engine SQL API answer has no data array");
  return { data: data as Record<string, unknown>[] };
}

/** The API returns 64-bit numbers as strings: read either. */
function num(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}

function countsOf(row: Record<string, unknown>): CountsDelta {
  const n = num(row.attempts);
  const outcome = String(row.outcome ?? "");
  const cls = String(row.error_class ?? "");
  const status = String(row.status ?? "");
  const out: CountsDelta = { attempts: n, retries: num(row.retries), revenue: num(row.revenue) };
  if (outcome === "accepted") out.att_accepted = n;
  else if (outcome === "rejected") out.att_rejected = n;
  else if (outcome === "pending") out.att_pending = n;
  else {
    out.att_failed = n;
    const col = { transient: "err_transient", ambiguous: "err_ambiguous", client: "err_client", server: "err_server", config: "err_config" }[cls] as
      | keyof Counts
      | undefined;
    if (col) out[col] = n;
    if (status === "401" || status === "403") out.auth_failures = n;
    if (status === "410") out.gone = n;
  }
  return out;
}

function figures(c: Counts, latency: { p50: number | null; p95: number | null; p99: number | null }) {
  return {
    attempts: c.attempts,
    accepted: c.att_accepted,
    rejected: c.att_rejected,
    failed: c.att_failed,
    pending: c.att_pending,
    retries: c.retries,
    /** Per attempt here: accepted over attempts that got an answer (pending excluded). Callbacks are not in the dataset. */
    successRate: rate(c.att_accepted, c.att_accepted + c.att_rejected + c.att_failed),
    errorRate: rate(c.att_failed, c.attempts),
    latencyMs: latency,
    errorsByClass: errorsByClass(c),
    revenue: Math.round(c.revenue * 100) / 100,
  };
}

const quant = (v: unknown) => (v === null || v === undefined || v === "" ? null : Math.round(num(v)));

/**
 * The attempt figures of a window from Analytics Engine, overall and per buyer. Lead outcomes,
 * callbacks, refusals, returns and conversions are not in the dataset: those stay in D1.
 */
export async function analyticsMetrics(cfg: AnalyticsConfig, r: WindowRange, fetchImpl: typeof fetch = fetch) {
  const q = analyticsQueries(cfg.dataset, r);
  const [outcomes, latency, overall] = await Promise.all([
    query(cfg, q.outcomes, fetchImpl),
    query(cfg, q.latency, fetchImpl),
    query(cfg, q.latencyAll, fetchImpl),
  ]);
  const total = emptyCounts();
  const byBuyer = new Map<string, Counts>();
  for (const row of outcomes.data) {
    const delta = countsOf(row);
    addCounts(total, delta);
    const id = String(row.buyer_id ?? "");
    let c = byBuyer.get(id);
    if (!c) byBuyer.set(id, (c = emptyCounts()));
    addCounts(c, delta);
  }
  const lat = new Map(latency.data.map((row) => [String(row.buyer_id ?? ""), { p50: quant(row.p50), p95: quant(row.p95), p99: quant(row.p99) }]));
  const o = overall.data[0] ?? {};
  return {
    source: "analytics" as const,
    window: { name: r.name, from: new Date(r.fromMs).toISOString(), to: new Date(r.toMs).toISOString() },
    ...figures(total, { p50: quant(o.p50), p95: quant(o.p95), p99: quant(o.p99) }),
    buyers: [...byBuyer.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([buyerId, c]) => ({ buyerId, ...figures(c, lat.get(buyerId) ?? { p50: null, p95: null, p99: null }) })),
    notInAnalytics: ["leads", "deliveries settled by callback", "refusals", "returns", "conversions", "sources"],
    sql: [q.outcomes, q.latency, q.latencyAll],
  };
}
