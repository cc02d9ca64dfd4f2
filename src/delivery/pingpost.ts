/**
 * Ping/post in the waterfall (issue 12): the hooks `next-buyer`, `waterfall`, `settle` and
 * `finish` call. A lead whose buyers bid is auctioned once per round; the waterfall then runs
 * over the live bids, best first, skipping expired ones, each post carrying its bid; a sale is
 * recorded at the bid's price with the buyer's bid id; in shared mode the lead goes on to the
 * next bid until it is sold to the source's number of buyers. Duplicates are left out before
 * any of it. A lead with no ping/post buyer and default terms costs nothing here.
 */

import type { SQL } from "drizzle-orm";
import type { AttemptResult } from "../buyer-gate/types";
import { newId } from "../core/ids";
import { type PayoutRule, payoutFor } from "../core/sale-terms";
import type { Db, Stmt } from "../db/client";
import { buyersWhoBoughtDuplicate } from "../db/dedupe";
import { type Sale, sellLeased } from "../db/leads";
import { type Auction, type AuctionBid, auctionOfLead, markBidsExpired, setBidPostState } from "../db/pings";
import { saleStmt, salesOfLead } from "../db/sales";
import { timelineEvent } from "../db/timeline";
import type { BuyerConfig } from "../integration/config";
import type { BidFields } from "../integration/types";
import { byPrice, liveBid, runAuction } from "./auction";
import type { Candidate } from "./eligibility";
import type { Run } from "./run";

const DAY_MS = 86_400_000;

/** What a run knows of its lead's ping/post. */
export interface PingPostState {
  /** The round's auction; null when the lead has none (and needs none). Loaded on first use. */
  auction?: Auction | null;
  /** Buyers left out as having bought the same person recently. */
  duplicateOf?: Set<string>;
}

/** A candidate with the bid its post answers. */
export interface BidCandidate extends Candidate {
  bid?: AuctionBid;
}

function state(run: Run): PingPostState {
  run.pp ??= {};
  return run.pp;
}

/** Whether this lead can have an auction at all: a buyer of its vertical bids, or its source sells by ping/post terms. */
function mayAuction(run: Run): boolean {
  const v = run.lead.data.vertical;
  if (run.lead.saleTerms.payout !== undefined || run.lead.saleTerms.mode === "shared") return true;
  for (const b of run.buyers.values()) if (b.ping && b.verticals.includes(v)) return true;
  return false;
}

/**
 * Whether ranking this lead reads D1 here: for its auction (one may run), or for a buyer of its
 * vertical that asks for duplicates to be left out. A sync lead's first pick is made before the
 * lead is stored only when neither holds (`planFirstPick`).
 */
export function rankingReadsDb(run: Run): boolean {
  return mayAuction(run) || dedupeAskers(run).length > 0;
}

/** The buyers of the lead's vertical whose `dedupe` asks to leave out people they bought recently. */
function dedupeAskers(run: Run): (BuyerConfig & { dedupe: { days: number } })[] {
  const v = run.lead.data.vertical;
  return [...run.buyers.values()].filter((b): b is BuyerConfig & { dedupe: { days: number } } => b.dedupe !== undefined && b.verticals.includes(v));
}

/**
 * Buyers to leave out of this lead's ping and post: those whose `dedupe` window says they
 * already bought a lead with the same phone or e-mail in this vertical. One query, only when a
 * buyer of the vertical asks for it; the reason is kept for operators.
 */
export async function duplicateExclusions(run: Run): Promise<ReadonlySet<string>> {
  const st = state(run);
  if (st.duplicateOf) return st.duplicateOf;
  const asking = dedupeAskers(run);
  st.duplicateOf = new Set();
  if (asking.length === 0) return st.duplicateOf;
  const nowMs = run.clock.now();
  const maxDays = Math.max(...asking.map((b) => b.dedupe.days));
  const bought = await buyersWhoBoughtDuplicate(
    run.env,
    run.lead.id,
    run.lead.data,
    asking.map((b) => b.id),
    nowMs - maxDays * DAY_MS,
  );
  for (const b of asking) {
    const at = bought.get(b.id);
    if (at === undefined || at < nowMs - b.dedupe.days * DAY_MS) continue;
    st.duplicateOf.add(b.id);
    run.reasons.push({
      buyerId: b.id,
      reason: `left out: bought the same phone or e-mail ${Math.max(0, Math.round((nowMs - at) / DAY_MS))} day(s) ago (dedupe ${b.dedupe.days} days)`,
    });
  }
  return st.duplicateOf;
}

