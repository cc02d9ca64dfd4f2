import { asc, count, desc, eq, getTableColumns, notInArray, type SQL, sql, sum } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, leadDb, leadDbs, onEveryShard, type Stmt, schema } from "./client";
import { compiledInsert } from "./compiled";

const A = schema.deliveryAttempts;

export type AttemptRow = typeof A.$inferSelect;
export type NewAttempt = Omit<typeof A.$inferInsert, "createdAt"> & { nowMs: number };

/** One attempt row (masked request, encrypted exact request, masked response): goes into the settle batch. */
export function insertAttempt(d: Db, a: NewAttempt): Stmt {
  const { nowMs, ...row } = a;
  return attemptInsert(d, { ...row, createdAt: isoAt(nowMs) });
}

/** Every delivery writes one (compiled: see compiled.ts). */
const attemptInsert = compiledInsert(A);

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

/** Issue 16: an attempt row written only when `when` holds in the same batch (a batch result applied once). */
export function insertAttemptWhen(d: Db, a: NewAttempt, when: SQL): Stmt {
  const { nowMs, ...row } = a;
  const values: Record<string, unknown> = { ...row, createdAt: isoAt(nowMs) };
  // INSERT … SELECT names every column in table order: unset ones are NULL (purged_at) or given here.
  const cols = Object.keys(getTableColumns(A));
  return d.insert(A).select(
    sql`SELECT ${sql.join(
      cols.map((k) => sql`${values[k] ?? null}`),
      sql`, `,
    )} WHERE ${when}`,
  );
}

/** One buyer's attempts by config version, outcome and error class (rows before versions were recorded: version null). */
export interface VersionAttemptGroup {
  configVersion: string | null;
  outcome: string;
  errorClass: string | null;
  attempts: number;
  elapsedMs: number;
}

/**
 * A buyer's attempts grouped by config version, outcome and error class, over every lead
 * database: the figures of `GET /v1/buyers/:id/versions`. Read through the (buyer, version) index.
 */
export async function attemptsByVersion(env: DbEnv, buyerId: string): Promise<VersionAttemptGroup[]> {
  // Attempts live on their lead's shard: every shard answers in parallel and one group's counts from each are added into one.
  const perShard = await onEveryShard(env, (d) =>
    d
      .select({ configVersion: A.configVersion, outcome: A.outcome, errorClass: A.errorClass, attempts: count(), elapsedMs: sum(A.elapsedMs) })
      .from(A)
      .where(eq(A.buyerId, buyerId))
      .groupBy(A.configVersion, A.outcome, A.errorClass),
  );
  const out = new Map<string, VersionAttemptGroup>();
  for (const r of perShard.flat()) {
    const k = JSON.stringify([r.configVersion, r.outcome, r.errorClass]);
    const g = out.get(k);
    if (g) {
      g.attempts += r.attempts;
      g.elapsedMs += Number(r.elapsedMs ?? 0);
    } else out.set(k, { ...r, elapsedMs: Number(r.elapsedMs ?? 0) });
  }
  return [...out.values()];
}
