import { describe, expect, it } from "vitest";
import { metricsFromRollups, percentile, type RollupRow, windowRange } from "../../../src/observability/metrics";
import {
  addCounts,
  attemptCounts,
  type Counts,
  type CountsDelta,
  emptyCounts,
  histogramOf,
  histogramPercentile,
  LATENCY_BOUNDS_MS,
  latencyBucket,
  successRate,
} from "../../../src/observability/rollup";

const counts = (...deltas: CountsDelta[]): Counts => deltas.reduce<Counts>((c, d) => addCounts(c, d), emptyCounts());

describe("latency histogram", () => {
  it("puts each latency in the first bucket whose bound holds it", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(25)).toBe(0);
    expect(latencyBucket(26)).toBe(1);
    expect(latencyBucket(30_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(latencyBucket(30_001)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it("reads percentiles as the bound of the bucket holding the exact nearest-rank value, never above the maximum", () => {
    const latencies = [12, 40, 41, 90, 180, 260, 480, 700, 950, 1400, 2600, 4100];
    const c = counts(...latencies.map((ms) => attemptCounts({ outcome: "accepted", elapsedMs: ms, attempt: 1 })));
    for (const p of [50, 95, 99]) {
      const exact = percentile(latencies, p) ?? 0;
      const got = histogramPercentile(histogramOf(c), c.latency_max, p) ?? 0;
      const i = latencyBucket(exact);
      expect(got).toBe(Math.min(LATENCY_BOUNDS_MS[i] ?? c.latency_max, c.latency_max));
      expect(got).toBeGreaterThanOrEqual(exact);
    }
    expect(histogramPercentile(histogramOf(emptyCounts()), 0, 95)).toBeNull();
    // Past the last bound the slowest attempt seen is the answer.
    const slow = counts(attemptCounts({ outcome: "failed", errorClass: "ambiguous", elapsedMs: 41_000, attempt: 1 }));
    expect(histogramPercentile(histogramOf(slow), slow.latency_max, 99)).toBe(41_000);
  });
});

describe("counting attempts", () => {
  it("counts the outcome, the error class, config faults, retries and the latency bucket", () => {
    expect(attemptCounts({ outcome: "failed", errorClass: "client", statusCode: 401, elapsedMs: 60, attempt: 2 })).toEqual({
      attempts: 1,
      att_failed: 1,
      err_client: 1,
      auth_failures: 1,
      retries: 1,
      latency_sum: 60,
      latency_max: 60,
      lat_2: 1,
    });
    expect(attemptCounts({ outcome: "failed", errorClass: "client", statusCode: 410, elapsedMs: 5, attempt: 1 })).toMatchObject({ gone: 1, err_client: 1 });
    expect(attemptCounts({ outcome: "rejected", errorClass: "rejected", elapsedMs: 5, attempt: 1 })).not.toHaveProperty("err_client");
  });

  it("delivery success counts deliveries that ended accepted; one awaiting its callback is neither", () => {
    // An async buyer: 13 acknowledgements, all accepted later by callback.
    const acks = counts(...Array.from({ length: 13 }, () => attemptCounts({ outcome: "pending", elapsedMs: 80, attempt: 1 })));
    expect(successRate(acks)).toBeNull();
    addCounts(acks, { dlv_accepted: 13 });
    expect(successRate(acks)).toBe(1);
    expect(successRate(counts({ dlv_accepted: 3, dlv_rejected: 1, dlv_failed: 1 }))).toBe(0.6);
  });
});

describe("windows", () => {
  it("align to bucket boundaries: 1h is 60 minutes with the current one, 24h is 24 hours", () => {
    const now = Date.UTC(2030, 0, 1, 10, 17, 30);
    const h = windowRange("1h", now);
    expect(h.grain).toBe("m");
    expect(h.buckets).toHaveLength(60);
    expect(new Date(h.fromMs).toISOString()).toBe("2030-01-01T09:18:00.000Z");
    expect(new Date(h.toMs).toISOString()).toBe("2030-01-01T10:18:00.000Z");
    const d = windowRange("24h", now);
    expect(d.grain).toBe("h");
    expect(d.buckets).toHaveLength(24);
    expect(new Date(d.fromMs).toISOString()).toBe("2029-12-31T11:00:00.000Z");
    expect(windowRange("30d", now).buckets).toHaveLength(720);
  });

  it("folds rows into overall, per buyer, per source figures and a dense series", () => {
    const now = Date.UTC(2030, 0, 1, 10, 5);
    const range = windowRange("1h", now);
    const b = new Date(Date.UTC(2030, 0, 1, 10, 1)).toISOString();
    const sale = counts(attemptCounts({ outcome: "accepted", elapsedMs: 120, attempt: 1 }), { dlv_accepted: 1, sold: 1, revenue: 42, leads: 1 });
    const rows: RollupRow[] = [
      { bucket: b, dim: "all", key: "", counts: sale },
      { bucket: b, dim: "buyer", key: "acme", counts: sale },
      { bucket: b, dim: "source", key: "src_1", counts: sale },
      { bucket: b, dim: "source", key: "src_1", counts: counts({ refused: 3 }) },
    ];
    const m = metricsFromRollups(rows, range, [{ id: "src_1", name: "One", qualityScore: 90 }], { rowsRead: 4 });
    expect(m).toMatchObject({ attempts: 1, successRate: 1, revenue: { sold: 42 }, leads: { total: 1, sold: 1, sellThrough: 1 } });
    expect(m.buyers).toEqual([expect.objectContaining({ buyerId: "acme", revenue: 42, attempts: 1 })]);
    expect(m.sources).toEqual([expect.objectContaining({ sourceId: "src_1", name: "One", leads: 1, refused: 3, refusalRate: 0.75 })]);
    expect(m.series).toHaveLength(60);
    expect(m.series.filter((p) => p.leads > 0)).toEqual([expect.objectContaining({ bucket: b, revenue: 42, successRate: 1 })]);
  });
});
