import { sql } from "drizzle-orm";
import { type DbEnv, isoAt, leadDbs, schema } from "./client";

const A = schema.deliveryAttempts;
const L = schema.leads;

export interface FailureFilter {
  buyerId?: string | undefined;
  sourceId?: string | undefined;
  errorClass?: string | undefined;
  fromMs: number;
  toMs: number;
  /** Rows shown. */
  limit: number;
  /** Attempts looked at, newest first, before the filters on class and source (bounds the work). */
  scanLimit: number;
}

export interface FailureRow {
  id: string;
  leadId: string;
  buyerId: string;
  sourceId: string | null;
  attempt: number;
  statusCode: number | null;
  outcome: string;
  errorClass: string | null;
  reason: string | null;
  elapsedMs: number;
  createdAt: string;
}

/**
 * Attempts that did not end accepted or pending, newest first, filtered by buyer, source, error
 * class and time. A list to read, not a metric: it looks at no more than `scanLimit` attempts of
 * the time range (by the (buyer, time) or time index), so its cost is bounded at any volume.
 */
export async function findFailures(env: DbEnv, f: FailureFilter): Promise<{ rows: FailureRow[]; scanned: number }> {
  const out: FailureRow[] = [];
  let scanned = 0;
  for (const d of leadDbs(env)) {
    const inner = sql`SELECT * FROM ${A} WHERE ${A.createdAt} >= ${isoAt(f.fromMs)} AND ${A.createdAt} < ${isoAt(f.toMs)}${
      f.buyerId ? sql` AND ${A.buyerId} = ${f.buyerId}` : sql``
    } ORDER BY ${A.createdAt} DESC LIMIT ${f.scanLimit}`;
    const rows = await d.all<FailureRow & { scanned: number }>(sql`SELECT a.id AS id, a.lead_id AS leadId, a.buyer_id AS buyerId, l.source_id AS sourceId,
        a.attempt AS attempt, a.status_code AS statusCode, a.outcome AS outcome, a.error_class AS errorClass, a.reason AS reason,
        a.elapsed_ms AS elapsedMs, a.created_at AS createdAt, (SELECT COUNT(*) FROM (${inner})) AS scanned
      FROM (${inner}) a LEFT JOIN ${L} l ON l.id = a.lead_id
      WHERE a.outcome NOT IN ('accepted', 'pending')${f.errorClass ? sql` AND a.error_class = ${f.errorClass}` : sql``}${
        f.sourceId ? sql` AND l.source_id = ${f.sourceId}` : sql``
      }
      ORDER BY a.created_at DESC LIMIT ${f.limit}`);
    for (const r of rows) {
      scanned = Math.max(scanned, Number(r.scanned));
      const { scanned: _s, ...row } = r;
      out.push(row);
    }
  }
  return { rows: out.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, f.limit), scanned };
}

/**
 * Leads overdue on the delivery queue: still `received` two minutes after intake, or `queued`
 * five minutes past due. Counted through the sweep's indexes and capped at `cap`, so the
 * backlog rule costs the same at any volume.
 */
export async function overdueLeads(env: DbEnv, nowMs: number, cap: number): Promise<number> {
  let n = 0;
  for (const d of leadDbs(env)) {
    const [row] = await d.all<{ n: number }>(sql`SELECT
      (SELECT COUNT(*) FROM (SELECT 1 FROM ${L} WHERE ${L.status} = 'received' AND ${L.createdAt} < ${isoAt(nowMs - 120_000)} LIMIT ${cap})) +
      (SELECT COUNT(*) FROM (SELECT 1 FROM ${L} WHERE ${L.status} = 'queued' AND ${L.nextAttemptAt} < ${isoAt(nowMs - 300_000)} LIMIT ${cap})) AS n`);
    n += Number(row?.n ?? 0);
  }
  return Math.min(n, cap);
}
