/**
 * The rollup model, pure: every figure an operator sees is a sum of counters kept per minute
 * and per hour, per buyer, per source and per vertical. An event (an attempt, a sale, a
 * refusal, a return …) adds its counts to those buckets as it happens, so a dashboard reads a
 * bounded number of rows whatever the volume. Latency is a fixed-bucket histogram kept in the
 * same rows, so percentiles come from counts, never from sorting attempts.
 */

/** Upper bounds (ms, inclusive) of the latency histogram's buckets; one more bucket holds anything slower. */
export const LATENCY_BOUNDS_MS = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 30_000] as const;

/** Histogram columns: `lat_0` … `lat_16` (the last one is "over 30 s"). */
export const LATENCY_COLUMNS = [
  "lat_0",
  "lat_1",
  "lat_2",
  "lat_3",
  "lat_4",
  "lat_5",
  "lat_6",
  "lat_7",
  "lat_8",
  "lat_9",
  "lat_10",
  "lat_11",
  "lat_12",
  "lat_13",
  "lat_14",
  "lat_15",
  "lat_16",
] as const;

/**
 * Every counter a rollup row holds, in column order. Summed on write (`latency_max` keeps the
 * maximum instead). Lead facts (received, sold …) are counted when they happen: a lead sold at
 * 10:05 counts in 10:05's bucket whenever it arrived.
 */
export const COUNTERS = [
  /** Leads accepted at intake (test leads included) and of those the test leads. */
  "leads",
  "test_leads",
  /** Posts refused at intake with a 4xx (invalid field, malformed JSON, too large, wrong type). */
  "refused",
  /** Lead outcomes: sold (also by callback), unsold, expired. */
  "sold",
  "unsold",
  "expired",
  /** Sale prices of non-test leads. */
  "revenue",
  /** Closed loop: returns (and the credit given back), conversions (and their reported revenue). */
  "returns",
  "credited",
  "conversions",
  "conversion_revenue",
  /** Ping/post (a later issue fills these through `pingCounts`). */
  "pings",
  "bids",
  "bid_value",
  /** Attempts that reached a buyer (or failed to), by what each came to. */
  "attempts",
  "att_accepted",
  "att_rejected",
  "att_failed",
  "att_pending",
  "retries",
  /** Failed attempts by error class. */
  "err_transient",
  "err_ambiguous",
  "err_client",
  "err_server",
  "err_config",
  /** 401/403 answers and 410 Gone: config faults worth a person's attention. */
  "auth_failures",
  "gone",
  /** Deliveries (lead × buyer) that ended: accepted (at once or by callback), rejected, failed. */
  "dlv_accepted",
  "dlv_rejected",
  "dlv_failed",
  /** Acknowledged deliveries whose buyer never called back in time. */
  "ack_expired",
  "dead_letters",
  "latency_sum",
  "latency_max",
  ...LATENCY_COLUMNS,
] as const;

export type Counter = (typeof COUNTERS)[number];
/** A row's counters (every one present). */
export type Counts = Record<Counter, number>;
/** What one event adds (missing counters add nothing). */
export type CountsDelta = Partial<Counts>;

/** The rollup grains: per minute (recent windows, alert rules) and per hour (long windows). */
export type Grain = "m" | "h";
export type Dim = "all" | "buyer" | "source" | "vertical";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Start of the bucket holding `ms`. */
export function bucketStart(grain: Grain, ms: number): number {
  const size = grain === "m" ? MINUTE_MS : HOUR_MS;
  return Math.floor(ms / size) * size;
}

/** All-zero counters. */
export function emptyCounts(): Counts {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts;
}

/** Adds `b` into `a` (in place) and returns `a`; `latency_max` keeps the larger. */
export function addCounts(a: Counts, b: CountsDelta): Counts {
  for (const c of COUNTERS) {
    const v = b[c];
    if (v === undefined) continue;
    if (c === "latency_max") a.latency_max = Math.max(a.latency_max, v);
    else a[c] += v;
  }
  return a;
}

/** Index of the histogram bucket for a latency. */
export function latencyBucket(ms: number): number {
  const v = Math.max(0, Math.round(ms));
  const i = LATENCY_BOUNDS_MS.findIndex((b) => v <= b);
  return i < 0 ? LATENCY_BOUNDS_MS.length : i;
}

