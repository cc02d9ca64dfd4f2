import { eq } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, mainDb, schema } from "./client";

const O = schema.buyerOverrides;

/**
 * The paused-buyers query, batchable into the waterfall's lease and settle round trips (which
 * run it on the lead's database: one D1 today; a sharded layout keeps this small table in
 * every lead database or reads it apart).
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

/** Pauses a buyer until an operator resumes it. */
export async function pauseBuyer(env: DbEnv, buyerId: string, reason: string, nowMs: number): Promise<void> {
  const at = isoAt(nowMs);
  await mainDb(env)
    .insert(O)
    .values({ buyerId, status: "paused", reason, updatedAt: at })
    .onConflictDoUpdate({ target: O.buyerId, set: { status: "paused", reason, updatedAt: at } });
}

/** Lifts an operator pause. */
export async function resumeBuyer(env: DbEnv, buyerId: string): Promise<void> {
  await mainDb(env).delete(O).where(eq(O.buyerId, buyerId));
}
