import { env } from "cloudflare:workers";
import { allDatabases, leadBinding } from "../../../src/db/client";

/**
 * The worker tests run with two lead shards (LEAD_SHARDS = "DB,DB_LEADS_1", test/vitest.config.ts):
 * a test that reads a lead's rows with SQL reads them on the lead's shard, and a test that reads
 * across leads reads every database.
 */
export function leadD1(leadId: string): D1Database {
  return leadBinding(env, leadId);
}

/** Every database (main + lead shards), each once. */
export function everyD1(): D1Database[] {
  return allDatabases(env);
}

/** The rows of one query on every database, concatenated. */
export async function allRows<T>(sql: string, ...binds: unknown[]): Promise<T[]> {
  const per = await Promise.all(
    everyD1().map((d) =>
      d
        .prepare(sql)
        .bind(...binds)
        .all<T>(),
    ),
  );
  return per.flatMap((r) => r.results);
}

/** A `SELECT COUNT(*) AS n …` summed over every database. */
export async function countAll(sql: string, ...binds: unknown[]): Promise<number> {
  const rows = await allRows<{ n: number }>(sql, ...binds);
  return rows.reduce((a, r) => a + Number(r.n), 0);
}

/**
 * Rows grouped per shard merged into one row per key: numeric columns summed (a column named
 * `latency_max`: the larger), the others kept from the first row.
 */
export function mergeCounts<T extends Record<string, unknown>>(rows: T[], key: (r: T) => string): T[] {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const k = key(r);
    const have = out.get(k);
    if (!have) {
      out.set(k, { ...r });
      continue;
    }
    for (const [c, v] of Object.entries(r)) {
      const was = have[c];
      if (typeof v === "number" && typeof was === "number") have[c] = c === "latency_max" ? Math.max(was, v) : was + v;
    }
  }
  return [...out.values()] as T[];
}
