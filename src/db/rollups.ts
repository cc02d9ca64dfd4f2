import { type SQL, sql } from "drizzle-orm";
import { real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { RollupRow } from "../observability/metrics";
import { bucketStart, COUNTERS, type Counts, type CountsDelta, type Dim, emptyCounts, type Grain } from "../observability/rollup";
import { allDatabases, type Db, type DbEnv, isoAt, mainDb, type Stmt, schema } from "./client";
import { compiled } from "./compiled";

const RF = schema.refusalRollups;
const L = schema.leads;

/** A dimension key: a value, an SQL expression (e.g. the lead's source read in the same statement), or none (that dimension is skipped). */
export type KeyValue = string | SQL | null | undefined;

/** One event to count: when, under which keys, what it adds, and (optionally) only if an SQL condition holds. */
export interface RollupEvent {
  atMs: number;
  buyer?: KeyValue;
  source?: KeyValue;
  vertical?: KeyValue;
  counts: CountsDelta;
  /** Count only when this holds in the same batch (e.g. "this batch sold the lead"), so a lost race counts nothing. */
  when?: SQL;
  /** Count only if this lead's row exists when the statement runs (its insert in the same batch was not lost to a repeat). */
  whenLeadExists?: string;
  /** Count only if this batch ended the lead in `status` (see leadEndedNow), so a lost race counts nothing. */
  whenLeadEnded?: { leadId: string; status: "sold" | "unsold" | "expired"; nowMs: number };
  /**
   * More counts, added only if this batch ended the lead in `status`, in the same statement as
   * `counts` (which are added either way): an attempt's counts and the sale it ended, one upsert.
   * Its columns must not overlap `counts`; not with `when` or `whenLeadEnded`.
   */
  ifLeadEnded?: { leadId: string; status: "sold" | "unsold" | "expired"; nowMs: number; counts: CountsDelta };
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw new Error(`rollup counter must be a finite number, got ${n}`);
  return n;
}

function literal(n: number): SQL {
  return sql.raw(String(finite(n)));
}

/** What one counter upsert is made of: its buckets, keys, counted values and guard, as literals or placeholders. */
interface RollupParts {
  m: unknown;
  h: unknown;
  dims: { dim: Dim; v: unknown }[];
  count: (c: (typeof COUNTERS)[number]) => unknown;
  when?: SQL;
}

/**
 * The rollups table as one counter upsert writes it: its key columns and the columns it counts.
 * An upsert names only these, so a new row takes the schema's default 0 in every other counter
 * and SQLite is handed a few values instead of all of them (drizzle's INSERT … SELECT names
 * every column of the table it is given). One per set of counted columns, made on first use.
 */
const countingTables = new Map<string, ReturnType<typeof countingTable>>();

function countingTable(cols: readonly (typeof COUNTERS)[number][]) {
  return sqliteTable("rollups", {
    grain: text("grain").notNull(),
    bucket: text("bucket").notNull(),
    dim: text("dim").notNull(),
    key: text("key").notNull(),
    ...Object.fromEntries(cols.map((c) => [c, real(c).notNull()])),
  });
}

function rollupsCounting(cols: readonly (typeof COUNTERS)[number][]) {
  const name = cols.join(",");
  let table = countingTables.get(name);
  if (!table) {
    table = countingTable(cols);
    countingTables.set(name, table);
  }
  return table;
}

function rollupSql(d: Db, cols: readonly (typeof COUNTERS)[number][], parts: RollupParts): Stmt {
  const dims: SQL[] = [sql`('all', '')`, ...parts.dims.map(({ dim, v }) => sql`(${sql.raw(`'${dim}'`)}, ${v})`)];
  // The counted columns in table order, as the table this upsert writes names them.
  const counted = COUNTERS.filter((c) => cols.includes(c));
  const T = rollupsCounting(counted);
  const values = sql.join(
    counted.map((c) => sql`${parts.count(c)}`),
    sql`, `,
  );
  const set = Object.fromEntries(
    counted.map((c) => [c, c === "latency_max" ? sql.raw(`MAX("rollups"."${c}", excluded."${c}")`) : sql.raw(`"rollups"."${c}" + excluded."${c}"`)]),
  );
  return d
    .insert(T)
    .select(
      sql`SELECT g.column1, g.column2, k.column1, k.column2, ${values}
    FROM (VALUES ('m', ${parts.m}), ('h', ${parts.h})) AS g CROSS JOIN (VALUES ${sql.join(dims, sql`, `)}) AS k
    WHERE k.column2 IS NOT NULL${parts.when ? sql` AND (${parts.when})` : sql``}`,
    )
    .onConflictDoUpdate({ target: [T.grain, T.bucket, T.dim, T.key], set });
}

/**
 * The shape of a compiled counter upsert: which columns it counts, which keys it has, whether it
 * is guarded by the lead's existence or end, or (`endCols`) counts its end columns only if the
 * lead ended.
 */
type Guard = "none" | "exists" | "ended" | "endCols";

/** A counted value that is added only if `guard` holds when the statement runs. */
function onlyIf(guard: SQL, v: unknown): SQL {
  return sql`CASE WHEN ${guard} THEN ${v} ELSE 0 END`;
}

/**
 * Counter upserts whose keys are plain values (intake's: source and vertical, only if the lead
 * row was written) are compiled per shape: counts, buckets and keys bound, the SQL built once.
 */
const compiledRollup = compiled<Record<string, unknown>, Stmt>((d, p, shape) => {
  // The shape: counted columns | keys | guard | columns counted only if the lead ended (see rollupStmt).
  const [cols = "", dims = "", guard, endCols = ""] = shape.split("|") as [string, string, Guard, string?];
  const ifEnded = new Set(endCols ? endCols.split(",") : []);
  const ended = endedGuard(p("leadId"), p("endStatus"), p("finalizedAt"));
  return rollupSql(d, [...cols.split(","), ...ifEnded] as (typeof COUNTERS)[number][], {
    m: p("m"),
    h: p("h"),
    dims: dims ? (dims.split(",") as Dim[]).map((dim) => ({ dim, v: p(dim) })) : [],
    count: (c) => (ifEnded.has(c) ? onlyIf(ended, p(c)) : p(c)),
    ...(guard === "exists" ? { when: existsGuard(p("leadId")) } : {}),
    ...(guard === "ended" ? { when: ended } : {}),
  });
});

const plain = (v: KeyValue): v is string => typeof v === "string";

/**
 * One statement that adds an event's counts to its minute and hour buckets, overall and under
 * each key it has (buyer, source, vertical): an upsert over the cross product of the two
 * grains and the dimensions. Counts are numeric literals (they are ours, checked finite), keys
 * and buckets bound parameters, so the statement stays far under D1's parameter limit; an event
 * with plain keys and no SQL guard (but `whenLeadExists`) runs a compiled statement instead,
 * its counts bound. It goes into the same batch as the event it counts: the count and the
 * event commit together.
 */
export function rollupStmt(d: Db, e: RollupEvent): Stmt {
  const counted = (counts: CountsDelta) =>
    COUNTERS.filter((c) => {
      const v = counts[c];
      return v !== undefined && v !== 0;
    });
  const cols = counted(e.counts);
  if (cols.length === 0) throw new Error("a rollup event must count something");
  for (const c of cols) finite(e.counts[c] ?? 0);
  const ifEnded = e.ifLeadEnded;
  const endCols = ifEnded ? counted(ifEnded.counts) : [];
  if (ifEnded) {
    if (e.when || e.whenLeadEnded || e.whenLeadExists !== undefined) throw new Error("ifLeadEnded cannot be combined with another guard");
    if (endCols.some((c) => cols.includes(c))) throw new Error("ifLeadEnded counts must not overlap the event's counts");
    for (const c of endCols) finite(ifEnded.counts[c] ?? 0);
  }
  const m = isoAt(bucketStart("m", e.atMs));
  const h = isoAt(bucketStart("h", e.atMs));
  const keys: [Dim, KeyValue][] = [
    ["buyer", e.buyer],
    ["source", e.source],
    ["vertical", e.vertical],
  ];
  const present = keys.filter(([, v]) => v !== null && v !== undefined);
  const ended = e.whenLeadEnded;
  if (!e.when && present.every(([, v]) => plain(v))) {
    const guard: Guard = ended ? "ended" : ifEnded ? "endCols" : e.whenLeadExists !== undefined ? "exists" : "none";
    const values: Record<string, unknown> = { m, h };
    const end = ended ?? ifEnded;
    if (end) Object.assign(values, { leadId: end.leadId, endStatus: end.status, finalizedAt: isoAt(end.nowMs) });
    else if (e.whenLeadExists !== undefined) values.leadId = e.whenLeadExists;
    for (const [dim, v] of present) values[dim] = v;
    for (const c of cols) values[c] = e.counts[c];
    for (const c of endCols) values[c] = ifEnded?.counts[c];
    return compiledRollup(d, values, `${cols.join(",")}|${present.map(([dim]) => dim).join(",")}|${guard}|${endCols.join(",")}`);
  }
  const endGuard = ifEnded ? leadEndedNow(ifEnded.leadId, ifEnded.status, ifEnded.nowMs) : undefined;
  return rollupSql(d, [...cols, ...endCols], {
    m,
    h,
    dims: present.map(([dim, v]) => ({ dim, v })),
    count: (c) => (endGuard && endCols.includes(c) ? onlyIf(endGuard, literal(ifEnded?.counts[c] ?? 0)) : literal(e.counts[c] ?? 0)),
    ...(e.when || ended || e.whenLeadExists !== undefined
      ? { when: e.when ?? (ended ? leadEndedNow(ended.leadId, ended.status, ended.nowMs) : leadExists(e.whenLeadExists ?? "")) }
      : {}),
  });
}

/** The lead's source, read inside the statement (callers that do not hold the lead row). */
export function leadSourceKey(leadId: string): SQL {
  return sql`(SELECT ${L.sourceId} FROM ${L} WHERE ${L.id} = ${leadId})`;
}

/** The lead's vertical, read inside the statement. */
export function leadVerticalKey(leadId: string): SQL {
  return sql`(SELECT ${L.vertical} FROM ${L} WHERE ${L.id} = ${leadId})`;
}

/** "The lead exists" (intake: the insert in the same batch may have lost to a duplicate). */
export function leadExists(leadId: string): SQL {
  return existsGuard(leadId);
}

/** "This batch ended the lead in `status`": its finalization time is this instant. */
export function leadEndedNow(leadId: string, status: "sold" | "unsold" | "expired", nowMs: number): SQL {
  return endedGuard(leadId, status, isoAt(nowMs));
}

/** The two guards with their values, or with a compiled statement's placeholders. */
function existsGuard(leadId: unknown): SQL {
  return sql`EXISTS (SELECT 1 FROM ${L} WHERE ${L.id} = ${leadId})`;
}

function endedGuard(leadId: unknown, status: unknown, finalizedAt: unknown): SQL {
  return sql`EXISTS (SELECT 1 FROM ${L} WHERE ${L.id} = ${leadId} AND ${L.status} = ${status} AND ${L.finalizedAt} = ${finalizedAt})`;
}

/** "This batch rejected the pending delivery": its claim became `rejected` at this instant. */
export function rejectedNow(deliveryId: string, nowMs: number): SQL {
  const C = schema.leadBuyers;
  return sql`EXISTS (SELECT 1 FROM ${C} WHERE ${C.deliveryId} = ${deliveryId} AND ${C.state} = 'rejected' AND ${C.updatedAt} = ${isoAt(nowMs)})`;
}

/** Revenue a sale adds: its price, unless the lead is a test lead (read in the same statement). */
export function saleCounts(price: number | null, test: boolean): CountsDelta {
  return test || price === null ? { sold: 1 } : { sold: 1, revenue: price };
}

/** Counts one event on its own (outside a lead batch). */
export async function countEvent(env: DbEnv, e: RollupEvent): Promise<void> {
  const d = mainDb(env);
  await d.batch([rollupStmt(d, e)]);
}

/** Longest field path kept for a refusal (paths come from the source's own JSON). */
const MAX_FIELD = 120;
/** Fields counted per refused post; the rest are folded into `(more)`. */
const MAX_FIELDS = 10;

/** The fields a refusal names, bounded and deduplicated (`(body)` when none). */
export function refusalFields(paths: readonly string[]): string[] {
  const uniq = [...new Set(paths.map((p) => (p.length > MAX_FIELD ? `${p.slice(0, MAX_FIELD - 1)}…` : p)))];
  if (uniq.length === 0) return ["(body)"];
  return uniq.length > MAX_FIELDS ? [...uniq.slice(0, MAX_FIELDS), "(more)"] : uniq;
}

/**
 * A post refused at intake: the source's refused count, and one count per field the refusal
 * named (an invalid zip and an invalid email are two fields of one refused post).
 */
export async function recordRefusal(env: DbEnv, r: { sourceId: string; fields: readonly string[]; atMs: number }): Promise<void> {
  const d = mainDb(env);
  const fields = refusalFields(r.fields);
  const m = isoAt(bucketStart("m", r.atMs));
  const h = isoAt(bucketStart("h", r.atMs));
  await d.batch([
    rollupStmt(d, { atMs: r.atMs, source: r.sourceId, counts: { refused: 1 } }),
    d
      .insert(RF)
      .select(
        sql`SELECT g.column1, g.column2, ${r.sourceId}, f.column1, 1
      FROM (VALUES ('m', ${m}), ('h', ${h})) AS g CROSS JOIN (VALUES ${sql.join(
        fields.map((f) => sql`(${f})`),
        sql`, `,
      )}) AS f
      WHERE true`,
      )
      .onConflictDoUpdate({ target: [RF.grain, RF.bucket, RF.sourceId, RF.field], set: { n: sql.raw(`"refusal_rollups"."n" + 1`) } }),
  ]);
}

/** Rows read back, with how many rows D1 says it read to answer. */
export interface RollupRead {
  rows: RollupRow[];
  rowsRead: number;
}

function rowsRead(meta: unknown): number {
  const m = meta as { rows_read?: number } | undefined;
  return typeof m?.rows_read === "number" ? m.rows_read : 0;
}

/** Every database that may hold rollups: a lead batch writes them where the lead lives. */
function rollupDatabases(env: DbEnv): D1Database[] {
  return allDatabases(env);
}

/**
 * The rollup rows of one grain whose bucket starts in [fromMs, toMs): a range on the primary
 * key (grain, bucket, …), so D1 reads only the rows it returns — at most buckets × (1 + buyers
 * + sources + verticals), whatever the number of events. `dims` narrows to some dimensions.
 */
export async function readRollups(env: DbEnv, grain: Grain, fromMs: number, toMs: number, dims?: readonly Dim[]): Promise<RollupRead> {
  const rows: RollupRow[] = [];
  let read = 0;
  const dimFilter = dims && dims.length > 0 ? ` AND dim IN (${dims.map((x) => `'${x}'`).join(", ")})` : "";
  // Every database at once; rows of the same bucket and key from two shards are summed by the readers (sumByKey).
  const answers = await Promise.all(
    rollupDatabases(env).map((db) =>
      db
        .prepare(`SELECT * FROM rollups WHERE grain = ?1 AND bucket >= ?2 AND bucket < ?3${dimFilter}`)
        .bind(grain, isoAt(fromMs), isoAt(toMs))
        .all<Record<string, unknown>>(),
    ),
  );
  for (const res of answers) {
    read += rowsRead(res.meta);
    for (const r of res.results) {
      const counts = emptyCounts();
      for (const c of COUNTERS) counts[c] = Number(r[c] ?? 0);
      rows.push({ bucket: String(r.bucket), dim: r.dim as Dim, key: String(r.key), counts });
    }
  }
  return { rows, rowsRead: read };
}

/** Counters summed over a range for one dimension (e.g. every buyer over the last 30 minutes). */
export function sumByKey(rows: readonly RollupRow[], dim: Dim): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const r of rows) {
    if (r.dim !== dim) continue;
    let c = out.get(r.key);
    if (!c) out.set(r.key, (c = emptyCounts()));
    for (const k of COUNTERS) c[k] = k === "latency_max" ? Math.max(c[k], r.counts[k]) : c[k] + r.counts[k];
  }
  return out;
}

