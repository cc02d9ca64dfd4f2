import { eq, sql } from "drizzle-orm";
import { type Db, type DbEnv, isoAt, leadDb, type Stmt, schema } from "./client";

const S = schema.sales;

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

/** The sale row; goes into the batch that accepts the claim (a repeat writes nothing). */
export function saleStmt(d: Db, s: SaleRecord): Stmt {
  return d
    .insert(S)
    .values({
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
    })
    .onConflictDoNothing();
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