/** The round's auction: stored (a source's ping, an earlier run), or run now when a candidate bids. */
async function auctionFor(run: Run, candidates: readonly Candidate[] | undefined): Promise<Auction | null> {
  const st = state(run);
  if (st.auction !== undefined) return st.auction;
  if (!mayAuction(run)) {
    st.auction = null;
    return null;
  }
  const stored = await auctionOfLead(run.env, run.lead.id, run.lead.rounds);
  if (stored) {
    st.auction = stored;
    return stored;
  }
  // Only the ranking step may start an auction: a resumed delivery just reads the bid it had.
  if (!candidates?.some((c) => c.buyer.ping)) return null;
  st.auction = await runAuction(run.env, run.clock, {
    pingId: newId("png", run.clock.now()),
    sourceId: run.lead.sourceId,
    leadId: run.lead.id,
    origin: "lead",
    round: run.lead.rounds,
    lead: run.lead.data,
    data: {},
    candidates,
    terms: run.lead.saleTerms,
  });
  return st.auction;
}

/**
 * The waterfall's ranking over bids: with an auction, only buyers with a live bid (and, in a
 * source's shared post, only the bids it chose) are candidates, highest bid first; an expired
 * bid is skipped (and recorded so). Without one, the ranking is unchanged.
 */
export async function rankByBids(run: Run, candidates: Candidate[]): Promise<BidCandidate[]> {
  const auction = await auctionFor(run, candidates);
  if (!auction) return candidates;
  const nowMs = run.clock.now();
  const byBuyer = new Map(candidates.map((c) => [c.buyer.id, c]));
  const chosen = auction.chosenBids ? new Set(auction.chosenBids) : undefined;
  const out: BidCandidate[] = [];
  const expired: string[] = [];
  for (const bid of [...auction.bids].sort(byPrice)) {
    const cand = byBuyer.get(bid.buyerId);
    if (!cand || bid.outcome !== "bid" || bid.postState !== null) continue;
    if (chosen && !chosen.has(bid.id)) continue;
    if (!liveBid(bid, nowMs)) {
      expired.push(bid.id);
      bid.postState = "expired";
      run.reasons.push({ buyerId: bid.buyerId, reason: "bid expired before its turn" });
      continue;
    }
    out.push({ ...cand, bid });
  }
  await markBidsExpired(run.env, run.lead.id, expired, nowMs);
  return out;
}

/** The bid a delivery to this buyer answers (a retry or a resumed delivery included). */
export async function bidFor(run: Run, buyerId: string): Promise<AuctionBid | undefined> {
  const auction = await auctionFor(run, undefined);
  return auction?.bids.find((b) => b.buyerId === buyerId && b.outcome === "bid");
}

/** The bid as the post mapping reads it (`bid.id`, `bid.price` …). */
export function bidFields(auction: Auction | null | undefined, bid: AuctionBid): BidFields {
  return {
    id: bid.buyerBidId,
    price: bid.price ?? 0,
    expires_at: bid.expiresAtMs === null ? null : new Date(bid.expiresAtMs).toISOString(),
    ping_id: auction?.pingId ?? "",
  };
}

/** What the post is sent with: the fields of the bid it answers. */
export function postBid(run: Run, bid: AuctionBid): BidFields {
  return bidFields(run.pp?.auction, bid);
}

/**
 * A sale: at the bid's price when the post answered a bid (the buyer's answer cannot change it),
 * else the price the buyer's answer (or callback) gave, else its configured price. The one rule
 * for a sale decided at once and one decided later by the buyer's callback.
 */
export function saleOf(bid: AuctionBid | undefined, buyer: Pick<BuyerConfig, "id" | "price">, answer: Pick<AttemptResult, "price" | "buyerLeadId">): Sale {
  if (bid && bid.price !== null) return { buyerId: buyer.id, price: bid.price, buyerLeadId: answer.buyerLeadId ?? bid.buyerBidId ?? null };
  return { buyerId: buyer.id, price: answer.price ?? buyer.price, buyerLeadId: answer.buyerLeadId ?? null };
}

/** What a sale row needs of its lead: whose it is, whether it is a test, and its source's payout rule. */
export interface SaleLead {
  id: string;
  sourceId: string;
  test: boolean;
  payout: PayoutRule | undefined;
}

