import {
  addCounts,
  attemptFigures,
  bucketStart,
  type Counts,
  type Dim,
  emptyCounts,
  type Grain,
  HOUR_MS,
  latencyOf,
  MINUTE_MS,
  rate,
  successRate,
} from "./rollup";

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/** The windows `/v1/metrics` and the dashboards offer, and the grain each reads. */
export const WINDOWS = {
  "1h": { buckets: 60, grain: "m" },
  "24h": { buckets: 24, grain: "h" },
  "7d": { buckets: 7 * 24, grain: "h" },
  "30d": { buckets: 30 * 24, grain: "h" },
} as const satisfies Record<string, { buckets: number; grain: Grain }>;

export type WindowName = keyof typeof WINDOWS;

export function isWindowName(s: string): s is WindowName {
  return Object.hasOwn(WINDOWS, s);
}

/** A window resolved against a clock: the buckets it reads, oldest first (the newest is the current, partial one). */
export interface WindowRange {
  name: WindowName;
  grain: Grain;
  /** Bucket starts (ms), oldest first. */
  buckets: number[];
  fromMs: number;
  /** End of the newest bucket (exclusive). */
  toMs: number;
}

/**
 * The buckets of a window ending at `nowMs`: the current bucket and the ones before it, so
 * `1h` is the last 60 minutes including the current minute, `24h` the last 24 hours including
 * the current hour. Figures are aligned to bucket boundaries, never interpolated.
 */
export function windowRange(name: WindowName, nowMs: number): WindowRange {
  const w = WINDOWS[name];
  const size = w.grain === "m" ? MINUTE_MS : HOUR_MS;
  const last = bucketStart(w.grain, nowMs);
  const buckets: number[] = [];
  for (let i = w.buckets - 1; i >= 0; i--) buckets.push(last - i * size);
  return { name, grain: w.grain, buckets, fromMs: buckets[0] ?? last, toMs: last + size };
}

/** One rollup row as read back. */
export interface RollupRow {
  /** Bucket start, ISO 8601. */
  bucket: string;
  dim: Dim;
  key: string;
  counts: Counts;
}

/** Rollup rows folded by dimension key, and per bucket for the series. */
export interface Folded {
  total: Counts;
  byBuyer: Map<string, Counts>;
  bySource: Map<string, Counts>;
  byVertical: Map<string, Counts>;
  /** `dim|key` → bucket ISO → counts (series for charts and sparklines). */
  series: Map<string, Map<string, Counts>>;
}

/** Sums rollup rows per dimension and per bucket. */
export function foldRollups(rows: readonly RollupRow[]): Folded {
  const out: Folded = { total: emptyCounts(), byBuyer: new Map(), bySource: new Map(), byVertical: new Map(), series: new Map() };
  const into = (m: Map<string, Counts>, k: string, c: Counts) => {
    let cur = m.get(k);
    if (!cur) m.set(k, (cur = emptyCounts()));
    addCounts(cur, c);
  };
  for (const r of rows) {
    if (r.dim === "all") addCounts(out.total, r.counts);
    else if (r.dim === "buyer") into(out.byBuyer, r.key, r.counts);
    else if (r.dim === "source") into(out.bySource, r.key, r.counts);
    else into(out.byVertical, r.key, r.counts);
    let s = out.series.get(`${r.dim}|${r.key}`);
    if (!s) out.series.set(`${r.dim}|${r.key}`, (s = new Map()));
    into(s, r.bucket, r.counts);
  }
  return out;
}

/** A point of a series: one bucket's figures. */
export interface SeriesPoint {
  bucket: string;
  leads: number;
  sold: number;
  unsold: number;
  expired: number;
  refused: number;
  revenue: number;
  attempts: number;
  failed: number;
  successRate: number | null;
  p95: number | null;
}

