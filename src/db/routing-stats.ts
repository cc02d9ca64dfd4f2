/**
 * Routing (issue 13): the bounded figures the distribution methods learn from — per buyer,
 * vertical and local day: offers, outcomes, revenue, returns. Each write goes into the batch
 * of the event it counts; reads cover a few weeks of days for a handful of buyers.
 *
 * Sharding (issue 17): those batches run on the lead's shard (a callback's and a return's
 * statement reads the lead's vertical in the same statement), so every lead shard holds its
 * own partial `routing_stats` rows; the reads fan out over the shards and add the partial rows
 * of one (buyer, vertical, day) into one, and the prune runs on every shard.
 */
import { and, eq, gte, inArray, lt, notExists, type SQL, sql } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, onEveryShard, type Stmt, schema } from "./client";
import { compiled } from "./compiled";

const RS = schema.routingStats;
const L = schema.leads;
const R = schema.returns;

/** What one event adds to a buyer's day. */
export interface StatDelta {
  offered?: number;
  accepted?: number;
  rejected?: number;
  failed?: number;
  revenue?: number;
  returned?: number;
  credit?: number;
}

export interface StatKey {
  buyerId: string;
  vertical: string;
  /** YYYY-MM-DD in the buyer's time zone. */
  day: string;
}

/** One stored day of a buyer's figures. */
export type StatRow = typeof RS.$inferSelect;

const COUNTERS = ["offered", "accepted", "rejected", "failed", "revenue", "returned", "credit"] as const;

/** `counter = counter + excluded.counter` for every counter: an upsert adds, never overwrites. */
function addAll() {
  return {
    offered: sql`${RS.offered} + excluded.offered`,
    accepted: sql`${RS.accepted} + excluded.accepted`,
    rejected: sql`${RS.rejected} + excluded.rejected`,
    failed: sql`${RS.failed} + excluded.failed`,
    revenue: sql`${RS.revenue} + excluded.revenue`,
    returned: sql`${RS.returned} + excluded.returned`,
    credit: sql`${RS.credit} + excluded.credit`,
    updatedAt: sql`excluded.updated_at`,
  };
}

function values(delta: StatDelta): Required<StatDelta> {
  const out = {} as Required<StatDelta>;
  for (const c of COUNTERS) out[c] = delta[c] ?? 0;
  return out;
}

/** Adds `delta` to a buyer's day (goes into the batch of the event it counts). */
export function statStmt(d: Db, key: StatKey, delta: StatDelta, nowMs: number): Stmt {
  return statUpsert(d, { ...key, ...values(delta), updatedAt: isoAt(nowMs) });
}

/** `statStmt`, compiled: every counted attempt writes it (all counters bound, absent ones as 0). */
type StatValues = { buyerId: string; vertical: string; day: string; updatedAt: string } & Record<(typeof COUNTERS)[number], number>;
const statUpsert = compiled<StatValues, Stmt>((d, p) =>
  d
    .insert(RS)
    .values({
      buyerId: p("buyerId"),
      vertical: p("vertical"),
      day: p("day"),
      ...Object.fromEntries(COUNTERS.map((c) => [c, p(c)])),
      updatedAt: p("updatedAt"),
    } as never)
    .onConflictDoUpdate({ target: [RS.buyerId, RS.vertical, RS.day], set: addAll() }),
);

/**
 * Adds `delta` for a lead known only by id (a buyer's callback): its vertical is read in the
 * same statement, and a test lead counts for nothing; `when` guards it further (e.g. "this
 * batch rejected the delivery").
 */
