import { and, desc, eq, gte, or, sql } from "drizzle-orm";
import { hmacSha256Hex, sha256Hex } from "../core/crypto";
import { type HashKey, parseHashKeys } from "../core/hash-keys";
import type { NormalizedLead } from "../core/lead";
import { type Db, type DbEnv, isoAt, leadDbs, type Stmt, schema } from "./client";
import { compiled, rowValues, valuesList } from "./compiled";

const H = schema.leadHashes;
const C = schema.leadBuyers;
const L = schema.leads;

export interface LeadHash {
  kind: "phone" | "email";
  hash: string;
}

/** The secret duplicate hashes are keyed with (`npx wrangler secret put DEDUPE_HASH_KEY`; a rotation lists several, see core/hash-keys). */
export interface HashEnv {
  DEDUPE_HASH_KEY?: string | undefined;
}

/**
 * Stored hashes start with the id of the key that made them (`k1:`, `k2:` …, see
 * core/hash-keys); rows written before keyed hashing are bare 64-hex SHA-256 ("legacy").
 * Legacy hashes are looked up too, so a duplicate of a lead received before the
 * key was introduced is still caught. Such rows stop mattering once the newest is older than the
 * longest duplicate window (365 days: a source's `rejectDuplicatesDays`, a buyer's `dedupe.days`);
 * then delete them (`DELETE FROM lead_hashes WHERE hash NOT LIKE 'k%:%'`) and set this to false
 * (README, "Duplicate hashes").
 */
const READ_LEGACY_HASHES = true;

/** The normalized values duplicates are matched on: phone (E.164) and e-mail (trimmed, lower case). */
function hashedValues(lead: Pick<NormalizedLead, "phone" | "email">): { kind: LeadHash["kind"]; value: string }[] {
  const out: { kind: LeadHash["kind"]; value: string }[] = [];
  if (lead.phone) out.push({ kind: "phone", value: lead.phone });
  if (lead.email) out.push({ kind: "email", value: lead.email.trim().toLowerCase() });
  return out;
}

/**
 * The keys, the writing one first, or an error naming the missing secret. Never a fallback to
 * unkeyed hashes: a phone number has ~10^10 values, so its plain SHA-256 is reversed by
 * enumeration in minutes. Parsed once per value (intake hashes every lead).
 */
function hashKeys(env: HashEnv): HashKey[] {
  const value = env.DEDUPE_HASH_KEY;
  const hit = parsed.get(value ?? "");
  if (hit) return hit;
  const keys = parseHashKeys(value);
  if (!keys) {
    throw new Error(
      "DEDUPE_HASH_KEY is not set: duplicate hashes are keyed (HMAC-SHA-256) and cannot be computed without it — npx wrangler secret put DEDUPE_HASH_KEY (development: .dev.vars)",
    );
  }
  parsed.set(value ?? "", keys);
  return keys;
}
const parsed = new Map<string, HashKey[]>();

async function hashesUnder(key: HashKey, lead: Pick<NormalizedLead, "phone" | "email">): Promise<LeadHash[]> {
  return Promise.all(hashedValues(lead).map(async (v) => ({ kind: v.kind, hash: `${key.id}:${await hmacSha256Hex(key.secret, v.value)}` })));
}

/**
 * What duplicate checks keep of a lead after its personal data is purged: HMAC-SHA-256, under
 * `DEDUPE_HASH_KEY`, of the normalized phone and e-mail. Never the raw value, and not a plain
 * hash either (which enumeration would reverse). Throws when the key is not set.
 */
export async function leadHashes(env: HashEnv, lead: Pick<NormalizedLead, "phone" | "email">): Promise<LeadHash[]> {
  const [writing] = hashKeys(env);
  return writing ? hashesUnder(writing, lead) : [];
}

/**
 * The hashes a lead's duplicates may be stored under: under every key of `DEDUPE_HASH_KEY` (the
 * writing one and, during a rotation, the older ones), and (while READ_LEGACY_HASHES) the
 * legacy plain SHA-256.
 */
export async function lookupHashes(env: HashEnv, lead: Pick<NormalizedLead, "phone" | "email">): Promise<LeadHash[]> {
  const keyed = (await Promise.all(hashKeys(env).map((k) => hashesUnder(k, lead)))).flat();
  if (!READ_LEGACY_HASHES) return keyed;
  const legacy = await Promise.all(hashedValues(lead).map(async (v) => ({ kind: v.kind, hash: await sha256Hex(v.value) })));
  return [...keyed, ...legacy];
}

/**
 * The hash rows for a new lead, for intake's batch, in one statement: written only if the lead
 * row was (an insert that lost to a repeated key writes none), and kept when retention purges
 * the lead. None when the lead has neither phone nor e-mail.
 */
export function leadHashStmts(d: Db, leadId: string, hashes: LeadHash[], nowMs: number): Stmt[] {
  if (hashes.length === 0) return [];
  return [hashesIfLead(d, rowValues(hashes, HASH_COLS, { leadId, createdAt: isoAt(nowMs) }), String(hashes.length))];
}

/**
 * A new lead's hash rows (its shape: how many), copied with the lead's vertical from its row,
 * so none is written without it (compiled: every new lead writes one or two).
 */
const hashesIfLead = compiled<Record<string, unknown>, Stmt>((d, p, shape) =>
  d
    .insert(H)
    .select(
      sql`SELECT ${L.id}, ${L.vertical}, h.column1, h.column2, ${p("createdAt")} FROM ${L} CROSS JOIN (${valuesList(p, HASH_COLS, Number(shape))}) AS h WHERE ${L.id} = ${p("leadId")}`,
    )
    .onConflictDoNothing(),
);
const HASH_COLS = ["kind", "hash"] as const;

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
 * claims, so it works after the earlier leads' personal data was purged. This lead's lookup
 * hashes (keyed and legacy) are computed from its data; the earlier leads may live on any
 * shard, so every shard is asked at once (each joins its own hashes to its own claims) and the
 * answers merged.
 */
export async function buyersWhoBoughtDuplicate(
  env: DbEnv & HashEnv,
  leadId: string,
  lead: Pick<NormalizedLead, "vertical" | "phone" | "email">,
  buyerIds: string[],
  sinceMs: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (buyerIds.length === 0) return out;
  const mine = await lookupHashes(env, lead);
  if (mine.length === 0) return out;
  const buyers = sql.join(
    buyerIds.map((b) => sql`${b}`),
    sql`, `,
  );
  const same = sql.join(
    mine.map((h) => sql`(${H.kind} = ${h.kind} AND ${H.hash} = ${h.hash})`),
    sql` OR `,
  );
  const per = await Promise.all(
    leadDbs(env).map((d) =>
      d.all<{ buyer_id: string; bought_at: string }>(sql`
    SELECT ${C.buyerId} AS buyer_id, MAX(${C.updatedAt}) AS bought_at
    FROM ${H}
    JOIN ${C} ON ${C.leadId} = ${H.leadId} AND ${C.state} IN ('accepted', 'returned') AND ${C.buyerId} IN (${buyers})
    WHERE ${H.vertical} = ${lead.vertical} AND (${same}) AND ${H.leadId} <> ${leadId} AND ${H.createdAt} >= ${isoAt(sinceMs)}
    GROUP BY ${C.buyerId}`),
    ),
  );
  for (const r of per.flat()) {
    const at = Date.parse(r.bought_at);
    out.set(r.buyer_id, Math.max(out.get(r.buyer_id) ?? 0, at));
  }
  return out;
}
