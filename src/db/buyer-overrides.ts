import { eq } from "drizzle-orm";
import { allDatabases, type Db, type DbEnv, dbOf, isoAt, mainDb, schema } from "./client";

const O = schema.buyerOverrides;

/**
 * The paused-buyers query, batchable into the waterfall's lease and settle round trips (which
 * run it on the lead's database: this small table is written to every database, see pauseBuyer).
 */
export function pausedQuery(d: Db) {
  return d.select({ buyerId: O.buyerId }).from(O).where(eq(O.status, "paused"));
}

/** Buyers an operator (or a 410 Gone) paused, on top of buyers/*.json. */
export async function pausedBuyerIds(env: DbEnv): Promise<Set<string>> {
  return new Set((await pausedQuery(mainDb(env))).map((r) => r.buyerId));
}

/** Every override by buyer id. */
export async function buyerOverrides(env: DbEnv): Promise<Map<string, { status: string; reason: string | null }>> {
  const rows = await mainDb(env).select().from(O);
  return new Map(rows.map((r) => [r.buyerId, { status: r.status, reason: r.reason }]));
}

/** Pauses a buyer until an operator resumes it: in every database, since each lead shard's routing reads its own copy. */
export async function pauseBuyer(env: DbEnv, buyerId: string, reason: string, nowMs: number): Promise<void> {
  const at = isoAt(nowMs);
  await Promise.all(
    allDatabases(env).map((d1) =>
      dbOf(d1)
        .insert(O)
        .values({ buyerId, status: "paused", reason, updatedAt: at })
        .onConflictDoUpdate({ target: O.buyerId, set: { status: "paused", reason, updatedAt: at } }),
    ),
  );
}

/** Lifts an operator pause, in every database. */
export async function resumeBuyer(env: DbEnv, buyerId: string): Promise<void> {
  await Promise.all(allDatabases(env).map((d1) => dbOf(d1).delete(O).where(eq(O.buyerId, buyerId))));
}
