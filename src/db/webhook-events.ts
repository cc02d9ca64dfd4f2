import { and, asc, eq, isNull, lt, or } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, mainDb, type Stmt, schema } from "./client";

const W = schema.webhookEvents;

export interface NewWebhookEvent {
  id: string;
  buyerId: string;
  eventId: string;
  type: string | null;
  payload: string;
  /** `received` to process; `ignored` for a type the buyer's rules do not map. */
  status: "received" | "ignored";
  error: string | null;
  nowMs: number;
}

/**
 * Stores a verified callback; the unique (buyer, event id) decides, so one of N identical
 * deliveries inserts. These rows are also the replay guard of the schemes without a signed
 * timestamp (GitHub-style, plain header): a purge of old rows must keep their (buyer, event id).
 */
export async function insertWebhookEvent(env: DbEnv, e: NewWebhookEvent): Promise<boolean> {
  const at = isoAt(e.nowMs);
  const res = await mainDb(env)
    .insert(W)
    .values({
      id: e.id,
      buyerId: e.buyerId,
      eventId: e.eventId,
      type: e.type,
      payload: e.payload,
      status: e.status,
      error: e.error,
      receivedAt: at,
      processedAt: e.status === "ignored" ? at : null,
    })
    .onConflictDoNothing({ target: [W.buyerId, W.eventId] })
    .returning({ id: W.id });
  return res.length > 0;
}

/** The enqueue failed: flag the row for the buyer's retry or the sweep. */
export async function flagEnqueueFailed(env: DbEnv, id: string): Promise<void> {
  await mainDb(env)
    .update(W)
    .set({ error: "enqueue_failed" })
    .where(and(eq(W.id, id), eq(W.status, "received")));
}

/** A repeat of an event whose first enqueue failed takes the flagged row back (one repeat wins). */
export async function reclaimEnqueueFailed(env: DbEnv, buyerId: string, eventId: string) {
  const rows = await mainDb(env)
    .update(W)
    .set({ error: null })
    .where(and(eq(W.buyerId, buyerId), eq(W.eventId, eventId), eq(W.status, "received"), eq(W.error, "enqueue_failed")))
    .returning({ id: W.id, payload: W.payload, receivedAt: W.receivedAt });
  return rows[0];
}

/**
 * Stored events that never reached the queue: flagged `enqueue_failed` before `flaggedBeforeMs`
 * (the buyer did not retry), or still unflagged `received` before `silentBeforeMs` (the
 * isolate died between insert and send).
 */
export async function unqueuedEvents(env: DbEnv, q: { flaggedBeforeMs: number; silentBeforeMs: number; limit: number }) {
  return unqueuedEventsQuery(mainDb(env), q);
}

/** The webhook sweep's query (exported so its plan can be checked). */
export function unqueuedEventsQuery(d: Db, q: { flaggedBeforeMs: number; silentBeforeMs: number; limit: number }) {
  return d
    .select({ id: W.id, buyerId: W.buyerId, eventId: W.eventId, payload: W.payload, receivedAt: W.receivedAt })
    .from(W)
    .where(
      and(
        eq(W.status, "received"),
        or(and(eq(W.error, "enqueue_failed"), lt(W.receivedAt, isoAt(q.flaggedBeforeMs))), and(isNull(W.error), lt(W.receivedAt, isoAt(q.silentBeforeMs)))),
      ),
    )
    .orderBy(asc(W.receivedAt))
    .limit(q.limit);
}

/** The sweep re-enqueued it: out of both sweep rules, so it is not resent every minute. */
export async function markRequeued(env: DbEnv, id: string): Promise<void> {
  await mainDb(env)
    .update(W)
    .set({ error: "requeued" })
    .where(and(eq(W.id, id), eq(W.status, "received")));
}

/** What processing came to. */
export async function markEventOutcome(env: DbEnv, id: string, status: "processed" | "ignored" | "failed", why: string | null, nowMs: number): Promise<void> {
  await mainDb(env)
    .update(W)
    .set({ status, error: why === null ? null : why.slice(0, 500), processedAt: isoAt(nowMs) })
    .where(eq(W.id, id));
}

/** The event's message died on the dead-letter queue. */
export function eventDeadLettered(d: Db, id: string, nowMs: number): Stmt {
  return d
    .update(W)
    .set({ status: "failed", error: "dead-lettered", processedAt: isoAt(nowMs) })
    .where(and(eq(W.id, id), eq(W.status, "received")));
}

/** The stored status of one event. */
export async function webhookEventStatus(env: DbEnv, id: string): Promise<string | undefined> {
  const row = await mainDb(env).select({ status: W.status }).from(W).where(eq(W.id, id)).get();
  return row?.status;
}
