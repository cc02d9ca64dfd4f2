import { desc, sql } from "drizzle-orm";
import { newId } from "../core/ids";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const AL = schema.alerts;
const QUIET_MS = 15 * 60_000;

export type AlertRow = typeof AL.$inferSelect;

/**
 * Raises an operator alert unless the same kind for the same buyer is open and younger than
 * 15 minutes (one insert decides, so concurrent raisers write one row). True when written.
 */
export async function raiseAlert(env: DbEnv, a: { kind: string; buyerId: string | null; message: string; nowMs: number }): Promise<boolean> {
  const d = mainDb(env);
  const res = await d.run(
    sql`INSERT INTO ${AL} (id, kind, buyer_id, message, created_at)
        SELECT ${newId("alr", a.nowMs)}, ${a.kind}, ${a.buyerId}, ${a.message}, ${isoAt(a.nowMs)}
        WHERE NOT EXISTS (SELECT 1 FROM ${AL} WHERE ${AL.kind} = ${a.kind} AND ${AL.buyerId} IS ${a.buyerId}
          AND ${AL.resolvedAt} IS NULL AND ${AL.createdAt} > ${isoAt(a.nowMs - QUIET_MS)})`,
  );
  return (res.meta.changes ?? 0) > 0;
}

/** The newest alerts first. */
export async function listAlerts(env: DbEnv, limit: number): Promise<AlertRow[]> {
  return mainDb(env).select().from(AL).orderBy(desc(AL.createdAt)).limit(limit);
}
