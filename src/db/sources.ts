import { and, eq } from "drizzle-orm";
import { newApiKey, sha256Hex, toBase64 } from "../core/crypto";
import { newId } from "../core/ids";
import { parseSaleTerms, type SaleTerms } from "../core/sale-terms";
import { mainDb, schema } from "./client";

/** A source authenticated by its API key. */
export interface SourceIdentity {
  id: string;
  name: string;
  excludedBuyers: string[];
  /** Ping/post: the source's terms of sale (absent = the defaults). */
  saleTerms?: SaleTerms;
}

/** Creates a source and returns its API key — the only time the key is ever visible. */
export async function createSource(
  env: { DB: D1Database },
  input: { name: string; webhookUrl?: string; excludedBuyers?: string[] },
  nowMs: number,
): Promise<{ id: string; name: string; apiKey: string; webhookSecret?: string }> {
  const apiKey = newApiKey();
  const id = newId("src", nowMs);
  const webhookSecret = input.webhookUrl ? `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}` : undefined;
  await mainDb(env)
    .insert(schema.sources)
    .values({
      id,
      name: input.name,
      keyHash: await sha256Hex(apiKey),
      keyPrefix: apiKey.slice(0, 12),
      excludedBuyers: JSON.stringify(input.excludedBuyers ?? []),
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret: webhookSecret ?? null,
      createdAt: new Date(nowMs).toISOString(),
    });
  return { id, name: input.name, apiKey, ...(webhookSecret ? { webhookSecret } : {}) };
}

/** Revokes a source's key; its leads stay. Returns false when there is no such active source. */
export async function revokeSource(env: { DB: D1Database }, id: string, nowMs: number): Promise<boolean> {
  const res = await mainDb(env)
    .update(schema.sources)
    .set({ status: "revoked", revokedAt: new Date(nowMs).toISOString() })
    .where(and(eq(schema.sources.id, id), eq(schema.sources.status, "active")))
    .returning({ id: schema.sources.id });
  return res.length > 0;
}

/** The active source owning this API key, or undefined. */
export async function findSourceByKey(env: { DB: D1Database }, apiKey: string): Promise<SourceIdentity | undefined> {
  const row = await mainDb(env)
    .select({
      id: schema.sources.id,
      name: schema.sources.name,
      status: schema.sources.status,
      excluded: schema.sources.excludedBuyers,
      saleTerms: schema.sources.saleTerms,
    })
    .from(schema.sources)
    .where(eq(schema.sources.keyHash, await sha256Hex(apiKey)))
    .get();
  if (row?.status !== "active") return undefined;
  return { id: row.id, name: row.name, excludedBuyers: JSON.parse(row.excluded) as string[], saleTerms: parseSaleTerms(row.saleTerms) };
}

/** Every source, oldest first (no keys: only their prefixes). */
export async function listSources(env: { DB: D1Database }) {
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
export async function setSaleTerms(env: { DB: D1Database }, id: string, terms: SaleTerms): Promise<boolean> {
  const res = await mainDb(env)
    .update(schema.sources)
    .set({ saleTerms: JSON.stringify(terms) })
    .where(eq(schema.sources.id, id))
    .returning({ id: schema.sources.id });
  return res.length > 0;
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