/**
 * The rows a sale adds to its batch — the one function every sale goes through, decided at once
 * (settle) or later by the buyer's callback or batch result: the `sales` row with the source's
 * payout (keyed by lead and buyer, so a repeat writes nothing) and the bid's post state. `when`
 * guards the row (see saleStmt).
 */
export function saleRowStmts(
  d: Db,
  lead: SaleLead,
  deliveryId: string,
  bid: { bid: AuctionBid; pingId: string | null } | undefined,
  sale: Sale,
  nowMs: number,
  when?: SQL,
): Stmt[] {
  const out: Stmt[] = [
    saleStmt(
      d,
      {
        leadId: lead.id,
        buyerId: sale.buyerId,
        sourceId: lead.sourceId,
        deliveryId,
        pingId: bid?.pingId ?? null,
        bidId: bid?.bid.id ?? null,
        buyerBidId: bid?.bid.buyerBidId ?? null,
        price: sale.price,
        payout: payoutFor(lead.payout, sale.price) ?? null,
        test: lead.test,
        nowMs,
      },
      when,
    ),
  ];
  if (bid) out.push(setBidPostState(d, bid.bid.id, "accepted", nowMs, when));
  return out;
}

/** The rows a sale in the waterfall adds to its batch (see saleRowStmts). */
export function saleStmts(run: Run, d: Db, deliveryId: string, bid: AuctionBid | undefined, sale: Sale, nowMs: number): Stmt[] {
  const lead: SaleLead = { id: run.lead.id, sourceId: run.lead.sourceId, test: run.lead.data.test, payout: run.lead.saleTerms.payout };
  return saleRowStmts(d, lead, deliveryId, bid ? { bid, pingId: run.pp?.auction?.pingId ?? null } : undefined, sale, nowMs);
}

/** A post that ended without a sale: its bid says so (for ping-to-post acceptance). */
export function bidClosedStmts(d: Db, bid: AuctionBid | undefined, outcome: AttemptResult["outcome"], nowMs: number): Stmt[] {
  return bid ? [setBidPostState(d, bid.id, outcome === "rejected" ? "rejected" : "failed", nowMs)] : [];
}

/**
 * Shared mode: after this sale, whether the waterfall goes on (fewer than the source's number
 * of buyers have the lead) and, when it ends, the lead's sale of record — its first buyer, at
 * the total of every share. Counts earlier sales, also from earlier runs. Exclusive: this sale.
 */
export async function shareOutcome(run: Run, sale: Sale): Promise<{ more: boolean; leadSale: Sale }> {
  const t = run.lead.saleTerms;
  if (t.mode !== "shared") return { more: false, leadSale: sale };
  const before = await salesOfLead(run.env, run.lead.id);
  const first = before[0];
  const total = Math.round((before.reduce((a, s) => a + s.price, 0) + sale.price) * 100) / 100;
  const leadSale = first ? { buyerId: first.buyerId, price: total, buyerLeadId: first.buyerBidId } : { ...sale, price: total };
  return { more: before.length + 1 < t.maxBuyers, leadSale };
}

/** Shared mode: a sale that does not end the lead yet — recorded on the timeline as one share. */
export function shareEvent(d: Db, run: Run, sale: Sale, bid: AuctionBid | undefined, nowMs: number): Stmt {
  return timelineEvent(d, {
    leadId: run.lead.id,
    type: "sold_share",
    buyerId: sale.buyerId,
    data: { price: sale.price, buyerLeadId: sale.buyerLeadId, ...(bid ? { bidId: bid.buyerBidId } : {}) },
    nowMs,
  });
}

/**
 * Shared mode at the end of a round: a lead sold to some buyers (fewer than it could be) is
 * sold — to its first buyer of record, at its total revenue — rather than retried or left
 * unsold. Undefined when it has no sale.
 */
export async function finishShared(run: Run): Promise<{ sale: Sale; count: number } | undefined> {
  if (run.lead.saleTerms.mode !== "shared") return undefined;
  const sales = await salesOfLead(run.env, run.lead.id);
  const first = sales[0];
  if (!first) return undefined;
  const total = Math.round(sales.reduce((a, s) => a + s.price, 0) * 100) / 100;
  return { sale: { buyerId: first.buyerId, price: total, buyerLeadId: first.buyerBidId }, count: sales.length };
}

/** The statement that sells a shared lead at its total (the lease holder's move). */
export function sellShared(d: Db, run: Run, sale: Sale, nowMs: number): Stmt {
  return sellLeased(d, run.lead.id, run.owner, sale, run.reasons, nowMs);
}
