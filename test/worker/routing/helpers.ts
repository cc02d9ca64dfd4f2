import { env } from "cloudflare:workers";
import type { Clock } from "../../../src/core/clock";
import type { DistributionInput } from "../../../src/core/distribution";
import type { Leased } from "../../../src/delivery/run";
import { runSyncDelivery } from "../../../src/delivery/waterfall";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { storeSyncLead } from "../helpers/engine";
import { leadD1 } from "../helpers/shards";
import { recordingQueue } from "../helpers/sources";

/**
 * An env whose buyers are these, whose verticals route by these methods, and whose deliveries
 * queue records instead of delivering (tests drive every queue step themselves).
 */
export function routingHarness(
  buyers: BuyerConfigInput[],
  verticals: Record<string, DistributionInput>,
  fallback: DistributionInput = { method: "waterfall" },
) {
  const queue = recordingQueue();
  const testEnv = {
    ...env,
    BUYER_CONFIGS: JSON.stringify(buyers),
    ROUTING_CONFIG: JSON.stringify({ default: fallback, verticals }),
    DELIVERIES: queue,
  } as unknown as Env;
  return { env: testEnv, queue };
}

/** The lead's timeline entries of one type, data parsed. */
export async function timelineOfType(leadId: string, type: string): Promise<{ buyer_id: string | null; data: Record<string, unknown> }[]> {
  const r = await leadD1(leadId)
    .prepare("SELECT buyer_id, data FROM lead_events WHERE lead_id = ? AND type = ? ORDER BY created_at, rowid")
    .bind(leadId, type)
    .all<{ buyer_id: string | null; data: string }>();
  return r.results.map((e) => ({ buyer_id: e.buyer_id, data: JSON.parse(e.data) as Record<string, unknown> }));
}

/** Runs `fn` over `items` with at most `limit` at once, in order of start. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How many times each value occurs. */
export function tally(values: readonly (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) if (v !== undefined) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Each sync lead's lease, as intake took it for the request (storeSync → routeSync). */
const leases = new Map<string, Leased>();

/** Stores a `?mode=sync` lead as intake does (leased by its request) and returns its id. */
export async function storeSync(testEnv: Env, clock: Clock, over: Record<string, unknown> = {}, source?: { id: string; name: string }): Promise<string> {
  const { id, leased } = await storeSyncLead(testEnv, clock, over, source);
  leases.set(id, leased);
  return id;
}

/** Routes a lead stored by `storeSync` as its request would: under the lease intake took. */
export function routeSync(testEnv: Env, clock: Clock, id: string) {
  return runSyncDelivery(testEnv, clock, id, leases.get(id));
}
