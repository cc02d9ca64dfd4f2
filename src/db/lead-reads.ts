import { and, eq } from "drizzle-orm";
import type { NormalizedLead } from "../core/lead";
import { type DbEnv, leadDb, leadDbs, schema } from "./client";
import { openLead, type SealEnv } from "./lead-data";
import type { LeadStatus } from "./lead-state";

const L = schema.leads;
const S = schema.sources;

export type LeadRow = typeof L.$inferSelect;

/** The lead a repeated request refers to: by idempotency key first, then by external id. */
export async function findLeadByKeys(
  env: DbEnv & SealEnv,
  sourceId: string,
  keys: { idempotencyKey?: string | undefined; externalId?: string | undefined },
): Promise<{ id: string; data: NormalizedLead; status: LeadStatus } | undefined> {
  for (const d of leadDbs(env)) {
    const by = [
      keys.idempotencyKey ? eq(L.idempotencyKey, keys.idempotencyKey) : undefined,
      keys.externalId ? eq(L.externalId, keys.externalId) : undefined,
    ].filter((c) => c !== undefined);
    for (const cond of by) {
      const row = await d
        .select({ id: L.id, data: L.data, status: L.status })
        .from(L)
        .where(and(eq(L.sourceId, sourceId), cond))
        .get();
      if (row) return { id: row.id, data: await openLead(env, row.data), status: row.status };
    }
  }
  return undefined;
}

/** The lead's current status, or undefined when there is no such lead. */
export async function leadStatus(env: DbEnv, leadId: string): Promise<LeadStatus | undefined> {
  const row = await leadDb(env, leadId).select({ status: L.status }).from(L).where(eq(L.id, leadId)).get();
  return row?.status;
}

/** One lead row (its personal data still sealed); when `sourceId` is given, only if that source owns it. */
export async function getLeadRow(env: DbEnv, leadId: string, sourceId?: string): Promise<LeadRow | undefined> {
  return leadDb(env, leadId)
    .select()
    .from(L)
    .where(sourceId ? and(eq(L.id, leadId), eq(L.sourceId, sourceId)) : eq(L.id, leadId))
    .get();
}

/** A lead as the views read it: the row with the normalized lead opened (`{}` once retention purged it). */
export type LeadRecord = Omit<LeadRow, "data" | "raw"> & { lead: NormalizedLead | Record<string, never> };

/** One lead with its normalized data opened; when `sourceId` is given, only if that source owns it. */
export async function getLead(env: DbEnv & SealEnv, leadId: string, sourceId?: string): Promise<LeadRecord | undefined> {
  const row = await getLeadRow(env, leadId, sourceId);
  if (!row) return undefined;
  const { data, raw: _raw, ...rest } = row;
  return { ...rest, lead: row.purgedAt ? {} : await openLead(env, data) };
}

/** Whether the lead's source takes event webhooks. */
export async function sourceHasWebhook(env: DbEnv, leadId: string): Promise<boolean> {
  const row = await leadDb(env, leadId).select({ url: S.webhookUrl }).from(L).innerJoin(S, eq(S.id, L.sourceId)).where(eq(L.id, leadId)).get();
  return Boolean(row?.url);
}

/** What a source's event webhook carries, with the source's webhook target. */
export async function notificationTarget(env: DbEnv, leadId: string) {
  return leadDb(env, leadId)
    .select({
      id: L.id,
      status: L.status,
      soldBuyerId: L.soldBuyerId,
      soldPrice: L.soldPrice,
      buyerLeadId: L.buyerLeadId,
      outcomeReasons: L.outcomeReasons,
      externalId: L.externalId,
      webhookUrl: S.webhookUrl,
      webhookSecret: S.webhookSecret,
    })
    .from(L)
    .innerJoin(S, eq(S.id, L.sourceId))
    .where(eq(L.id, leadId))
    .get();
}