export interface RefusalRow {
  sourceId: string;
  field: string;
  n: number;
}

/** Refused posts per source and field over [fromMs, toMs) at one grain. */
export async function readRefusals(env: DbEnv, grain: Grain, fromMs: number, toMs: number): Promise<{ rows: RefusalRow[]; rowsRead: number }> {
  const [db] = allDatabases(env);
  if (!db) return { rows: [], rowsRead: 0 };
  const res = await db
    .prepare(
      `SELECT source_id AS sourceId, field, SUM(n) AS n FROM refusal_rollups WHERE grain = ?1 AND bucket >= ?2 AND bucket < ?3 GROUP BY source_id, field ORDER BY n DESC`,
    )
    .bind(grain, isoAt(fromMs), isoAt(toMs))
    .all<RefusalRow>();
  return { rows: res.results.map((r) => ({ ...r, n: Number(r.n) })), rowsRead: rowsRead(res.meta) };
}

/**
 * Drops rollup rows past their use: minute rows after `minuteBeforeMs` (recent windows and
 * alert rules only), hour rows after `hourBeforeMs`; at most `limit` rows of each per call.
 */
export async function pruneRollups(env: DbEnv, q: { minuteBeforeMs: number; hourBeforeMs: number; limit: number }): Promise<number> {
  let n = 0;
  const answers = await Promise.all(
    rollupDatabases(env).map((db) =>
      db.batch([
        db
          .prepare("DELETE FROM rollups WHERE rowid IN (SELECT rowid FROM rollups WHERE grain = 'm' AND bucket < ?1 LIMIT ?2)")
          .bind(isoAt(q.minuteBeforeMs), q.limit),
        db
          .prepare("DELETE FROM rollups WHERE rowid IN (SELECT rowid FROM rollups WHERE grain = 'h' AND bucket < ?1 LIMIT ?2)")
          .bind(isoAt(q.hourBeforeMs), q.limit),
        db
          .prepare("DELETE FROM refusal_rollups WHERE rowid IN (SELECT rowid FROM refusal_rollups WHERE grain = 'm' AND bucket < ?1 LIMIT ?2)")
          .bind(isoAt(q.minuteBeforeMs), q.limit),
        db
          .prepare("DELETE FROM refusal_rollups WHERE rowid IN (SELECT rowid FROM refusal_rollups WHERE grain = 'h' AND bucket < ?1 LIMIT ?2)")
          .bind(isoAt(q.hourBeforeMs), q.limit),
      ]),
    ),
  );
  for (const res of answers) for (const r of res) n += r.meta.changes ?? 0;
  return n;
}

export type { Counts };
