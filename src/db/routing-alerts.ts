import { and, eq, isNull } from "drizzle-orm";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const AL = schema.alerts;

/**
 * Routing (issue 13): closes a buyer's open alerts of one kind once their cause is gone (a
 * prepaid balance topped up), so the next time it is spent raises a new alert at once.
 */
export async function resolveBuyerAlerts(env: DbEnv, kind: string, buyerId: string, nowMs: number): Promise<void> {
  await mainDb(env)
    .update(AL)
    .set({ resolvedAt: isoAt(nowMs) })
    .where(and(eq(AL.kind, kind), eq(AL.buyerId, buyerId), isNull(AL.resolvedAt)));
}
