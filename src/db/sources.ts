import { and, eq } from "drizzle-orm";
import { newApiKey, sha256Hex, toBase64 } from "../core/crypto";
import { newId } from "../core/ids";
import { parseSaleTerms, type SaleTerms } from "../core/sale-terms";
import { allDatabases, type DbEnv, dbOf, mainDb, schema } from "./client";

/** A source authenticated by its API key. */
export interface SourceIdentity {
  id: string;
  name: string;
  excludedBuyers: string[];
  /** Ping/post: the source's terms of sale (absent = the defaults). */
  saleTerms?: SaleTerms;
  /** The source's quality score as its key was authenticated (a sync lead's first pick ranks on it; the batch reads it afresh). */
  qualityScore?: number | null;
}

/** Creates a source and returns its API key — the only time the key is ever visible. */
export async function createSource(
  env: DbEnv,
  input: { name: string; webhookUrl?: string; excludedBuyers?: string[] },
  nowMs: number,
): Promise<{ id: string; name: string; apiKey: string; webhookSecret?: string }> {
  const apiKey = newApiKey();
  const id = newId("src", nowMs);
  const webhookSecret = input.webhookUrl ? `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}` : undefined;
  const row = {
    id,
    name: input.name,
    keyHash: await sha256Hex(apiKey),
    keyPrefix: apiKey.slice(0, 12),
    excludedBuyers: JSON.stringify(input.excludedBuyers ?? []),
    webhookUrl: input.webhookUrl ?? null,
    webhookSecret: webhookSecret ?? null,
    createdAt: new Date(nowMs).toISOString(),
  };
  // Every lead shard keeps a copy (lead queries join it); the main copy, which authenticates,
  // is written last, so a key is never usable before every shard knows its source.
  await Promise.all(otherDatabases(env).map((d1) => dbOf(d1).insert(schema.sources).values(row).onConflictDoNothing()));
  await mainDb(env).insert(schema.sources).values(row);
  return { id, name: input.name, apiKey, ...(webhookSecret ? { webhookSecret } : {}) };
}

/**
 * How long a source found by its key is trusted without asking D1 again (per Worker isolate).
 * A revocation through the admin API takes effect at once in the isolate that served it and
 * within this time everywhere else; so does one made with `npm run source:create -- --revoke`.
 */
export const SOURCE_CACHE_MS = 30_000;
/** Keys remembered per isolate at most (the oldest is dropped first). */
const SOURCE_CACHE_SIZE = 1_000;

/**
 * Active sources by API key, until a time. Unknown and revoked keys are never cached: a new key
 * works at once. Keyed by the key as presented, so a cached key costs neither a round trip nor
 * a SHA-256; the keys live only in this isolate's memory (D1 stores only their hashes).
 */
const byKey = new Map<string, { source: SourceIdentity; until: number }>();

/** Revokes a source's key; its leads stay. Returns false when there is no such active source. */
export async function revokeSource(env: DbEnv, id: string, nowMs: number): Promise<boolean> {
  const set = { status: "revoked" as const, revokedAt: new Date(nowMs).toISOString() };
  const res = await mainDb(env)
    .update(schema.sources)
    .set(set)
    .where(and(eq(schema.sources.id, id), eq(schema.sources.status, "active")))
    .returning({ id: schema.sources.id });
  await Promise.all(otherDatabases(env).map((d1) => dbOf(d1).update(schema.sources).set(set).where(eq(schema.sources.id, id))));
  for (const [key, hit] of byKey) if (hit.source.id === id) byKey.delete(key);
  return res.length > 0;
}

/**
 * The active source owning this API key, or undefined. Intake asks on every lead, so a found
 * source is remembered for SOURCE_CACHE_MS: most leads cost no D1 round trip to authenticate.
 */
export async function findSourceByKey(env: { DB: D1Database }, apiKey: string, nowMs: number): Promise<SourceIdentity | undefined> {
  const hit = byKey.get(apiKey);
  if (hit && hit.until > nowMs) return hit.source;
  byKey.delete(apiKey);
  const hash = await sha256Hex(apiKey);
  const row = await mainDb(env)
    .select({
      id: schema.sources.id,
      name: schema.sources.name,
      status: schema.sources.status,
      excluded: schema.sources.excludedBuyers,
      saleTerms: schema.sources.saleTerms,
      quality: schema.sources.qualityScore,
    })
    .from(schema.sources)
    .where(eq(schema.sources.keyHash, hash))
    .get();
  if (row?.status !== "active") return undefined;
  const source = {
    id: row.id,
    name: row.name,
    excludedBuyers: JSON.parse(row.excluded) as string[],
    saleTerms: parseSaleTerms(row.saleTerms),
    qualityScore: row.quality,
  };
  if (byKey.size >= SOURCE_CACHE_SIZE) {
    const oldest = byKey.keys().next().value;
    if (oldest !== undefined) byKey.delete(oldest);
  }
  byKey.set(apiKey, { source, until: nowMs + SOURCE_CACHE_MS });
  return source;
}

/** Every source, oldest first (no keys: only their prefixes). */
export async function listSources(env: DbEnv) {
  const s = schema.sources;
  return mainDb(env)
    .select({
      id: s.id,
      name: s.name,
      keyPrefix: s.keyPrefix,
      status: s.status,
      qualityScore: s.qualityScore,
      webhookUrl: s.webhookUrl,
      saleTerms: s.saleTerms,
      createdAt: s.createdAt,
      revokedAt: s.revokedAt,
    })
    .from(s)
    .orderBy(s.createdAt);
}

/** Sets a source's terms of sale (ping/post). False when there is no such source. */
export async function setSaleTerms(env: DbEnv, id: string, terms: SaleTerms): Promise<boolean> {
  const set = { saleTerms: JSON.stringify(terms) };
  await Promise.all(otherDatabases(env).map((d1) => dbOf(d1).update(schema.sources).set(set).where(eq(schema.sources.id, id))));
  const res = await mainDb(env).update(schema.sources).set(set).where(eq(schema.sources.id, id)).returning({ id: schema.sources.id });
  // Other isolates see new terms when their cached copy lapses (SOURCE_CACHE_MS).
  for (const [key, hit] of byKey) if (hit.source.id === id) byKey.delete(key);
  return res.length > 0;
}

/** The lead shards other than the main database: where the reference copies of sources live. */
function otherDatabases(env: DbEnv): D1Database[] {
  return allDatabases(env).filter((d1) => d1 !== env.DB);
}

/** Routing (issue 13): a source by id (active or revoked) with its exclusions and terms, for its posting spec. */
export async function sourceById(env: { DB: D1Database }, id: string): Promise<SourceIdentity | undefined> {
  const row = await mainDb(env)
    .select({ id: schema.sources.id, name: schema.sources.name, excluded: schema.sources.excludedBuyers, saleTerms: schema.sources.saleTerms })
    .from(schema.sources)
    .where(eq(schema.sources.id, id))
    .get();
  if (!row) return undefined;
  return { id: row.id, name: row.name, excludedBuyers: JSON.parse(row.excluded) as string[], saleTerms: parseSaleTerms(row.saleTerms) };
}