/**
 * The p-th percentile (nearest rank) read from the histogram: the upper bound of the bucket
 * holding that rank, never above the slowest attempt seen (`max`). An answer of 300 means
 * "p95 is at most 300 ms and above the previous bound (200 ms)".
 */
export function histogramPercentile(hist: readonly number[], max: number, p: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] ?? 0;
    if (seen >= rank) {
      const bound = LATENCY_BOUNDS_MS[i];
      return bound === undefined ? max : Math.min(bound, max);
    }
  }
  return max;
}

/** The histogram of a row, in bucket order. */
export function histogramOf(c: Counts): number[] {
  return LATENCY_COLUMNS.map((k) => c[k]);
}

/** What an attempt is made of, for counting (a structural subset of the gate's AttemptResult). */
export interface AttemptFacts {
  outcome: "accepted" | "rejected" | "pending" | "failed" | "deferred";
  errorClass?: string | undefined;
  statusCode?: number | undefined;
  elapsedMs: number;
  /** 1-based attempt number of the delivery. */
  attempt: number;
}

const ERROR_COUNTER: Record<string, Counter> = {
  transient: "err_transient",
  ambiguous: "err_ambiguous",
  client: "err_client",
  server: "err_server",
  config: "err_config",
};

/** The counts of one attempt: its outcome, error class, config-fault signs, retry and latency bucket. */
export function attemptCounts(a: AttemptFacts): CountsDelta {
  const ms = Math.max(0, Math.round(a.elapsedMs));
  const out: CountsDelta = { attempts: 1, latency_sum: ms, latency_max: ms };
  const col = LATENCY_COLUMNS[latencyBucket(ms)];
  if (col) out[col] = 1;
  if (a.outcome === "accepted") out.att_accepted = 1;
  else if (a.outcome === "rejected") out.att_rejected = 1;
  else if (a.outcome === "pending") out.att_pending = 1;
  else out.att_failed = 1;
  if (a.attempt > 1) out.retries = 1;
  if (a.outcome === "failed") {
    const e = ERROR_COUNTER[a.errorClass ?? "server"];
    if (e) out[e] = 1;
    if (a.statusCode === 401 || a.statusCode === 403) out.auth_failures = 1;
    if (a.statusCode === 410) out.gone = 1;
  }
  return out;
}

/** The hook ping/post uses: a ping, and when a buyer bid, its bid. */
export function pingCounts(bid?: number): CountsDelta {
  return bid === undefined ? { pings: 1 } : { pings: 1, bids: 1, bid_value: bid };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Share `num / den`, null when nothing was counted. */
export function rate(num: number, den: number): number | null {
  return den > 0 ? round4(num / den) : null;
}

/**
 * Delivery success: deliveries that ended accepted over deliveries that ended. A delivery
 * waiting for the buyer's callback is in neither until the callback (or its timeout) settles
 * it; a delivery being retried has not ended yet.
 */
export function successRate(c: Counts): number | null {
  return rate(c.dlv_accepted, c.dlv_accepted + c.dlv_rejected + c.dlv_failed);
}

/** Failed attempts over attempts. */
export function errorRate(c: Counts): number | null {
  return rate(c.att_failed, c.attempts);
}

/** p50/p95/p99 from the row's histogram. */
export function latencyOf(c: Counts): { p50: number | null; p95: number | null; p99: number | null } {
  const h = histogramOf(c);
  return { p50: histogramPercentile(h, c.latency_max, 50), p95: histogramPercentile(h, c.latency_max, 95), p99: histogramPercentile(h, c.latency_max, 99) };
}

/** Failed attempts by error class (only classes seen). */
export function errorsByClass(c: Counts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cls, col] of Object.entries(ERROR_COUNTER)) if (c[col] > 0) out[cls] = c[col];
  return out;
}

/** The attempt figures of a set of counters, as `/v1/metrics` reports them per buyer and overall. */
export function attemptFigures(c: Counts) {
  return {
    attempts: c.attempts,
    accepted: c.att_accepted,
    rejected: c.att_rejected,
    failed: c.att_failed,
    pending: c.att_pending,
    retries: c.retries,
    successRate: successRate(c),
    errorRate: errorRate(c),
    latencyMs: latencyOf(c),
    errorsByClass: errorsByClass(c),
    deliveries: { accepted: c.dlv_accepted, rejected: c.dlv_rejected, failed: c.dlv_failed, ackExpired: c.ack_expired },
  };
}
