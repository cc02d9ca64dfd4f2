import { and, desc, eq, gte, or, sql } from "drizzle-orm";
import { sha256Hex } from "../core/crypto";
import type { NormalizedLead } from "../core/lead";
import { type Db, type DbEnv, isoAt, leadDb, leadDbs, type Stmt, schema } from "./client";
import { compiled } from "./compiled";

const H = schema.leadHashes;
const C = schema.leadBuyers;
const L = schema.leads;

export interface LeadHash {
  kind: "phone" | "email";
  hash: string;
}

/**
 * What duplicate checks keep of a lead after its personal data is purged: SHA-256 of the
 * normalized phone (E.164) and of the e-mail (trimmed, lower case). Never the raw value.
 */
export async function leadHashes(lead: Pick<NormalizedLead, "phone" | "email">): Promise<LeadHash[]> {
  const out: LeadHash[] = [];
  if (lead.phone) out.push({ kind: "phone", hash: await sha256Hex(lead.phone) });
  if (lead.email) out.push({ kind: "email", hash: await sha256Hex(lead.email.trim().toLowerCase()) });
  return out;
}

/**
 * The hash rows for a new lead, for intake's batch: each written only if the lead row was (an
 * insert that lost to a repeated key writes none), and kept when retention purges the lead.
 */
export function leadHashStmts(d: Db, leadId: string, hashes: LeadHash[], nowMs: number): Stmt[] {
  const at = isoAt(nowMs);
  return hashes.map((h) => hashIfLead(d, { leadId, kind: h.kind, hash: h.hash, createdAt: at }));
}

/** One hash row, written only if its lead's row exists (compiled: every new lead writes one or two). */
const hashIfLead = compiled<{ leadId: string; kind: "phone" | "email"; hash: string; createdAt: string }, Stmt>((d, p) =>
  d
    .insert(H)
    .select(
      d
        .select({
          leadId: L.id,
          vertical: L.vertical,
          kind: sql<"phone" | "email">`${p("kind")}`.as("kind"),
          hash: sql<string>`${p("hash")}`.as("hash"),
          createdAt: sql<string>`${p("createdAt")}`.as("created_at"),
        })
        .from(L)
        .where(eq(L.id, p("leadId"))),
    )
    .onConflictDoNothing(),
);

/** A lead received earlier with the same phone or e-mail in the same vertical. */
export interface EarlierLead {
  leadId: string;
  kind: "phone" | "email";
  receivedAtMs: number;
  sourceId: string | null;
  externalId: string | null;
  idempotencyKey: string | null;
}

/** Leads of this vertical with the same phone or e-mail hash received since `sinceMs`, newest first. */
export async function earlierLeads(env: DbEnv, vertical: string, hashes: LeadHash[], sinceMs: number, limit = 10): Promise<EarlierLead[]> {
  if (hashes.length === 0) return [];
  // The earlier lead may live on any shard: every shard at once, merged newest first.
  const per = await Promise.all(
    leadDbs(env).map((d) =>
      d
        .select({
          leadId: H.leadId,
          kind: H.kind,
          createdAt: H.createdAt,
          sourceId: L.sourceId,
          externalId: L.externalId,
          idempotencyKey: L.idempotencyKey,
        })
        .from(H)
        .leftJoin(L, eq(L.id, H.leadId))
        .where(and(eq(H.vertical, vertical), or(...hashes.map((h) => and(eq(H.kind, h.kind), eq(H.hash, h.hash)))), gte(H.createdAt, isoAt(sinceMs))))
        .orderBy(desc(H.createdAt))
        .limit(limit),
    ),
  );
  const out: EarlierLead[] = per.flat().map((r) => ({ ...r, receivedAtMs: Date.parse(r.createdAt) }));
  return out.sort((a, b) => b.receivedAtMs - a.receivedAtMs).slice(0, limit);
}

/**
 * Buyers (among `buyerIds`) that bought a lead with the same phone or e-mail hash as this lead,
 * in its vertical, since `sinceMs` — with when each last bought one. Reads only hashes and
 * claims, so it works after the earlier leads' personal data was purged. The lead's own hashes
 * come from its shard; the earlier leads may live on any shard, so every shard is asked at once
 * (each joins its own hashes to its own claims) and the answers merged.
 */
export async function buyersWhoBoughtDuplicate(env: DbEnv, leadId: string, buyerIds: string[], sinceMs: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (buyerIds.length === 0) return out;
  const mine = await leadDb(env, leadId).select({ vertical: H.vertical, kind: H.kind, hash: H.hash }).from(H).where(eq(H.leadId, leadId));
  if (mine.length === 0) return out;
  const buyers = sql.join(
    buyerIds.map((b) => sql`${b}`),
    sql`, `,
  );
  const same = sql.join(
    mine.map((h) => sql`(${H.vertical} = ${h.vertical} AND ${H.kind} = ${h.kind} AND ${H.hash} = ${h.hash})`),
    sql` OR `,
  );
  const per = await Promise.all(
    leadDbs(env).map((d) =>
      d.all<{ buyer_id: string; bought_at: string }>(sql`
    SELECT ${C.buyerId} AS buyer_id, MAX(${C.updatedAt}) AS bought_at
    FROM ${H}
    JOIN ${C} ON ${C.leadId} = ${H.leadId} AND ${C.state} IN ('accepted', 'returned') AND ${C.buyerId} IN (${buyers})
    WHERE (${same}) AND ${H.leadId} <> ${leadId} AND ${H.createdAt} >= ${isoAt(sinceMs)}
    GROUP BY ${C.buyerId}`),
    ),
  );
  for (const r of per.flat()) {
    const at = Date.parse(r.bought_at);
    out.set(r.buyer_id, Math.max(out.get(r.buyer_id) ?? 0, at));
  }
  return out;
}
