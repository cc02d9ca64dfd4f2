import { desc, gt } from "drizzle-orm";
import { newId } from "../core/ids";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const RR = schema.regressionRuns;

export type RegressionRow = typeof RR.$inferSelect;

/** One buyer's regression result for a day (the first one recorded for that day stays). */
export async function recordRegression(
  env: DbEnv,
  r: {
    buyerId: string;
    day: string;
    outcome: "passed" | "failed" | "skipped";
    reason: string | null;
    statusCode: number | null;
    elapsedMs: number | null;
    nowMs: number;
  },
): Promise<void> {
  await mainDb(env)
    .insert(RR)
    .values({
      id: newId("reg", r.nowMs),
      buyerId: r.buyerId,
      day: r.day,
      outcome: r.outcome,
      reason: r.reason,
      statusCode: r.statusCode,
      elapsedMs: r.elapsedMs,
      createdAt: isoAt(r.nowMs),
    })
    .onConflictDoNothing();
}

/** Each buyer's latest regression result of the last few days. */
export async function latestRegressions(env: DbEnv, sinceMs: number): Promise<Map<string, RegressionRow>> {
  const rows = await mainDb(env)
    .select()
    .from(RR)
    .where(gt(RR.createdAt, isoAt(sinceMs)))
    .orderBy(desc(RR.createdAt))
    .limit(5000);
  const out = new Map<string, RegressionRow>();
  for (const r of rows) if (!out.has(r.buyerId)) out.set(r.buyerId, r);
  return out;
}
