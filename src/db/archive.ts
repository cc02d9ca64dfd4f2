/**
 * Hot and cold data (issue 17): the SQL half of the lead archive. D1 keeps a lead while it is
 * hot (ARCHIVE_AFTER_DAYS); then the cron (src/ops/archive.ts) reads it with everything keyed
 * by it, writes the record to R2 and deletes the rows here. The `archived_leads` index in the
 * main database says which R2 object holds a lead.
 */
import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { redact, redactString } from "../observability/redact";
import { type Db, type DbEnv, isoAt, mainDb, schema } from "./client";
import { TERMINAL_STATUSES } from "./lead-state";
import { PURGED } from "./retention";

const L = schema.leads;
const A = schema.deliveryAttempts;
const E = schema.leadEvents;
const C = schema.leadBuyers;
const RT = schema.returns;
const CV = schema.conversions;
const FB = schema.feedback;
const SA = schema.sales;
const P = schema.pings;
const B = schema.bids;
const AL = schema.archivedLeads;

/** Leads per archive batch at most: the delete guards each lead by (id, updated_at), two bound parameters, and D1 allows 100 per statement. */
export const MAX_ARCHIVE_BATCH = 45;

/** A lead old enough and ended: what the archive takes, with the version it read. */
export interface ArchiveCandidate {
  id: string;
  sourceId: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The oldest ended leads received before `beforeMs`, at most `limit`, all of the same UTC day
 * (the first one's), so one batch makes one file of one day's partition. Only terminal leads
 * without a routing lease: a lead in the middle of delivery is never taken. Read by the
 * `leads_created_idx` index from the oldest lead on.
 */
export async function archiveCandidates(d: Db, beforeMs: number, limit: number): Promise<ArchiveCandidate[]> {
  const rows = await d
    .select({ id: L.id, sourceId: L.sourceId, createdAt: L.createdAt, updatedAt: L.updatedAt })
    .from(L)
    .where(and(lt(L.createdAt, isoAt(beforeMs)), inArray(L.status, [...TERMINAL_STATUSES]), isNull(L.leaseOwner)))
    .orderBy(asc(L.createdAt))
    .limit(Math.min(limit, MAX_ARCHIVE_BATCH));
  const first = rows[0];
  if (!first) return [];
  const day = first.createdAt.slice(0, 10);
  return rows.filter((r) => r.createdAt.slice(0, 10) === day);
}

/** What the index says of some leads: the file each is in and the version written there. */
export async function archivedVersions(env: DbEnv, ids: string[]): Promise<Map<string, { key: string; leadUpdatedAt: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await mainDb(env).select({ id: AL.id, key: AL.key, leadUpdatedAt: AL.leadUpdatedAt }).from(AL).where(inArray(AL.id, ids));
  return new Map(rows.map((r) => [r.id, { key: r.key, leadUpdatedAt: r.leadUpdatedAt }]));
}

type LeadRowT = typeof L.$inferSelect;

/** One lead as the archive keeps it: every row keyed by it, personal data purged (see sanitize). */
export interface ArchivedLeadRecord {
  id: string;
  shard: number;
  lead: LeadRowT;
  claims: (typeof C.$inferSelect)[];
  attempts: (typeof A.$inferSelect)[];
  events: (typeof E.$inferSelect)[];
  returns: (typeof RT.$inferSelect)[];
  conversions: (typeof CV.$inferSelect)[];
  feedback: (typeof FB.$inferSelect)[];
  sales: (typeof SA.$inferSelect)[];
  auctions: { ping: typeof P.$inferSelect; bids: (typeof B.$inferSelect)[] }[];
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/**
 * Every row of these leads, in one round trip, with the personal data removed the way
 * retention removes it (purgePersonalData): the normalized lead and raw post become
 * `{"purged":true}`, attempts lose the masked and encrypted request and the response, timeline
 * data and claim reasons pass the redaction. What stays is what compliance keeps for years.
 */
export async function readLeadRecords(d: Db, ids: string[], shard: number, nowMs: number): Promise<ArchivedLeadRecord[]> {
  if (ids.length === 0) return [];
  const [leads, claims, attempts, events, returns, conversions, feedback, sales, pings] = await d.batch([
    d.select().from(L).where(inArray(L.id, ids)),
    d.select().from(C).where(inArray(C.leadId, ids)),
    d.select().from(A).where(inArray(A.leadId, ids)).orderBy(asc(A.createdAt)),
    d.select().from(E).where(inArray(E.leadId, ids)).orderBy(asc(E.createdAt)),
    d.select().from(RT).where(inArray(RT.leadId, ids)),
    d.select().from(CV).where(inArray(CV.leadId, ids)),
    d.select().from(FB).where(inArray(FB.leadId, ids)),
    d.select().from(SA).where(inArray(SA.leadId, ids)),
    d.select().from(P).where(inArray(P.leadId, ids)),
  ]);
  const pingIds = pings.map((p) => p.id);
  const bids = pingIds.length > 0 ? await d.select().from(B).where(inArray(B.pingId, pingIds)) : [];
  const now = isoAt(nowMs);
  const by = {
    claims: groupBy(claims, (r) => r.leadId),
    attempts: groupBy(attempts, (r) => r.leadId),
    events: groupBy(events, (r) => r.leadId),
    returns: groupBy(returns, (r) => r.leadId),
    conversions: groupBy(conversions, (r) => r.leadId),
    feedback: groupBy(feedback, (r) => r.leadId),
    sales: groupBy(sales, (r) => r.leadId),
    pings: groupBy(pings, (r) => r.leadId ?? ""),
    bids: groupBy(bids, (r) => r.pingId),
  };
  return leads.map((lead) => ({
    id: lead.id,
    shard,
    lead: lead.purgedAt ? lead : { ...lead, data: PURGED, raw: PURGED, purgedAt: now },
    claims: (by.claims.get(lead.id) ?? []).map((c) => (c.reason === null ? c : { ...c, reason: redactString(c.reason) })),
    attempts: (by.attempts.get(lead.id) ?? []).map((a) =>
      a.purgedAt ? a : { ...a, requestMasked: PURGED, requestEncrypted: null, keyId: null, responseBody: null, purgedAt: now },
    ),
    events: (by.events.get(lead.id) ?? []).map((e) => ({ ...e, data: JSON.stringify(redact(JSON.parse(e.data) as unknown)) })),
    returns: by.returns.get(lead.id) ?? [],
    conversions: by.conversions.get(lead.id) ?? [],
    feedback: by.feedback.get(lead.id) ?? [],
    sales: by.sales.get(lead.id) ?? [],
    auctions: (by.pings.get(lead.id) ?? []).map((ping) => ({ ping, bids: by.bids.get(ping.id) ?? [] })),
  }));
}

/** One lead written to an archive file, for the index. */
export interface ArchivedEntry {
  id: string;
  key: string;
  day: string;
  shard: number;
  sourceId: string;
  leadUpdatedAt: string;
}

/**
 * Points the index at the file just written, for each lead (a lead archived again after it
 * changed moves to its newest file). Written after the file and before the D1 rows are
 * deleted: a crash in between leaves rows the next run finds indexed at their version and only
 * deletes.
 */
export async function indexArchived(env: DbEnv, entries: ArchivedEntry[], nowMs: number): Promise<void> {
  if (entries.length === 0) return;
  const m = mainDb(env);
  const at = isoAt(nowMs);
  // 7 columns a row: 14 rows a statement stays under D1's 100 bound parameters.
  const stmts = [];
  for (let i = 0; i < entries.length; i += 14) {
    const chunk = entries.slice(i, i + 14).map((e) => ({ ...e, archivedAt: at }));
    stmts.push(
      m
        .insert(AL)
        .values(chunk)
        .onConflictDoUpdate({
          target: AL.id,
          set: {
            key: sql`excluded.key`,
            day: sql`excluded.day`,
            shard: sql`excluded.shard`,
            leadUpdatedAt: sql`excluded.lead_updated_at`,
            archivedAt: sql`excluded.archived_at`,
          },
        }),
    );
  }
  const [first, ...rest] = stmts;
  if (first) await m.batch([first, ...rest]);
}

/**
 * Deletes archived leads and every row keyed by them from their shard, in one transaction —
 * each lead only while it is still ended and at the version the archive wrote (a lead re-offered
 * or changed since stays, and is archived again later). Returns the leads deleted.
 */
export async function deleteArchivedLeads(d: Db, versions: { id: string; updatedAt: string }[]): Promise<number> {
  if (versions.length === 0) return 0;
  if (versions.length > MAX_ARCHIVE_BATCH) throw new Error(`at most ${MAX_ARCHIVE_BATCH} leads per archive delete`);
  const pairs = sql.join(
    versions.map((v) => sql`(${v.id}, ${v.updatedAt})`),
    sql`, `,
  );
  const terminal = sql.raw(TERMINAL_STATUSES.map((s) => `'${s}'`).join(", "));
  const same = sql`(SELECT ${L.id} FROM ${L} WHERE (${L.id}, ${L.updatedAt}) IN (VALUES ${pairs}) AND ${L.status} IN (${terminal}) AND ${L.leaseOwner} IS NULL)`;
  const of = (col: SQLiteColumn) => sql`${col} IN ${same}`;
  const res = await d.batch([
    d.delete(B).where(sql`${B.pingId} IN (SELECT ${P.id} FROM ${P} WHERE ${of(P.leadId)})`),
    d.delete(P).where(of(P.leadId)),
    d.delete(A).where(of(A.leadId)),
    d.delete(E).where(of(E.leadId)),
    d.delete(C).where(of(C.leadId)),
    d.delete(RT).where(of(RT.leadId)),
    d.delete(CV).where(of(CV.leadId)),
    d.delete(FB).where(of(FB.leadId)),
    d.delete(SA).where(of(SA.leadId)),
    d.delete(L).where(of(L.id)),
  ]);
  return res[9].meta.changes ?? 0;
}

/** Where an archived lead is: its file and the source that sent it. */
export async function archivedLeadEntry(env: DbEnv, id: string): Promise<{ key: string; sourceId: string; day: string } | undefined> {
  return mainDb(env).select({ key: AL.key, sourceId: AL.sourceId, day: AL.day }).from(AL).where(eq(AL.id, id)).get();
}

/** A page of the archive files of a day range (inclusive), in (day, key) order, after a cursor. */
export async function archiveFiles(
  env: DbEnv,
  q: { fromDay: string; toDay: string; after?: { day: string; key: string }; limit: number },
): Promise<{ day: string; key: string }[]> {
  const after = q.after;
  return mainDb(env)
    .selectDistinct({ day: AL.day, key: AL.key })
    .from(AL)
    .where(
      and(
        sql`${AL.day} >= ${q.fromDay}`,
        sql`${AL.day} <= ${q.toDay}`,
        after ? or(gt(AL.day, after.day), and(eq(AL.day, after.day), gt(AL.key, after.key))) : undefined,
      ),
    )
    .orderBy(asc(AL.day), asc(AL.key))
    .limit(q.limit);
}

/** The leads the index places in one file (a file may also hold stale copies of leads archived again later). */
export async function leadsInFile(env: DbEnv, day: string, key: string): Promise<Set<string>> {
  const rows = await mainDb(env)
    .select({ id: AL.id })
    .from(AL)
    .where(and(eq(AL.day, day), eq(AL.key, key)));
  return new Set(rows.map((r) => r.id));
}
