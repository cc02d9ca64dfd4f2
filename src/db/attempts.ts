import { asc, desc, eq, notInArray } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, leadDb, leadDbs, type Stmt, schema } from "./client";

const A = schema.deliveryAttempts;

export type AttemptRow = typeof A.$inferSelect;
export type NewAttempt = Omit<typeof A.$inferInsert, "createdAt"> & { nowMs: number };

/** One attempt row (masked request, encrypted exact request, masked response): goes into the settle batch. */
export function insertAttempt(d: Db, a: NewAttempt): Stmt {
  const { nowMs, ...row } = a;
  return d.insert(A).values({ ...row, createdAt: isoAt(nowMs) });
}

/** Every attempt on a lead, oldest first. */
export async function attemptsOf(env: DbEnv, leadId: string): Promise<AttemptRow[]> {
  return leadDb(env, leadId).select().from(A).where(eq(A.leadId, leadId)).orderBy(asc(A.createdAt)).all();
}

/** The encrypted exact request of one attempt (compliance), searched over every lead database. */
export async function attemptArchive(env: DbEnv, attemptId: string): Promise<{ requestEncrypted: string | null; keyId: string | null } | undefined> {
  const rows = await Promise.all(
    leadDbs(env).map((d) => d.select({ requestEncrypted: A.requestEncrypted, keyId: A.keyId }).from(A).where(eq(A.id, attemptId)).get()),
  );
  return rows.find((r) => r !== undefined);
}

/** The most recent attempts that did not end accepted or pending (diagnostics). */
export async function recentFailedAttempts(env: DbEnv, limit: number) {
  const per = await Promise.all(
    leadDbs(env).map((d) =>
      d
        .select({
          id: A.id,
          leadId: A.leadId,
          buyerId: A.buyerId,
          attempt: A.attempt,
          statusCode: A.statusCode,
          errorClass: A.errorClass,
          reason: A.reason,
          elapsedMs: A.elapsedMs,
          createdAt: A.createdAt,
        })
        .from(A)
        .where(notInArray(A.outcome, ["accepted", "pending"]))
        .orderBy(desc(A.createdAt))
        .limit(limit),
    ),
  );
  return per
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
}
