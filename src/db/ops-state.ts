import { inArray, sql } from "drizzle-orm";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const S = schema.opsState;

/** Values the ops cron kept between runs, by key (missing keys are absent). */
export async function readOpsState(env: DbEnv, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await mainDb(env)
    .select({ key: S.key, value: S.value })
    .from(S)
    .where(inArray(S.key, [...keys]));
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Writes some values (one batch). */
export async function writeOpsState(env: DbEnv, values: Record<string, string>, nowMs: number): Promise<void> {
  const entries = Object.entries(values);
  const d = mainDb(env);
  const [first, ...rest] = entries.map(([key, value]) =>
    d
      .insert(S)
      .values({ key, value, updatedAt: isoAt(nowMs) })
      .onConflictDoUpdate({ target: S.key, set: { value, updatedAt: isoAt(nowMs) } }),
  );
  if (first) await d.batch([first, ...rest]);
}

/**
 * Takes a once-per-period turn (e.g. the daily regression run): sets `key` to `value` only when
 * it holds something else, so of two overlapping crons one runs it. True for the winner.
 */
export async function claimTurn(env: DbEnv, key: string, value: string, nowMs: number): Promise<boolean> {
  const rows = await mainDb(env)
    .insert(S)
    .values({ key, value, updatedAt: isoAt(nowMs) })
    .onConflictDoUpdate({ target: S.key, set: { value, updatedAt: isoAt(nowMs) }, setWhere: sql`${S.value} <> ${value}` })
    .returning({ key: S.key });
  return rows.length > 0;
}
