import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;
/** One statement that can go into a batch (one round trip, one transaction). */
export type Stmt = BatchItem<"sqlite">;

/** The bindings the data layer reads. */
export interface DbEnv {
  DB: D1Database;
}

const clients = new WeakMap<D1Database, Db>();

/** A drizzle client over one D1 database, made once per binding object. */
export function dbOf(d1: D1Database): Db {
  let d = clients.get(d1);
  if (!d) {
    d = drizzle(d1, { schema });
    clients.set(d1, d);
  }
  return d;
}

/**
 * The database that holds one lead's rows: the lead, its claims, its timeline and its
 * attempts. Every lead-level read and write goes through here, so the lead tables can be
 * spread over several databases by a stable key of the lead id.
 */
export function leadDb(env: DbEnv, _leadId: string): Db {
  return dbOf(env.DB);
}

/** The database of platform-wide rows: sources, buyer overrides, alerts, webhook events, dead letters. */
export function mainDb(env: DbEnv): Db {
  return dbOf(env.DB);
}

/** Every database that holds leads, for the few reads across leads (sweeps, reports). */
export function leadDbs(env: DbEnv): Db[] {
  return [dbOf(env.DB)];
}

/**
 * Every D1 database behind `leadDbs` and `mainDb`, each once, as raw bindings: for the reads
 * that report D1's own `rows_read` (rollups) and the few maintenance statements over all of them.
 */
export function allDatabases(env: DbEnv): D1Database[] {
  return [env.DB];
}

/** Runs statements as one batch: one round trip, all or nothing. */
export async function runBatch<T extends readonly [Stmt, ...Stmt[]]>(d: Db, stmts: T): Promise<BatchResponse<T>> {
  return d.batch(stmts);
}

/** Rows a guarded write changed (`RETURNING` rows, or D1's `meta.changes`). */
export function changed(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const meta = (result as { meta?: { changes?: number } } | undefined)?.meta;
  return meta?.changes ?? 0;
}

/** ISO 8601 with milliseconds, UTC: how every instant is stored. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

export { schema };
