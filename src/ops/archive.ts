/**
 * Hot and cold data (issue 17). D1 keeps a lead for ARCHIVE_AFTER_DAYS; then the minute cron
 * moves it, in bounded batches per shard, to R2 (the `ARCHIVE` bucket) as day-partitioned gzip
 * NDJSON — `leads/<received day>/<shard>-<first lead id>-<run>.ndjson.gz`, one line per lead
 * with every row keyed by it and its personal data purged — and deletes it from D1.
 *
 * The order makes a crash at any point safe: (1) the file is written, (2) the main database's
 * `archived_leads` index points each lead at it with the version written, (3) the shard deletes
 * each lead only while it is still ended and at that version. A crash after (1) leaves a file
 * no index row points to (never read: the export and the status API go through the index); a
 * crash after (2) leaves leads the next run finds indexed at their version, which it only
 * deletes. A lead that changed in between (a late return re-offering it) keeps its D1 rows and
 * is archived again, later, to a new file the index then points to. Nothing is lost, nothing
 * is read twice.
 */
import {
  type ArchivedLeadRecord,
  archiveCandidates,
  archivedLeadEntry,
  archivedVersions,
  archiveFiles,
  deleteArchivedLeads,
  indexArchived,
  leadsInFile,
  readLeadRecords,
} from "../db/archive";
import { type DbEnv, leadDbs } from "../db/client";
import { TERMINAL_STATUSES } from "../db/lead-state";

const DAY_MS = 86_400_000;
/** Batches per shard per cron run: up to this × ARCHIVE_BATCH leads a shard a minute. */
const MAX_ARCHIVE_STEPS = 10;
/** Days one export request may span. */
export const MAX_EXPORT_DAYS = 31;

/** The bindings and vars the archive reads. */
export interface ArchiveEnv extends DbEnv {
  ARCHIVE: R2Bucket;
  ARCHIVE_AFTER_DAYS?: string;
  ARCHIVE_BATCH?: string;
}

/** ARCHIVE_AFTER_DAYS (0 = off; default 14) and ARCHIVE_BATCH (1–45; default 45) read from the vars. */
export function archiveSettings(env: ArchiveEnv): { afterDays: number; batch: number } {
  const days = Number(env.ARCHIVE_AFTER_DAYS ?? "14");
  const batch = Number(env.ARCHIVE_BATCH ?? "45");
  if (!Number.isInteger(days) || days < 0 || days > 3650)
    throw new Error(`ARCHIVE_AFTER_DAYS must be a whole number of days 0–3650, got ${env.ARCHIVE_AFTER_DAYS}`);
  if (!Number.isInteger(batch) || batch < 1 || batch > 45) throw new Error(`ARCHIVE_BATCH must be 1–45 leads, got ${env.ARCHIVE_BATCH}`);
  return { afterDays: days, batch };
}

export interface ArchiveFile {
  key: string;
  leads: number;
  bytes: number;
  rawBytes: number;
}

export interface ArchiveReport {
  /** Leads whose D1 rows were deleted after their record was in R2. */
  archived: number;
  files: ArchiveFile[];
}

async function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

async function gunzip(body: ReadableStream): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** One batch on one shard: candidates → file → index → delete. Returns what it did (no file when there was nothing new to write). */
async function archiveBatch(
  env: ArchiveEnv,
  shard: number,
  beforeMs: number,
  batch: number,
  nowMs: number,
): Promise<{ seen: number; deleted: number; file?: ArchiveFile }> {
  const d = leadDbs(env)[shard];
  if (!d) return { seen: 0, deleted: 0 };
  const candidates = await archiveCandidates(d, beforeMs, batch);
  if (candidates.length === 0) return { seen: 0, deleted: 0 };
  const indexed = await archivedVersions(
    env,
    candidates.map((c) => c.id),
  );
  // Already in a file at this very version (a crash after the index was written): only delete.
  const todo = candidates.filter((c) => indexed.get(c.id)?.leadUpdatedAt !== c.updatedAt);
  let file: ArchiveFile | undefined;
  const versions = new Map(candidates.map((c) => [c.id, c.updatedAt]));
  const first = todo[0];
  if (first) {
    // Read in one transaction; a lead that left its ended state since the candidate query (a
    // return re-offered it) is not written and, by the delete's guard, not deleted.
    const records = (
      await readLeadRecords(
        d,
        todo.map((c) => c.id),
        shard,
        nowMs,
      )
    ).filter((r) => TERMINAL_STATUSES.includes(r.lead.status) && r.lead.leaseOwner === null);
    const day = first.createdAt.slice(0, 10);
    const key = `leads/${day}/${shard}-${first.id}-${nowMs.toString(36)}.ndjson.gz`;
    const text = records.map((r) => JSON.stringify(r)).join("\n") + (records.length > 0 ? "\n" : "");
    const body = await gzip(text);
    await env.ARCHIVE.put(key, body, {
      httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
      customMetadata: { shard: String(shard), leads: String(records.length), day },
    });
    // The version written is the one read with the records (a lead changed since the candidate query keeps its newer rows).
    for (const r of records) versions.set(r.id, r.lead.updatedAt);
    await indexArchived(
      env,
      records.map((r) => ({ id: r.id, key, day, shard, sourceId: r.lead.sourceId, leadUpdatedAt: r.lead.updatedAt })),
      nowMs,
    );
    file = { key, leads: records.length, bytes: body.byteLength, rawBytes: new TextEncoder().encode(text).byteLength };
  }
  const deleted = await deleteArchivedLeads(
    d,
    [...versions].map(([id, updatedAt]) => ({ id, updatedAt })),
  );
  return { seen: candidates.length, deleted, ...(file ? { file } : {}) };
}

