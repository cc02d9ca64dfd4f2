import { and, asc, eq, inArray, isNull, lt } from "drizzle-orm";
import { redact, redactString } from "../observability/redact";
import { type DbEnv, isoAt, leadDbs, mainDb, schema } from "./client";

const L = schema.leads;
const A = schema.deliveryAttempts;
const E = schema.leadEvents;
const C = schema.leadBuyers;
const W = schema.webhookEvents;
const DL = schema.deadLetters;
const H = schema.leadHashes;
const RT = schema.returns;
const CV = schema.conversions;
const FB = schema.feedback;

/** Lead ids per step: each id is a bound parameter and D1 allows 100 per statement. */
const MAX_IDS = 90;

/** What a purged lead keeps in its personal-data columns. */
export const PURGED = JSON.stringify({ purged: true });

export interface PurgeReport {
  leads: number;
  attempts: number;
  webhookEvents: number;
  deadLetters: number;
}

/**
 * Removes personal data older than `beforeMs`, at most `limit` rows of each kind per call
 * (the cron calls it every minute, so a backlog drains in bounded steps):
 * - leads: the normalized lead and the raw post are replaced by `{"purged":true}` and
 *   `purged_at` is set; status, source, vertical, buyer, price, times and the timeline stay
 *   (timeline and claim texts pass the redaction once more), and so do the duplicate hashes;
 * - attempts: the masked request, the buyer's response and the encrypted exact request are
 *   removed; the sanitized row (buyer, status code, outcome, class, reason, latency, price) stays
 *   for the compliance period;
 * - buyers' callbacks: the stored payload is emptied; dead letters (which may carry one) go.
 * Each step reads its candidates through a partial index on the rows not yet purged.
 */
export async function purgePersonalData(env: DbEnv, q: { beforeMs: number; limit: number; nowMs: number }): Promise<PurgeReport> {
  const before = isoAt(q.beforeMs);
  const now = isoAt(q.nowMs);
  const report: PurgeReport = { leads: 0, attempts: 0, webhookEvents: 0, deadLetters: 0 };
  for (const d of leadDbs(env)) {
    const ids = (
      await d
        .select({ id: L.id })
        .from(L)
        .where(and(isNull(L.purgedAt), lt(L.createdAt, before)))
        .orderBy(asc(L.createdAt))
        .limit(Math.min(q.limit, MAX_IDS))
    ).map((r) => r.id);
    if (ids.length > 0) {
      const [events, claims] = await Promise.all([
        d.select({ id: E.id, data: E.data }).from(E).where(inArray(E.leadId, ids)),
        d.select({ leadId: C.leadId, buyerId: C.buyerId, reason: C.reason }).from(C).where(inArray(C.leadId, ids)),
      ]);
      const fixes = [
        ...events
          .map((e) => ({ e, masked: JSON.stringify(redact(JSON.parse(e.data) as unknown)) }))
          .filter(({ e, masked }) => masked !== e.data)
          .map(({ e, masked }) => d.update(E).set({ data: masked }).where(eq(E.id, e.id))),
        ...claims
          .filter((c) => c.reason !== null && redactString(c.reason) !== c.reason)
          .map((c) =>
            d
              .update(C)
              .set({ reason: redactString(c.reason ?? "") })
              .where(and(eq(C.leadId, c.leadId), eq(C.buyerId, c.buyerId))),
          ),
      ];
      const res = await d.batch([
        d
          .update(L)
          .set({ data: PURGED, raw: PURGED, purgedAt: now })
          .where(and(inArray(L.id, ids), isNull(L.purgedAt))),
        ...fixes,
      ]);
      report.leads += res[0].meta.changes ?? 0;
    }

    const [att] = await d.batch([
      d
        .update(A)
        .set({ requestMasked: PURGED, requestEncrypted: null, keyId: null, responseBody: null, purgedAt: now })
        .where(
          inArray(
            A.id,
            d
              .select({ id: A.id })
              .from(A)
              .where(and(isNull(A.purgedAt), lt(A.createdAt, before)))
              .orderBy(asc(A.createdAt))
              .limit(q.limit),
          ),
        ),
    ]);
    report.attempts += att.meta.changes ?? 0;
  }

  const m = mainDb(env);
  const [hooks, dead] = await m.batch([
    m
      .update(W)
      .set({ payload: "{}", purgedAt: now })
      .where(
        inArray(
          W.id,
          m
            .select({ id: W.id })
            .from(W)
            .where(and(isNull(W.purgedAt), lt(W.receivedAt, before)))
            .orderBy(asc(W.receivedAt))
            .limit(q.limit),
        ),
      ),
    m.delete(DL).where(inArray(DL.id, m.select({ id: DL.id }).from(DL).where(lt(DL.createdAt, before)).orderBy(asc(DL.createdAt)).limit(q.limit))),
  ]);
  report.webhookEvents = hooks.meta.changes ?? 0;
  report.deadLetters = dead.meta.changes ?? 0;
  return report;
}

export interface ExpiryReport {
  attempts: number;
  leads: number;
}

/**
 * Past the compliance period even the sanitized records go: attempts, then whole leads (with
 * their claims, timeline, hashes, returns, conversions and feedback), at most `limit` each per call.
 */
export async function deleteExpiredRecords(env: DbEnv, q: { beforeMs: number; limit: number }): Promise<ExpiryReport> {
  const before = isoAt(q.beforeMs);
  const report: ExpiryReport = { attempts: 0, leads: 0 };
  for (const d of leadDbs(env)) {
    const [att] = await d.batch([
      d.delete(A).where(inArray(A.id, d.select({ id: A.id }).from(A).where(lt(A.createdAt, before)).orderBy(asc(A.createdAt)).limit(q.limit))),
    ]);
    report.attempts += att.meta.changes ?? 0;
    const ids = (await d.select({ id: L.id }).from(L).where(lt(L.createdAt, before)).orderBy(asc(L.createdAt)).limit(Math.min(q.limit, MAX_IDS))).map(
      (r) => r.id,
    );
    if (ids.length === 0) continue;
    const res = await d.batch([
      d.delete(A).where(inArray(A.leadId, ids)),
      d.delete(E).where(inArray(E.leadId, ids)),
      d.delete(C).where(inArray(C.leadId, ids)),
      d.delete(H).where(inArray(H.leadId, ids)),
      d.delete(RT).where(inArray(RT.leadId, ids)),
      d.delete(CV).where(inArray(CV.leadId, ids)),
      d.delete(FB).where(inArray(FB.leadId, ids)),
      d.delete(L).where(inArray(L.id, ids)),
    ]);
    report.leads += res[7].meta.changes ?? 0;
  }
  return report;
}
