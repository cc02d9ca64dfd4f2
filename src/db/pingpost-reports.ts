import { and, desc, eq, gte, lt } from "drizzle-orm";
import { percentile } from "../observability/metrics";
import { type DbEnv, isoAt, onEveryShard, schema } from "./client";

const B = schema.bids;
const S = schema.sales;
const P = schema.pings;

const MAX_ROWS = 50_000;

/** Bid price buckets (upper bounds, $) for a buyer's bid distribution; the last bucket is open. */
export const BID_BUCKETS = [10, 25, 50, 75, 100, 150] as const;

function bucketLabel(i: number): string {
  const lo = i === 0 ? 0 : BID_BUCKETS[i - 1];
  const hi = BID_BUCKETS[i];
  return hi === undefined ? `${lo}+` : `${lo}-${hi}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const rate = (num: number, den: number) => (den === 0 ? null : Math.round((num / den) * 10_000) / 10_000);

interface BidRow {
  buyerId: string;
  kind: "ping" | "fixed";
  outcome: string;
  price: number | null;
  latencyMs: number;
  postState: string | null;
}

/** One buyer's auction figures. */
export interface BuyerBidFigures {
  buyerId: string;
  /** Auctions it took part in (pinged, or offered its fixed price). */
  auctions: number;
  /** Pings sent (ping/post buyers only). */
  pings: number;
  bids: number;
  noBids: number;
  late: number;
  errors: number;
  /** Left out by its gate before any call (cap, circuit, schedule …). */
  deferred: number;
  /** Bids over pings answered or not. */
  bidRate: number | null;
  averageBid: number | null;
  /** Bid prices by bucket ($). */
  bidDistribution: Record<string, number>;
  /** Ping latency (answered pings), ms. */
  latencyMs: { p50: number | null; p99: number | null };
  /** Posts sent to its bids, and of those accepted, rejected or failed; bids skipped as expired. */
  posts: number;
  won: number;
  postRejected: number;
  postFailed: number;
  expired: number;
  /** Won over bids: how often its bid bought the lead. */
  winRate: number | null;
  /** Accepted posts over posts: how often it takes what it bid on. */
  pingToPostAcceptance: number | null;
  /** Sales and revenue (every sale, ping/post or direct), and what the sources were paid for them. */
  sales: number;
  revenue: number;
  payout: number;
}

export function summarizeBids(buyerId: string, rows: readonly BidRow[], sales: { price: number; payout: number | null }[]): BuyerBidFigures {
  const pings = rows.filter((r) => r.kind === "ping" && r.outcome !== "deferred");
  const bids = rows.filter((r) => r.outcome === "bid" && r.price !== null);
  const dist: Record<string, number> = {};
  for (let i = 0; i <= BID_BUCKETS.length; i++) dist[bucketLabel(i)] = 0;
  for (const b of bids) {
    const price = b.price ?? 0;
    let i = BID_BUCKETS.findIndex((hi) => price < hi);
    if (i < 0) i = BID_BUCKETS.length;
    const k = bucketLabel(i);
    dist[k] = (dist[k] ?? 0) + 1;
  }
  const lat = pings.filter((r) => r.outcome === "bid" || r.outcome === "no_bid").map((r) => r.latencyMs);
  lat.sort((a, b) => a - b);
  const count = (pred: (r: BidRow) => boolean) => rows.filter(pred).length;
  const won = count((r) => r.postState === "accepted");
  const postRejected = count((r) => r.postState === "rejected");
  const postFailed = count((r) => r.postState === "failed");
  const posts = won + postRejected + postFailed;
  return {
    buyerId,
    auctions: rows.length,
    pings: pings.length,
    bids: bids.length,
    noBids: count((r) => r.outcome === "no_bid"),
    late: count((r) => r.outcome === "late"),
    errors: count((r) => r.outcome === "error"),
    deferred: count((r) => r.outcome === "deferred"),
    bidRate: rate(bids.filter((b) => b.kind === "ping").length, pings.length),
    averageBid: bids.length ? round2(bids.reduce((a, b) => a + (b.price ?? 0), 0) / bids.length) : null,
    bidDistribution: dist,
    latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99) },
    posts,
    won,
    postRejected,
    postFailed,
    expired: count((r) => r.postState === "expired"),
    winRate: rate(won, bids.length),
    pingToPostAcceptance: rate(won, posts),
    sales: sales.length,
    revenue: round2(sales.reduce((a, s) => a + s.price, 0)),
    payout: round2(sales.reduce((a, s) => a + (s.payout ?? 0), 0)),
  };
}

/** One source's money: what its sold leads brought, what it is paid, and the margin kept. */
export interface SourceMoney {
  sourceId: string;
  leadsSold: number;
  sales: number;
  revenue: number;
  payout: number;
  margin: number;
}

/**
 * Ping/post figures over a window, for `/v1/metrics` and the dashboard: auctions, bids and
 * their distribution, win rates and ping-to-post acceptance per buyer; revenue, payout and
 * margin overall, per buyer and per source (test leads left out of the money).
 */
export async function pingPostMetrics(env: DbEnv, fromMs: number, toMs: number) {
  const from = isoAt(fromMs);
  const to = isoAt(toMs);
  // Every lead shard at once (a lead's auctions and sales are on its shard; a source's pings on
  // the main one, which is shard 0), the rows merged.
  const per = await onEveryShard(env, (d) =>
    d.batch([
      d
        .select({ buyerId: B.buyerId, kind: B.kind, outcome: B.outcome, price: B.price, latencyMs: B.latencyMs, postState: B.postState })
        .from(B)
        .where(and(gte(B.createdAt, from), lt(B.createdAt, to)))
        .limit(MAX_ROWS),
      d
        .select({ leadId: S.leadId, buyerId: S.buyerId, sourceId: S.sourceId, price: S.price, payout: S.payout })
        .from(S)
        .where(and(gte(S.createdAt, from), lt(S.createdAt, to), eq(S.test, false)))
        .limit(MAX_ROWS),
      d
        .select({ origin: P.origin, status: P.status, elapsedMs: P.elapsedMs })
        .from(P)
        .where(and(gte(P.createdAt, from), lt(P.createdAt, to)))
        .limit(MAX_ROWS),
    ]),
  );
  const bidRows = per.flatMap((r) => r[0]);
  const saleRows = per.flatMap((r) => r[1]);
  const auctions = per.flatMap((r) => r[2]);
  const byBuyer = new Map<string, BidRow[]>();
  for (const r of bidRows) byBuyer.set(r.buyerId, [...(byBuyer.get(r.buyerId) ?? []), r]);
  const salesByBuyer = new Map<string, { price: number; payout: number | null }[]>();
  const bySource = new Map<string, { leads: Set<string>; sales: number; revenue: number; payout: number }>();
  for (const s of saleRows) {
    salesByBuyer.set(s.buyerId, [...(salesByBuyer.get(s.buyerId) ?? []), s]);
    const src = bySource.get(s.sourceId) ?? { leads: new Set<string>(), sales: 0, revenue: 0, payout: 0 };
    src.leads.add(s.leadId);
    src.sales++;
    src.revenue += s.price;
    src.payout += s.payout ?? 0;
    bySource.set(s.sourceId, src);
  }
  const revenue = round2(saleRows.reduce((a, s) => a + s.price, 0));
  const payout = round2(saleRows.reduce((a, s) => a + (s.payout ?? 0), 0));
  const lat = auctions.map((a) => a.elapsedMs).sort((a, b) => a - b);
  const live = bidRows.filter((b) => b.outcome === "bid").length;
  return {
    auctions: {
      total: auctions.length,
      fromSources: auctions.filter((a) => a.origin === "source").length,
      noBid: auctions.filter((a) => a.status === "no_bid").length,
      durationMs: { p50: percentile(lat, 50), p99: percentile(lat, 99) },
    },
    bids: { answers: bidRows.length, bids: live },
    money: { sales: saleRows.length, revenue, payout, margin: round2(revenue - payout) },
    buyers: [...new Set([...byBuyer.keys(), ...salesByBuyer.keys()])].sort().map((id) => summarizeBids(id, byBuyer.get(id) ?? [], salesByBuyer.get(id) ?? [])),
    sources: [...bySource.entries()].map(
      ([sourceId, s]): SourceMoney => ({
        sourceId,
        leadsSold: s.leads.size,
        sales: s.sales,
        revenue: round2(s.revenue),
        payout: round2(s.payout),
        margin: round2(s.revenue - s.payout),
      }),
    ),
  };
}

/** A buyer's latest answers in auctions (newest first) and its figures over the window. */
export async function bidsOfBuyer(env: DbEnv, buyerId: string, fromMs: number, toMs: number, limit: number) {
  const from = isoAt(fromMs);
  const to = isoAt(toMs);
  const per = await onEveryShard(env, (d) =>
    d.batch([
      d
        .select({
          bidId: B.id,
          pingId: B.pingId,
          kind: B.kind,
          outcome: B.outcome,
          price: B.price,
          buyerBidId: B.buyerBidId,
          expiresAt: B.expiresAt,
          latencyMs: B.latencyMs,
          reason: B.reason,
          postState: B.postState,
          at: B.createdAt,
        })
        .from(B)
        .where(and(eq(B.buyerId, buyerId), gte(B.createdAt, from), lt(B.createdAt, to)))
        .orderBy(desc(B.createdAt))
        .limit(limit),
      d
        .select({ buyerId: B.buyerId, kind: B.kind, outcome: B.outcome, price: B.price, latencyMs: B.latencyMs, postState: B.postState })
        .from(B)
        .where(and(eq(B.buyerId, buyerId), gte(B.createdAt, from), lt(B.createdAt, to)))
        .limit(MAX_ROWS),
      d
        .select({ price: S.price, payout: S.payout })
        .from(S)
        .where(and(eq(S.buyerId, buyerId), gte(S.createdAt, from), lt(S.createdAt, to), eq(S.test, false)))
        .limit(MAX_ROWS),
    ]),
  );
  const recent = per
    .flatMap((r) => r[0])
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, limit);
  const all = per.flatMap((r) => r[1]);
  const sales = per.flatMap((r) => r[2]);
  return { summary: summarizeBids(buyerId, all, sales), bids: recent };
}
