import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { newId } from "../core/ids";
import { type Db, type DbEnv, isoAt, leadDb, type Stmt, schema } from "./client";
import { compiled, compiledInsert, rowValues, valuesList } from "./compiled";

const E = schema.leadEvents;

export interface TimelineEntry {
  leadId: string;
  type: string;
  buyerId?: string | null;
  data?: unknown;
  nowMs: number;
  /** A deterministic id (derived from a webhook event), so a repeated message writes nothing new. */
  id?: string;
  /** Issue 16: write only when this holds in the same batch (a batch result applied once). */
  when?: SQL;
}

/** One entry on the lead's timeline; with an explicit id, a repeat is ignored. */
export function timelineEvent(d: Db, e: TimelineEntry): Stmt {
  const id = e.id ?? newId("evt", e.nowMs);
  const data = JSON.stringify(e.data ?? {});
  const at = isoAt(e.nowMs);
  if (e.when) {
    const L = schema.leads;
    return d.insert(E).select(
      d
        .select({
          id: sql<string>`${id}`.as("id"),
          leadId: L.id,
          type: sql<string>`${e.type}`.as("type"),
          buyerId: sql<string | null>`${e.buyerId ?? null}`.as("buyer_id"),
          data: sql<string>`${data}`.as("data"),
          createdAt: sql<string>`${at}`.as("created_at"),
        })
        .from(L)
        .where(and(eq(L.id, e.leadId), e.when)),
    );
  }
  return (e.id ? entryOnce : entry)(d, { id, leadId: e.leadId, type: e.type, buyerId: e.buyerId ?? null, data, createdAt: at });
}

/**
 * Takes back a `routed` entry whose decision was never acted on: a sync lead's first pick made
 * before the lead was stored, let go (with its claim, in the same batch) because fresh state
 * ranked otherwise. Any other entry stays.
 */
export function unsaidRouting(d: Db, leadId: string, id: string): Stmt {
  return d.delete(E).where(and(eq(E.id, id), eq(E.leadId, leadId), eq(E.type, "routed")));
}

/** Timeline inserts are on every step of the waterfall (compiled: see compiled.ts); one with a caller's id is written once. */
const entry = compiledInsert(E);
const entryOnce = compiledInsert(E, { onConflictDoNothing: true });

/**
 * A new lead's first entries (intake's `received`, a sync lead's first `routed`) in one
 * statement, each written only if the lead's row exists: an insert that lost to a repeated key
 * writes none. With an explicit id, a repeat is ignored.
 */
export function newLeadEntries(d: Db, leadId: string, entries: readonly Omit<TimelineEntry, "leadId" | "when">[]): Stmt {
  const rows = entries.map((e) => ({
    id: e.id ?? newId("evt", e.nowMs),
    type: e.type,
    buyerId: e.buyerId ?? null,
    data: JSON.stringify(e.data ?? {}),
    createdAt: isoAt(e.nowMs),
  }));
  return entriesIfLead(d, rowValues(rows, ENTRY_COLS, { leadId }), String(entries.length));
}

/** `newLeadEntries`' statement, compiled per number of entries. */
const entriesIfLead = compiled<Record<string, unknown>, Stmt>((d, p, shape) => {
  const L = schema.leads;
  return d
    .insert(E)
    .select(
      sql`SELECT e.column1, ${L.id}, e.column2, e.column3, e.column4, e.column5 FROM ${L} CROSS JOIN (${valuesList(p, ENTRY_COLS, Number(shape))}) AS e WHERE ${L.id} = ${p("leadId")}`,
    )
    .onConflictDoNothing();
});
const ENTRY_COLS = ["id", "type", "buyerId", "data", "createdAt"] as const;

/** Writes one timeline entry on its own. */
export async function addTimelineEvent(env: DbEnv, e: TimelineEntry): Promise<void> {
  const d = leadDb(env, e.leadId);
  await d.batch([timelineEvent(d, e)]);
}

/** The lead's timeline, oldest first. */
export async function timelineOf(env: DbEnv, leadId: string) {
  return leadDb(env, leadId).select().from(E).where(eq(E.leadId, leadId)).orderBy(asc(E.createdAt)).all();
}
