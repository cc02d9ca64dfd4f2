import { and, eq, notExists, sql } from "drizzle-orm";
import { returnClaim } from "./claims";
import { allDatabases, changed, type DbEnv, dbOf, isoAt, leadBinding, leadDb, schema } from "./client";
import { leadVerticalKey, rollupStmt } from "./rollups";
import { returnStatStmt } from "./routing-stats";
import { timelineEvent } from "./timeline";

const S = schema.sources;
const L = schema.leads;
const R = schema.returns;
const CV = schema.conversions;
const FB = schema.feedback;

/** quality_score moved by `delta`, kept within 0–100. */
function movedScore(delta: number) {
  return sql`MAX(0, MIN(100, ${S.qualityScore} + ${delta}))`;
}

/**
 * The source's score moved in the databases other than the lead's (each lead shard keeps a copy
 * of sources, see shards.ts): done after the lead's batch, and only when that batch inserted
 * the feedback or return row, so a repeated message moves no copy twice. A crash between the
 * two leaves the other copies one step behind (the score is a routing hint, not money).
 */
async function moveScoreElsewhere(env: DbEnv, leadDbBinding: D1Database, sourceId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await Promise.all(
    allDatabases(env)
      .filter((d1) => d1 !== leadDbBinding)
      .map((d1) =>
        dbOf(d1)
          .update(S)
          .set({ qualityScore: movedScore(delta) })
          .where(eq(S.id, sourceId)),
      ),
  );
}

interface Effect {
  leadId: string;
  buyerId: string;
  sourceId: string;
  /** Deterministic ids derived from the stored webhook event: a repeated message writes nothing new. */
  rowId: string;
  timelineId: string;
  eventId: string;
  nowMs: number;
}

/** One conversion per lead and buyer, with its timeline entry. */
export async function recordConversion(env: DbEnv, e: Effect & { revenue: number }): Promise<void> {
  const d = leadDb(env, e.leadId);
  await d.batch([
    // Counted only by the batch that inserts the conversion (it runs before the insert).
    rollupStmt(d, {
      atMs: e.nowMs,
      buyer: e.buyerId,
      source: e.sourceId,
      vertical: leadVerticalKey(e.leadId),
      counts: e.revenue ? { conversions: 1, conversion_revenue: e.revenue } : { conversions: 1 },
      when: notExists(
        d
          .select({ one: sql`1` })
          .from(CV)
          .where(and(eq(CV.leadId, e.leadId), eq(CV.buyerId, e.buyerId))),
      ),
    }),
    d
      .insert(CV)
      .values({ id: e.rowId, leadId: e.leadId, buyerId: e.buyerId, sourceId: e.sourceId, revenue: e.revenue, createdAt: isoAt(e.nowMs) })
      .onConflictDoNothing({ target: [CV.leadId, CV.buyerId] }),
    timelineEvent(d, {
      id: e.timelineId,
      leadId: e.leadId,
      type: "converted",
      buyerId: e.buyerId,
      data: { revenue: e.revenue, eventId: e.eventId },
      nowMs: e.nowMs,
    }),
  ]);
}

/** Quality feedback: the row, the source's score moved (only by the batch that inserts the row), the timeline. */
export async function recordFeedback(env: DbEnv, e: Effect & { kind: string; delta: number }): Promise<void> {
  const d = leadDb(env, e.leadId);
  const res = await d.batch([
    d
      .update(S)
      .set({ qualityScore: movedScore(e.delta) })
      .where(and(eq(S.id, e.sourceId), notExists(d.select({ one: sql`1` }).from(FB).where(eq(FB.id, e.rowId))))),
    d
      .insert(FB)
      .values({ id: e.rowId, leadId: e.leadId, buyerId: e.buyerId, sourceId: e.sourceId, kind: e.kind, scoreDelta: e.delta, createdAt: isoAt(e.nowMs) })
      .onConflictDoNothing(),
    timelineEvent(d, {
      id: e.timelineId,
      leadId: e.leadId,
      type: "feedback",
      buyerId: e.buyerId,
      data: { kind: e.kind, scoreDelta: e.delta, eventId: e.eventId },
      nowMs: e.nowMs,
    }),
  ]);
  if (changed(res[1]) > 0) await moveScoreElsewhere(env, leadBinding(env, e.leadId), e.sourceId, e.delta);
}

/**
 * An accepted return, in one transaction: the return row (credit = sale price), the claim
 * marked returned, the lead's returned_at, the source's score down — each guarded so only the
 * batch that inserts the return has any effect.
 */
export async function recordReturn(
  env: DbEnv,
  e: Effect & {
    reasonCode: string;
    credit: number;
    scoreDelta: number /** Routing (issue 13): the buyer's local day the return counts under. */;
    statsDay?: string;
  },
): Promise<void> {
  const d = leadDb(env, e.leadId);
  const notYet = () =>
    notExists(
      d
        .select({ one: sql`1` })
        .from(R)
        .where(and(eq(R.leadId, e.leadId), eq(R.buyerId, e.buyerId))),
    );
  const at = isoAt(e.nowMs);
  const res = await d.batch([
    d
      .update(S)
      .set({ qualityScore: movedScore(e.scoreDelta) })
      .where(and(eq(S.id, e.sourceId), notYet())),
    d
      .update(L)
      .set({ returnedAt: at, updatedAt: at })
      .where(and(eq(L.id, e.leadId), notYet())),
    rollupStmt(d, {
      atMs: e.nowMs,
      buyer: e.buyerId,
      source: e.sourceId,
      vertical: leadVerticalKey(e.leadId),
      counts: e.credit ? { returns: 1, credited: e.credit } : { returns: 1 },
      when: notYet(),
    }),
    returnClaim(d, e.leadId, e.buyerId, `returned: ${e.reasonCode}`, e.nowMs),
    // Routing (issue 13): the return in the buyer's figures (EPL's returns per lead), guarded like the rest.
    ...(e.statsDay ? [returnStatStmt(d, { leadId: e.leadId, buyerId: e.buyerId, day: e.statsDay, credit: e.credit, nowMs: e.nowMs })] : []),
    d
      .insert(R)
      .values({ id: e.rowId, leadId: e.leadId, buyerId: e.buyerId, sourceId: e.sourceId, reasonCode: e.reasonCode, credit: e.credit, createdAt: at })
      .onConflictDoNothing({ target: [R.leadId, R.buyerId] }),
    timelineEvent(d, {
      id: e.timelineId,
      leadId: e.leadId,
      type: "returned",
      buyerId: e.buyerId,
      data: { reasonCode: e.reasonCode, credit: e.credit, eventId: e.eventId },
      nowMs: e.nowMs,
    }),
  ]);
  if (changed(res[5]) > 0) await moveScoreElsewhere(env, leadBinding(env, e.leadId), e.sourceId, e.scoreDelta);
}
