import { eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import { type PayoutRule, parseSaleTerms, type SaleTerms } from "../core/sale-terms";
import { type Db, type DbEnv, isoAt, leadDb, mainDb, type Stmt, schema } from "./client";
import { compiledInsert } from "./compiled";
import { type AuctionBid, openBidQuery, toBid } from "./pings";

const S = schema.sales;
const L = schema.leads;
const SRC = schema.sources;
const C = schema.leadBuyers;

/** One sale of a lead to a buyer, as the sale's batch records it. */
export interface SaleRecord {
  leadId: string;
  buyerId: string;
  sourceId: string;
  deliveryId: string;
  pingId: string | null;
  bidId: string | null;
  buyerBidId: string | null;
  price: number;
  payout: number | null;
  test: boolean;
  nowMs: number;
}

/**
 * The sale row; goes into the batch that accepts the claim (a repeat writes nothing: the row is
 * keyed by lead and buyer). With `when`, written only if that condition holds when the batch
 * runs (a batch result's guard: its delivery still pending).
 */
/** A sale row, compiled (per set of columns given): every sale writes one. */
const insertSale = compiledInsert(S, { onConflictDoNothing: true });

export function saleStmt(d: Db, s: SaleRecord, when?: SQL): Stmt {
  const row = {
    leadId: s.leadId,
    buyerId: s.buyerId,
    sourceId: s.sourceId,
    deliveryId: s.deliveryId,
    pingId: s.pingId,
    bidId: s.bidId,
    buyerBidId: s.buyerBidId,
    price: s.price,
    payout: s.payout,
    test: s.test,
    createdAt: isoAt(s.nowMs),
  };
  if (!when) return insertSale(d, row);
  // INSERT … SELECT names every column in table order, bound as the values insert would bind them.
  const values: Record<string, unknown> = { ...row, test: row.test ? 1 : 0 };
  const cols = Object.keys(getTableColumns(S));
  return d
    .insert(S)
    .select(
      sql`SELECT ${sql.join(
        cols.map((k) => sql`${values[k] ?? null}`),
        sql`, `,
      )} WHERE ${when}`,
    )
    .onConflictDoNothing();
}

/** Each source's payout rule (sources live in every database; the main one is asked). */
export async function payoutRules(env: DbEnv, sourceIds: readonly string[]): Promise<Map<string, PayoutRule | undefined>> {
  const out = new Map<string, PayoutRule | undefined>();
  if (sourceIds.length === 0) return out;
  const rows = await mainDb(env)
    .select({ id: SRC.id, saleTerms: SRC.saleTerms })
    .from(SRC)
    .where(inArray(SRC.id, [...new Set(sourceIds)]));
  for (const r of rows) out.set(r.id, parseSaleTerms(r.saleTerms).payout);
  return out;
}

/** A lead's sales, first first. */
export async function salesOfLead(env: DbEnv, leadId: string) {
  return leadDb(env, leadId).select().from(S).where(eq(S.leadId, leadId)).orderBy(S.createdAt).all();
}

/** A lead's revenue and its source's payout (sums over its sales); nulls when it has none. */
export async function moneyOfLead(env: DbEnv, leadId: string): Promise<{ revenue: number | null; payout: number | null; sales: number }> {
  const row = await leadDb(env, leadId)
    .select({ revenue: sql<number | null>`SUM(${S.price})`, payout: sql<number | null>`SUM(${S.payout})`, n: sql<number>`COUNT(*)` })
    .from(S)
    .where(eq(S.leadId, leadId))
    .get();
  return { revenue: row?.revenue ?? null, payout: row?.payout ?? null, sales: row?.n ?? 0 };
}

/** What a sale decided after the post (a buyer's callback) needs to be recorded like one decided at once. */
export interface SaleContext {
  /** The lead's source's terms of sale (its payout rule). */
  terms: SaleTerms;
  /** The bid the post answered (ping/post), with its auction's ping id. */
  bid: { bid: AuctionBid; pingId: string } | undefined;
  /** The buyer's lead id its acknowledgement gave (on the claim), if any. */
  buyerLeadId: string | null;
}

/** The source's terms, the open bid and the claim's buyer lead id of a lead's delivery to a buyer, in one round trip. */
export async function saleContext(env: DbEnv, leadId: string, buyerId: string, deliveryId: string): Promise<SaleContext> {
  const d = leadDb(env, leadId);
  // Sources are written to every database (src/db/shards.ts): the lead's shard has its source.
  const [terms, bids, claim] = await d.batch([
    d.select({ saleTerms: SRC.saleTerms }).from(L).innerJoin(SRC, eq(SRC.id, L.sourceId)).where(eq(L.id, leadId)),
    openBidQuery(d, leadId, buyerId),
    d.select({ buyerLeadId: C.buyerLeadId }).from(C).where(eq(C.deliveryId, deliveryId)),
  ]);
  const open = bids[0];
  return {
    terms: parseSaleTerms(terms[0]?.saleTerms),
    bid: open ? { bid: toBid(open), pingId: open.pingId } : undefined,
    buyerLeadId: claim[0]?.buyerLeadId ?? null,
  };
}
