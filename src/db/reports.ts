import type { Metrics } from "../observability/metrics";
import { percentile } from "../observability/metrics";
import type { DbEnv } from "./client";

interface AttemptRow {
  buyer_id: string;
  outcome: string;
  error_class: string | null;
  elapsed_ms: number;
  attempt: number;
  price: number | null;
}

const MAX_ROWS = 50_000;

/**
 * Delivery metrics over a window, from the D1 attempt history: success rate (accepted over
 * attempts that reached a decision), latency percentiles, errors by class, retries, revenue —
 * overall and per buyer — and per-source attribution (sales, returns, conversions).
 */
export async function computeMetrics(env: DbEnv, fromMs: number, toMs: number): Promise<Metrics> {
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const [attempts, statuses, revenue, credits, conv, sources, perBuyerLoop] = await env.DB.batch([
    env.DB.prepare(
      `SELECT buyer_id, outcome, error_class, elapsed_ms, attempt, price FROM delivery_attempts WHERE created_at >= ? AND created_at < ? ORDER BY created_at DESC LIMIT ${MAX_ROWS}`,
    ).bind(from, to),
    env.DB.prepare(`SELECT status, COUNT(*) AS n FROM leads WHERE created_at >= ? AND created_at < ? GROUP BY status`).bind(from, to),
    env.DB.prepare(
      `SELECT sold_buyer_id AS buyer_id, COALESCE(SUM(sold_price),0) AS revenue FROM leads WHERE status = 'sold' AND test = 0 AND finalized_at >= ? AND finalized_at < ? GROUP BY sold_buyer_id`,
    ).bind(from, to),
    env.DB.prepare(`SELECT COALESCE(SUM(credit),0) AS credited FROM returns WHERE created_at >= ? AND created_at < ?`).bind(from, to),
    env.DB.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(revenue),0) AS revenue FROM conversions WHERE created_at >= ? AND created_at < ?`).bind(from, to),
    env.DB.prepare(
      `SELECT s.id AS source_id, s.name, s.quality_score,
         (SELECT COUNT(*) FROM leads l WHERE l.source_id = s.id AND l.created_at >= ?1 AND l.created_at < ?2) AS leads,
         (SELECT COUNT(*) FROM leads l WHERE l.source_id = s.id AND l.status = 'sold' AND l.created_at >= ?1 AND l.created_at < ?2) AS sold,
         (SELECT COALESCE(SUM(sold_price),0) FROM leads l WHERE l.source_id = s.id AND l.status = 'sold' AND l.test = 0 AND l.created_at >= ?1 AND l.created_at < ?2) AS revenue,
         (SELECT COUNT(*) FROM returns r WHERE r.source_id = s.id AND r.created_at >= ?1 AND r.created_at < ?2) AS returns,
         (SELECT COUNT(*) FROM conversions v WHERE v.source_id = s.id AND v.created_at >= ?1 AND v.created_at < ?2) AS conversions
       FROM sources s ORDER BY s.created_at`,
    ).bind(from, to),
    env.DB.prepare(
      `SELECT buyer_id, SUM(conv) AS conversions, SUM(conv_rev) AS conversion_revenue, SUM(ret) AS returns, SUM(credit) AS credited FROM (
         SELECT buyer_id, 1 AS conv, revenue AS conv_rev, 0 AS ret, 0 AS credit FROM conversions WHERE created_at >= ?1 AND created_at < ?2
         UNION ALL
         SELECT buyer_id, 0, 0, 1, credit FROM returns WHERE created_at >= ?1 AND created_at < ?2
       ) GROUP BY buyer_id`,
    ).bind(from, to),
  ]);
  const rows = (attempts?.results ?? []) as AttemptRow[];
  const byBuyer = new Map<string, AttemptRow[]>();
  for (const r of rows) {
    const list = byBuyer.get(r.buyer_id) ?? [];
    list.push(r);
    byBuyer.set(r.buyer_id, list);
  }
  const loopByBuyer = new Map(
    ((perBuyerLoop?.results ?? []) as { buyer_id: string; conversions: number; conversion_revenue: number; returns: number; credited: number }[]).map((r) => [
      r.buyer_id,
      r,
    ]),
  );
  const revenueByBuyer = new Map(((revenue?.results ?? []) as { buyer_id: string; revenue: number }[]).map((r) => [r.buyer_id, r.revenue]));

  const summarize = (list: AttemptRow[]) => {
    const lat = list.map((r) => r.elapsed_ms).sort((a, b) => a - b);
    const errorsByClass: Record<string, number> = {};
    let accepted = 0;
    let rejected = 0;
    let failed = 0;
    let pending = 0;
    let retries = 0;
    for (const r of list) {
      if (r.outcome === "accepted") accepted++;
      else if (r.outcome === "rejected") rejected++;
      else if (r.outcome === "pending") pending++;
      else failed++;
      if (r.error_class && r.outcome !== "rejected") errorsByClass[r.error_class] = (errorsByClass[r.error_class] ?? 0) + 1;
      if (r.attempt > 1) retries++;
    }
    const decided = list.length;
    return {
      attempts: list.length,
      accepted,
      rejected,
      failed,
      pending,
      retries,
      successRate: decided === 0 ? null : Math.round((accepted / decided) * 10_000) / 10_000,
      latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) },
      errorsByClass,
    };
  };

  const all = summarize(rows);
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const r of (statuses?.results ?? []) as { status: string; n: number }[]) {
    byStatus[r.status] = r.n;
    total += r.n;
  }
  const sold = [...revenueByBuyer.values()].reduce((a, b) => a + b, 0);
  const credited = ((credits?.results ?? [])[0] as { credited: number } | undefined)?.credited ?? 0;
  const convRow = ((conv?.results ?? [])[0] as { n: number; revenue: number } | undefined) ?? { n: 0, revenue: 0 };
  return {
    window: { from, to },
    leads: { byStatus, total },
    attempts: all.attempts,
    successRate: all.successRate,
    latencyMs: all.latencyMs,
    errorsByClass: all.errorsByClass,
    retries: all.retries,
    revenue: { sold, credited, net: sold - credited, conversions: convRow.n, conversionRevenue: convRow.revenue },
    buyers: [...new Set([...byBuyer.keys(), ...loopByBuyer.keys()])].map((buyerId) => {
      const loop = loopByBuyer.get(buyerId);
      return {
        buyerId,
        ...summarize(byBuyer.get(buyerId) ?? []),
        revenue: revenueByBuyer.get(buyerId) ?? 0,
        conversions: loop?.conversions ?? 0,
        conversionRevenue: loop?.conversion_revenue ?? 0,
        returns: loop?.returns ?? 0,
        credited: loop?.credited ?? 0,
      };
    }),
    sources: (
      (sources?.results ?? []) as {
        source_id: string;
        name: string;
        quality_score: number;
        leads: number;
        sold: number;
        revenue: number;
        returns: number;
        conversions: number;
      }[]
    ).map((s) => ({
      sourceId: s.source_id,
      name: s.name,
      leads: s.leads,
      sold: s.sold,
      revenue: s.revenue,
      returns: s.returns,
      conversions: s.conversions,
      qualityScore: s.quality_score,
    })),
  };
}