/** Every bucket of the window for one dimension key, zeros where nothing happened. */
export function seriesOf(folded: Folded, dim: Dim, key: string, range: WindowRange): SeriesPoint[] {
  const s = folded.series.get(`${dim}|${key}`);
  return range.buckets.map((b) => {
    const iso = new Date(b).toISOString();
    const c = s?.get(iso) ?? emptyCounts();
    return {
      bucket: iso,
      leads: c.leads,
      sold: c.sold,
      unsold: c.unsold,
      expired: c.expired,
      refused: c.refused,
      revenue: round2(c.revenue),
      attempts: c.attempts,
      failed: c.att_failed,
      successRate: successRate(c),
      p95: latencyOf(c).p95,
    };
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface SourceInfo {
  id: string;
  name: string;
  qualityScore: number;
}

/** The lead and money figures of a set of counters. */
export function leadFigures(c: Counts) {
  const ended = c.sold + c.unsold + c.expired;
  return {
    total: c.leads,
    test: c.test_leads,
    refused: c.refused,
    sold: c.sold,
    unsold: c.unsold,
    expired: c.expired,
    byStatus: { sold: c.sold, unsold: c.unsold, expired: c.expired },
    /** Of the leads that ended in the window, the share sold. */
    sellThrough: rate(c.sold, ended),
    /** Refused posts over all posts (accepted + refused). */
    refusalRate: rate(c.refused, c.refused + c.leads),
  };
}

/** Revenue (non-test sales), return credits, net and margin (net over revenue), conversions. */
export function moneyFigures(c: Counts) {
  const sold = round2(c.revenue);
  const credited = round2(c.credited);
  const net = round2(sold - credited);
  return { sold, credited, net, margin: rate(net, sold), conversions: c.conversions, conversionRevenue: round2(c.conversion_revenue) };
}

/**
 * `/v1/metrics` from rollup rows: overall, per buyer, per source, per vertical, and the series
 * of the window. Pure: the same rows always give the same figures.
 */
export function metricsFromRollups(rows: readonly RollupRow[], range: WindowRange, sources: readonly SourceInfo[], meta: { rowsRead: number }) {
  const f = foldRollups(rows);
  const sourceName = new Map(sources.map((s) => [s.id, s]));
  const sourceIds = [...new Set([...sources.map((s) => s.id), ...f.bySource.keys()])];
  return {
    source: "d1" as const,
    window: {
      name: range.name,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      grain: range.grain,
      buckets: range.buckets.length,
    },
    leads: leadFigures(f.total),
    ...attemptFigures(f.total),
    revenue: moneyFigures(f.total),
    buyers: [...f.byBuyer.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([buyerId, c]) => ({
        buyerId,
        ...attemptFigures(c),
        sold: c.sold,
        revenue: round2(c.revenue),
        conversions: c.conversions,
        conversionRevenue: round2(c.conversion_revenue),
        returns: c.returns,
        credited: round2(c.credited),
      })),
    sources: sourceIds.map((id) => {
      const c = f.bySource.get(id) ?? emptyCounts();
      const info = sourceName.get(id);
      return {
        sourceId: id,
        name: info?.name ?? id,
        leads: c.leads,
        refused: c.refused,
        refusalRate: rate(c.refused, c.refused + c.leads),
        sold: c.sold,
        revenue: round2(c.revenue),
        returns: c.returns,
        credited: round2(c.credited),
        conversions: c.conversions,
        qualityScore: info?.qualityScore ?? null,
      };
    }),
    verticals: [...f.byVertical.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([vertical, c]) => ({
        vertical,
        leads: c.leads,
        sold: c.sold,
        unsold: c.unsold,
        expired: c.expired,
        revenue: round2(c.revenue),
        attempts: c.attempts,
      })),
    series: seriesOf(f, "all", "", range),
    meta: { rowsRead: meta.rowsRead, rollupRows: rows.length },
  };
}

export type Metrics = ReturnType<typeof metricsFromRollups>;
