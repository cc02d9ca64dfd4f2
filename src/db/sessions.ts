import { and, eq, gt, lt, or, sql } from "drizzle-orm";
import { type DbEnv, isoAt, mainDb, schema } from "./client";

const S = schema.sessions;

/** Stores a new dashboard session under its key (never the session id itself; see schema.ts). */
export async function insertSession(env: DbEnv, s: { key: string; nowMs: number; idleMs: number; absoluteMs: number }): Promise<void> {
  const expires = s.nowMs + s.absoluteMs;
  await mainDb(env)
    .insert(S)
    .values({ id: s.key, createdAt: isoAt(s.nowMs), idleUntil: isoAt(Math.min(s.nowMs + s.idleMs, expires)), expiresAt: isoAt(expires) });
}

/**
 * Uses a session: true when it exists and neither its idle nor its absolute expiry has passed,
 * and then moves its idle expiry forward (never past the absolute one). One conditional
 * update, so a check and its renewal cannot be split by an expiry in between.
 */
export async function touchSession(env: DbEnv, key: string, nowMs: number, idleMs: number): Promise<boolean> {
  const now = isoAt(nowMs);
  const rows = await mainDb(env)
    .update(S)
    .set({ idleUntil: sql`min(${isoAt(nowMs + idleMs)}, ${S.expiresAt})` })
    .where(and(eq(S.id, key), gt(S.expiresAt, now), gt(S.idleUntil, now)))
    .returning({ id: S.id });
  return rows.length > 0;
}

/** Ends one session (sign-out). */
export async function deleteSession(env: DbEnv, key: string): Promise<void> {
  await mainDb(env).delete(S).where(eq(S.id, key));
}

/** Deletes sessions past either expiry; returns how many. */
export async function purgeExpiredSessions(env: DbEnv, nowMs: number): Promise<number> {
  const now = isoAt(nowMs);
  const rows = await mainDb(env)
    .delete(S)
    .where(or(lt(S.expiresAt, now), lt(S.idleUntil, now)))
    .returning({ id: S.id });
  return rows.length;
}