export function leadStatStmt(d: Db, leadId: string, buyerId: string, day: string, delta: StatDelta, nowMs: number, when?: SQL): Stmt {
  const v = values(delta);
  return d
    .insert(RS)
    .select(
      d
        .select({
          buyerId: sql<string>`${buyerId}`.as("buyer_id"),
          vertical: L.vertical,
          day: sql<string>`${day}`.as("day"),
          offered: sql<number>`${v.offered}`.as("offered"),
          accepted: sql<number>`${v.accepted}`.as("accepted"),
          rejected: sql<number>`${v.rejected}`.as("rejected"),
          failed: sql<number>`${v.failed}`.as("failed"),
          revenue: sql<number>`${v.revenue}`.as("revenue"),
          returned: sql<number>`${v.returned}`.as("returned"),
          credit: sql<number>`${v.credit}`.as("credit"),
          updatedAt: sql<string>`${isoAt(nowMs)}`.as("updated_at"),
        })
        .from(L)
        .where(and(eq(L.id, leadId), eq(L.test, false), when)),
    )
    .onConflictDoUpdate({ target: [RS.buyerId, RS.vertical, RS.day], set: addAll() });
}

/**
 * A return counted once: only while the return row is not yet written (put this statement
 * before the return's insert in its batch, as the return's other guarded writes are).
 */
export function returnStatStmt(d: Db, e: { leadId: string; buyerId: string; day: string; credit: number; nowMs: number }): Stmt {
  return d
    .insert(RS)
    .select(
      d
        .select({
          buyerId: sql<string>`${e.buyerId}`.as("buyer_id"),
          vertical: L.vertical,
          day: sql<string>`${e.day}`.as("day"),
          offered: sql<number>`0`.as("offered"),
          accepted: sql<number>`0`.as("accepted"),
          rejected: sql<number>`0`.as("rejected"),
          failed: sql<number>`0`.as("failed"),
          revenue: sql<number>`0`.as("revenue"),
          returned: sql<number>`1`.as("returned"),
          credit: sql<number>`${e.credit}`.as("credit"),
          updatedAt: sql<string>`${isoAt(e.nowMs)}`.as("updated_at"),
        })
        .from(L)
        .where(
          and(
            eq(L.id, e.leadId),
            eq(L.test, false),
            notExists(
              d
                .select({ one: sql`1` })
                .from(R)
                .where(and(eq(R.leadId, e.leadId), eq(R.buyerId, e.buyerId))),
            ),
          ),
        ),
    )
    .onConflictDoUpdate({ target: [RS.buyerId, RS.vertical, RS.day], set: addAll() });
}

/** The query EPL and weighted routing read (exported so its plan can be checked). */
export function statsQuery(d: Db, vertical: string, buyerIds: readonly string[], fromDay: string) {
  return d
    .select()
    .from(RS)
    .where(and(eq(RS.vertical, vertical), inArray(RS.buyerId, [...buyerIds]), gte(RS.day, fromDay)));
}

/** Every stored day from `fromDay` on for these buyers in this vertical. */
export async function statsSince(env: DbEnv, vertical: string, buyerIds: readonly string[], fromDay: string): Promise<StatRow[]> {
  if (buyerIds.length === 0) return [];
  return mergeShards(await onEveryShard(env, (d) => statsQuery(d, vertical, buyerIds, fromDay).all()));
}

/** The partial rows each shard holds for one (buyer, vertical, day), added into one row. */
function mergeShards(perShard: readonly StatRow[][]): StatRow[] {
  const out = new Map<string, StatRow>();
  for (const rows of perShard) {
    for (const r of rows) {
      const k = `${r.buyerId}\u0000${r.vertical}\u0000${r.day}`;
      const m = out.get(k);
      if (!m) {
        out.set(k, { ...r });
        continue;
      }
      for (const c of COUNTERS) m[c] += r[c];
      if (r.updatedAt > m.updatedAt) m.updatedAt = r.updatedAt;
    }
  }
  return [...out.values()];
}

/** A vertical's figures for the operator's routing view, by buyer and day. */
export async function statsOfVertical(env: DbEnv, vertical: string, fromDay: string): Promise<StatRow[]> {
  return mergeShards(
    await onEveryShard(env, (d) =>
      d
        .select()
        .from(RS)
        .where(and(eq(RS.vertical, vertical), gte(RS.day, fromDay)))
        .all(),
    ),
  );
}

/** Drops days older than `beforeDay` (the sweep keeps 90 days). */
export async function pruneStats(env: DbEnv, beforeDay: string): Promise<void> {
  await onEveryShard(env, (d) => d.delete(RS).where(lt(RS.day, beforeDay)));
}
