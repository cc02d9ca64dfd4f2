import { eq, sql } from "drizzle-orm";
import { allDatabases, type Db, type DbEnv, dbOf, isoAt, mainDb, schema } from "./client";
import { compiled } from "./compiled";

const O = schema.buyerOverrides;

/**
 * The paused-buyers query, batchable into the waterfall's lease and settle round trips (which
 * run it on the lead's database: this small table is written to every database, see pauseBuyer).
 */
export function pausedQuery(d: Db) {
  return d.select({ buyerId: O.buyerId }).from(O).where(eq(O.status, "paused"));
}

/** `pausedQuery` compiled, for a batch (a cascading settle reads it). */
export const pausedInBatch = compiled((d: Db) => pausedQuery(d));

/**
 * The paused buyers' ids as a JSON array, a column of another read (a lease's, sync intake's),
 * so that read and this one are one statement. Read it with `pausedOf`.
 */
export function pausedIdsColumn() {
  return sql<string>`(SELECT json_group_array(${O.buyerId}) FROM ${O} WHERE ${O.status} = 'paused')`.as("paused");
}

/** The set a `pausedIdsColumn` holds. */
export function pausedOf(column: string | null | undefined): Set<string> {
  return new Set(column ? (JSON.parse(column) as string[]) : []);
}

/**
 * How long a ping trusts this isolate's copy of the paused buyers without asking D1 again
 * (wall time: an operational cache, not a business clock). A pause or resume takes effect at
 * once in the isolate that made it (pauseBuyer / resumeBuyer clear the copy) and within this
 * time everywhere else; deliveries read the paused buyers in their own round trips, uncached.
 */
export const PAUSED_CACHE_MS = 1_000;
const pausedCopy = new WeakMap<D1Database, { ids: Set<string>; until: number }>();

/**
 * Buyers an operator (or a 410 Gone) paused, on top of buyers/*.json — for the ping, which
 * has no other D1 round trip before its auction to carry this read (see PAUSED_CACHE_MS).
 */
export async function pausedBuyerIds(env: DbEnv): Promise<Set<string>> {
  const hit = pausedCopy.get(env.DB);
  const now = Date.now();
  if (hit && hit.until > now) return new Set(hit.ids);
  const ids = new Set((await pausedQuery(mainDb(env))).map((r) => r.buyerId));
  pausedCopy.set(env.DB, { ids, until: now + PAUSED_CACHE_MS });
  notePausedRead(env, ids);
  return new Set(ids);
}

const lastRead = new WeakMap<D1Database, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/**
 * The paused buyers as this isolate last read them, at any age (empty before the first read):
 * a guess for a sync lead's first pick, made before its batch. The batch reads the paused
 * buyers afresh and the pick is checked against that read before anything is sent, so a stale
 * guess costs a round trip, never a lead sent to a paused buyer.
 */
export function pausedGuess(env: DbEnv): ReadonlySet<string> {
  return lastRead.get(env.DB) ?? NONE;
}

/** Notes a read of the paused buyers (any database's copy: pauseBuyer writes them all) for `pausedGuess`. */
export function notePausedRead(env: DbEnv, ids: ReadonlySet<string>): void {
  lastRead.set(env.DB, ids);
}

/** Every override by buyer id. */
export async function buyerOverrides(env: DbEnv): Promise<Map<string, { status: string; reason: string | null }>> {
  const rows = await mainDb(env).select().from(O);
  return new Map(rows.map((r) => [r.buyerId, { status: r.status, reason: r.reason }]));
}

/** Pauses a buyer until an operator resumes it: in every database, since each lead shard's routing reads its own copy. */
export async function pauseBuyer(env: DbEnv, buyerId: string, reason: string, nowMs: number): Promise<void> {
  pausedCopy.delete(env.DB);
  const at = isoAt(nowMs);
  await Promise.all(
    allDatabases(env).map((d1) =>
      dbOf(d1)
        .insert(O)
        .values({ buyerId, status: "paused", reason, updatedAt: at })
        .onConflictDoUpdate({ target: O.buyerId, set: { status: "paused", reason, updatedAt: at } }),
    ),
  );
  pausedCopy.delete(env.DB);
}

/** Lifts an operator pause, in every database. */
export async function resumeBuyer(env: DbEnv, buyerId: string): Promise<void> {
  pausedCopy.delete(env.DB);
  await Promise.all(allDatabases(env).map((d1) => dbOf(d1).delete(O).where(eq(O.buyerId, buyerId))));
  pausedCopy.delete(env.DB);
}
