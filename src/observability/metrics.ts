/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

export interface BuyerMetrics {
  buyerId: string;
  attempts: number;
  accepted: number;
  rejected: number;
  failed: number;
  pending: number;
  retries: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  errorsByClass: Record<string, number>;
  revenue: number;
  /** Closed loop: the buyer's reported conversions and returns of leads it bought. */
  conversions: number;
  conversionRevenue: number;
  returns: number;
  credited: number;
}

export interface Metrics {
  window: { from: string; to: string };
  leads: { byStatus: Record<string, number>; total: number };
  attempts: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  errorsByClass: Record<string, number>;
  retries: number;
  revenue: { sold: number; credited: number; net: number; conversions: number; conversionRevenue: number };
  buyers: BuyerMetrics[];
  sources: { sourceId: string; name: string; leads: number; sold: number; revenue: number; returns: number; conversions: number; qualityScore: number }[];
}

/** "24h", "7d", "90m" → milliseconds; undefined when malformed. */
export function parseWindow(s: string | undefined): number | undefined {
  if (s === undefined) return 24 * 3_600_000;
  const m = /^(\d{1,4})(m|h|d)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] === "m" ? 60_000 : m[2] === "h" ? 3_600_000 : 86_400_000;
  return n * unit > 0 && n * unit <= 90 * 86_400_000 ? n * unit : undefined;
}
