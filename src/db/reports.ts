import { type Metrics, metricsFromRollups, type WindowName, type WindowRange, windowRange } from "../observability/metrics";
import type { DbEnv } from "./client";
import { type RollupRead, readRollups } from "./rollups";
import { listSources } from "./sources";

/** The rollup rows of a window (the only rows any metric or dashboard reads). */
export async function windowRollups(env: DbEnv, range: WindowRange): Promise<RollupRead> {
  return readRollups(env, range.grain, range.fromMs, range.toMs);
}

/**
 * `/v1/metrics` for a window, from the rollups alone: delivery success (deliveries that ended
 * accepted over deliveries that ended), latency percentiles from the histogram, errors by
 * class, retries, revenue, lead outcomes, refusals — overall, per buyer, per source, per
 * vertical, with the window's series. `meta.rowsRead` is what D1 read to answer.
 */
export async function computeMetrics(env: DbEnv, window: WindowName, nowMs: number): Promise<Metrics> {
  const range = windowRange(window, nowMs);
  const [read, sources] = await Promise.all([windowRollups(env, range), listSources(env)]);
  return metricsFromRollups(
    read.rows,
    range,
    sources.map((s) => ({ id: s.id, name: s.name, qualityScore: s.qualityScore })),
    { rowsRead: read.rowsRead },
  );
}
