import { and, eq } from "drizzle-orm";
import type { NormalizedLead } from "../core/lead";
import { type DbEnv, leadDbs, schema } from "./client";
import { openJson, openLead, type SealEnv } from "./lead-data";
import type { LeadStatus } from "./lead-state";

const L = schema.leads;

/** The lead a source stored under an idempotency key, with what its body is compared by. */
export async function leadByIdempotencyKey(
  env: DbEnv & SealEnv,
  sourceId: string,
  key: string,
): Promise<{ id: string; data: NormalizedLead; status: LeadStatus; idempotencyHash: string | null; raw: unknown } | undefined> {
  for (const d of leadDbs(env)) {
    const row = await d
      .select({ id: L.id, data: L.data, status: L.status, idempotencyHash: L.idempotencyHash, raw: L.raw })
      .from(L)
      .where(and(eq(L.sourceId, sourceId), eq(L.idempotencyKey, key)))
      .get();
    if (row) return { ...row, data: await openLead(env, row.data), raw: await openJson<unknown>(env, row.raw) };
  }
  return undefined;
}
