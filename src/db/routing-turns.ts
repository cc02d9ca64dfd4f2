/**
 * Routing (issue 13): round robin's turns, shared by every worker. A turn is taken in one D1
 * batch (one transaction): the pool's buyers get a row if they have none (turn 0: a new buyer
 * has waited longest), then one UPDATE … RETURNING gives the next turn to the buyer with the
 * lowest — so two leads routed at the same instant never take the same turn.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const RT = schema.routingTurns;

export interface TurnTaken {
  /** The buyer whose turn it was (it goes first), or undefined when no buyer was given. */
  taken: string | undefined;
  /** Every given buyer's turn after this one was taken (lower = waited longer). */
  turns: Map<string, number>;
}

/**
 * Takes the next turn in `pool` among `contenders` (the buyer that waited longest; ties by id),
 * and reads the turns of `others` too (the buyers of lower priority, ordered by their turns).
 */
export async function takeTurn(env: DbEnv, pool: string, contenders: readonly string[], others: readonly string[], nowMs: number): Promise<TurnTaken> {
  if (contenders.length === 0) return { taken: undefined, turns: new Map() };
  const d = mainDb(env);
  const at = isoAt(nowMs);
  const ids = [...contenders, ...others];
  const longestWaiting = d
    .select({ id: RT.buyerId })
    .from(RT)
    .where(and(eq(RT.pool, pool), inArray(RT.buyerId, [...contenders])))
    .orderBy(asc(RT.turn), asc(RT.buyerId))
    .limit(1);
  const [, taken, rows] = await d.batch([
    d
      .insert(RT)
      .values(ids.map((buyerId) => ({ pool, buyerId, turn: 0, updatedAt: at })))
      .onConflictDoNothing(),
    d
      .update(RT)
      .set({ turn: sql`(SELECT COALESCE(MAX(t.turn), 0) + 1 FROM ${RT} AS t WHERE t.pool = ${pool})`, updatedAt: at })
      .where(and(eq(RT.pool, pool), eq(RT.buyerId, sql`(${longestWaiting})`)))
      .returning({ buyerId: RT.buyerId }),
    d
      .select({ buyerId: RT.buyerId, turn: RT.turn })
      .from(RT)
      .where(and(eq(RT.pool, pool), inArray(RT.buyerId, ids))),
  ]);
  return { taken: taken[0]?.buyerId, turns: new Map(rows.map((r) => [r.buyerId, r.turn])) };
}

/** The turns of a pool, for the operator's routing view. */
export async function turnsOf(env: DbEnv, pool: string): Promise<Map<string, number>> {
  const rows = await mainDb(env).select({ buyerId: RT.buyerId, turn: RT.turn }).from(RT).where(eq(RT.pool, pool));
  return new Map(rows.map((r) => [r.buyerId, r.turn]));
}
