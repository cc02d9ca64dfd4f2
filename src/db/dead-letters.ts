import { desc } from "drizzle-orm";
import { newId } from "../core/ids";
import { type Db, type DbEnv, isoAt, mainDb, type Stmt, schema } from "./client";
import { rollupStmt } from "./rollups";

const DL = schema.deadLetters;

/** Records a message that died on a dead-letter queue. */
export function deadLetter(d: Db, m: { queue: string; body: unknown; attempts: number; nowMs: number }): Stmt {
  return d.insert(DL).values({ id: newId("dlq", m.nowMs), queue: m.queue, body: JSON.stringify(m.body), attempts: m.attempts, createdAt: isoAt(m.nowMs) });
}

/** Counts a dead letter in the rollups (the dead-letter alert reads them); goes in the batch that records it. */
export function countDeadLetter(d: Db, nowMs: number): Stmt {
  return rollupStmt(d, { atMs: nowMs, counts: { dead_letters: 1 } });
}

/** Records a dead letter on its own. */
export async function recordDeadLetter(env: DbEnv, m: { queue: string; body: unknown; attempts: number; nowMs: number }): Promise<void> {
  const d = mainDb(env);
  await d.batch([deadLetter(d, m), countDeadLetter(d, m.nowMs)]);
}

/** The newest dead letters first. */
export async function recentDeadLetters(env: DbEnv, limit: number) {
  return mainDb(env).select({ queue: DL.queue, attempts: DL.attempts, createdAt: DL.createdAt }).from(DL).orderBy(desc(DL.createdAt)).limit(limit);
}
