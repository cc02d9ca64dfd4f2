import { env } from "cloudflare:workers";
import type { Clock } from "../../../src/core/clock";
import type { DeliveryJob } from "../../../src/delivery/jobs";
import { acceptLead } from "../../../src/intake/accept";
import type { BuyerConfigInput } from "../../../src/integration/config";
import { leadD1 } from "./shards";
import { newSource, recordingQueue, sampleLead } from "./sources";

/** A settable clock: tests move time instead of sleeping. */
export function testClock(start = Date.now()): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

/**
 * An env whose buyers are the given configs and whose deliveries queue records instead of
 * delivering, so a test drives every queue step itself (no background consumer, no sleeping).
 */
export function harness(buyers: BuyerConfigInput[]) {
  const queue = recordingQueue();
  const testEnv = { ...env, BUYER_CONFIGS: JSON.stringify(buyers), DELIVERIES: queue } as unknown as Env;
  return { env: testEnv, queue };
}

/** Stores a lead for a fresh source (nothing enqueued to the real queue) and returns its id. */
export async function storeLead(testEnv: Env, clock: Clock, over: Record<string, unknown> = {}, source?: { id: string; name: string }) {
  const src = source ?? (await newSource());
  const r = await acceptLead(testEnv, clock, { id: src.id, name: src.name, excludedBuyers: [] }, sampleLead(over, clock.now()), { mode: "async" });
  // Intake's own enqueue is not what the tests look at: they drive that first job themselves.
  const q = testEnv.DELIVERIES as unknown as { sent?: unknown[] };
  if (Array.isArray(q.sent)) q.sent.length = 0;
  return r.lead.id;
}

/** Stores a `?mode=sync` lead as intake does: already leased by the request, which routes it next (`runSyncDelivery(env, clock, id, leased)`). */
export async function storeSyncLead(testEnv: Env, clock: Clock, over: Record<string, unknown> = {}, source?: { id: string; name: string }) {
  const src = source ?? (await newSource());
  const r = await acceptLead(testEnv, clock, { id: src.id, name: src.name, excludedBuyers: [] }, sampleLead(over, clock.now()), { mode: "sync" });
  if (!r.leased) throw new Error("a new sync lead comes back leased");
  return { id: r.lead.id, leased: r.leased };
}

export interface MockRequest {
  buyerId: string;
  behavior: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** What the mock buyer received for a buyer id. */
export async function mockRequests(buyerId: string): Promise<MockRequest[]> {
  const res = await fetch(`${env.MOCK_BUYER_ORIGIN}/_control/requests?buyer=${encodeURIComponent(buyerId)}`);
  const body = (await res.json()) as MockRequest[] | { requests: MockRequest[] };
  return Array.isArray(body) ? body : body.requests;
}

export function deliverJobs(sent: { body: unknown; delaySeconds?: number }[]) {
  return sent.filter((m) => (m.body as DeliveryJob).kind === "deliver") as { body: Extract<DeliveryJob, { kind: "deliver" }>; delaySeconds?: number }[];
}

export async function leadRow(id: string) {
  return leadD1(id).prepare("SELECT * FROM leads WHERE id = ?").bind(id).first<Record<string, unknown>>();
}