/**
 * Archives the leads received more than ARCHIVE_AFTER_DAYS ago that have ended, every shard at
 * once, each in batches of ARCHIVE_BATCH repeated while a batch comes back full (at most
 * MAX_ARCHIVE_STEPS a run), so a backlog drains in bounded steps a minute.
 */
export async function runArchive(env: ArchiveEnv, nowMs: number): Promise<ArchiveReport> {
  const { afterDays, batch } = archiveSettings(env);
  const report: ArchiveReport = { archived: 0, files: [] };
  if (afterDays === 0) return report;
  const beforeMs = nowMs - afterDays * DAY_MS;
  const perShard = await Promise.all(
    leadDbs(env).map(async (_d, shard) => {
      const out: ArchiveReport = { archived: 0, files: [] };
      for (let i = 0; i < MAX_ARCHIVE_STEPS; i++) {
        // Each batch its own run stamp, so two batches of one run never share a file name.
        const r = await archiveBatch(env, shard, beforeMs, batch, nowMs + i);
        out.archived += r.deleted;
        if (r.file) out.files.push(r.file);
        // A batch that deleted nothing made no progress (every candidate changed meanwhile): try next minute.
        if (r.seen < batch || r.deleted === 0) break;
      }
      return out;
    }),
  );
  for (const r of perShard) {
    report.archived += r.archived;
    report.files.push(...r.files);
  }
  return report;
}

async function readFile(env: ArchiveEnv, key: string): Promise<ArchivedLeadRecord[]> {
  const obj = await env.ARCHIVE.get(key);
  if (!obj) throw new Error(`archive file ${key} is in the index but not in R2`);
  const text = await gunzip(obj.body);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as ArchivedLeadRecord);
}

/** An archived lead's record, when the index has it (and, with `sourceId`, only if that source sent it). */
export async function readArchivedLead(env: ArchiveEnv, id: string, sourceId?: string): Promise<ArchivedLeadRecord | undefined> {
  const entry = await archivedLeadEntry(env, id);
  if (!entry || (sourceId !== undefined && entry.sourceId !== sourceId)) return undefined;
  return (await readFile(env, entry.key)).find((r) => r.id === id);
}

/** A day as `YYYY-MM-DD` (UTC), or undefined when `s` is not one. */
export function parseDay(s: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s ? undefined : s;
}

/** Days from `from` to `to` inclusive. */
export function daySpan(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * The archived leads received on the days `fromDay`…`toDay` (inclusive), as NDJSON, one file at
 * a time (memory stays one file): each line a lead's record, only where the index places it
 * (a stale copy in an older file is skipped).
 */
export function exportArchive(env: ArchiveEnv, fromDay: string, toDay: string): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let after: { day: string; key: string } | undefined;
  let page: { day: string; key: string }[] = [];
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (page.length === 0) {
          if (done) {
            controller.close();
            return;
          }
          page = await archiveFiles(env, { fromDay, toDay, ...(after ? { after } : {}), limit: 50 });
          if (page.length < 50) done = true;
          if (page.length === 0) continue;
        }
        const f = page.shift();
        if (!f) continue;
        after = f;
        const [ids, records] = await Promise.all([leadsInFile(env, f.day, f.key), readFile(env, f.key)]);
        const lines = records.filter((r) => ids.has(r.id)).map((r) => `${JSON.stringify(r)}\n`);
        if (lines.length > 0) {
          controller.enqueue(enc.encode(lines.join("")));
          return;
        }
      }
    },
  });
}
