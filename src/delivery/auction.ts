import { pingThroughGate } from "../buyer-gate/client";
import type { PingResult } from "../buyer-gate/ping";
import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import type { NormalizedLead } from "../core/lead";
import { payoutFor, type SaleTerms } from "../core/sale-terms";
import { type Auction, type AuctionBid, insertAuction } from "../db/pings";
import { log } from "../observability/log";
import type { Candidate } from "./eligibility";

/** How long past the deadline we wait for a gate's own answer (its fetch was already cut at the deadline). */
const GATE_GRACE_MS = 40;

/** What an auction is run for. */
export interface AuctionRequest {
  pingId: string;
  sourceId: string;
  /** The lead being sold (a lead's own auction), or null for a source's ping. */
  leadId: string | null;
  origin: "source" | "lead";
  round: number;
  /** What the ping mappings read: the lead, or the source's partial lead (no personal data). */
  lead: NormalizedLead;
  /** What the ping carried, kept so the post can be held to it. */
  data: Record<string, unknown>;
  /** The eligible buyers (filters, schedule, pauses, duplicates already applied). */
  candidates: readonly Candidate[];
  terms: SaleTerms;
}

/** A bid that can still be posted to: a price, not expired. */
export function liveBid(b: AuctionBid, nowMs: number): boolean {
  return b.outcome === "bid" && b.price !== null && (b.expiresAtMs === null || b.expiresAtMs > nowMs);
}

/** Highest price first; a tie goes to the buyer answering first, then by id (stable). */
export function byPrice(a: AuctionBid, b: AuctionBid): number {
  return (b.price ?? 0) - (a.price ?? 0) || a.latencyMs - b.latencyMs || a.buyerId.localeCompare(b.buyerId);
}

function bidOf(buyerId: string, r: PingResult, terms: SaleTerms): AuctionBid {
  const base = {
    id: newId("bid"),
    buyerId,
    latencyMs: Math.round(r.latencyMs),
    reason: r.reason ?? null,
    buyerBidId: null,
    expiresAtMs: null,
    price: null,
    offer: null,
    postState: null,
  };
  switch (r.outcome) {
    case "fixed":
      return {
        ...base,
        kind: "fixed",
        outcome: "bid",
        price: r.price ?? null,
        offer: r.price !== undefined ? (payoutFor(terms.payout, r.price) ?? null) : null,
      };
    case "bid":
      return {
        ...base,
        kind: "ping",
        outcome: "bid",
        price: r.price ?? null,
        buyerBidId: r.bidId ?? null,
        expiresAtMs: r.expiresAtMs ?? null,
        offer: r.price !== undefined ? (payoutFor(terms.payout, r.price) ?? null) : null,
      };
    default:
      return { ...base, kind: "ping", outcome: r.outcome };
  }
}

/**
 * Runs one auction: every candidate's BuyerGate is asked at once — it checks schedule, circuit,
 * caps and rate limit first, then pings a ping/post buyer (a direct-post buyer answers its
 * configured price without a call) — and every answer that comes within the deadline counts.
 * A buyer's own ping timeout is cut to what is left of the deadline; a gate that has not
 * answered shortly after it is recorded late. Every answer (bid, no bid, late, error, deferred)
 * is stored with its latency; the live bids, best first, decide who gets the post.
 */
/** Source pings whose record is still being written, by ping id (see runAuction's `defer`). */
const recording = new Map<string, Promise<void>>();

/**
 * The write of a source ping's auction that this isolate answered before recording, if it is
 * still under way: a post for that ping waits for it (settled, whatever its outcome).
 */
export function auctionBeingRecorded(pingId: string): Promise<void> | undefined {
  return recording.get(pingId);
}

/**
 * Runs one auction (see below). With `defer`, the auction's record is written right after the
 * answer instead of before it — a source's ping answer is an offer, and the post that takes it
 * waits for the record (in this isolate through `auctionBeingRecorded`, elsewhere by reading
 * again for a moment) — so the source's wait is the bids', not a D1 write's. The record is one
 * batch: the ping and every bid, or nothing (then the post is refused as an unknown ping).
 */
export async function runAuction(env: Env, clock: Clock, req: AuctionRequest, opts: { defer?: (write: Promise<unknown>) => void } = {}): Promise<Auction> {
  const started = clock.now();
  const deadlineAt = started + req.terms.auctionDeadlineMs;
  const answers = await Promise.all(
    req.candidates.map(async (c): Promise<AuctionBid> => {
      const buyer = c.buyer;
      const timeoutMs = Math.max(1, Math.min(buyer.ping?.timeoutMs ?? req.terms.auctionDeadlineMs, deadlineAt - clock.now()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<PingResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ outcome: "late", reason: "the gate did not answer before the auction deadline", latencyMs: clock.now() - started }),
          timeoutMs + GATE_GRACE_MS,
        );
      });
      const asked = pingThroughGate(env, buyer, { lead: req.lead, pingId: req.pingId, timeoutMs, ...(c.sandbox ? { sandbox: true } : {}) }).catch(
        (err: unknown): PingResult => ({
          outcome: "error",
          reason: `buyer gate error: ${err instanceof Error ? err.message : String(err)}`,
          latencyMs: clock.now() - started,
        }),
      );
      try {
        return bidOf(buyer.id, await Promise.race([asked, late]), req.terms);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const nowMs = clock.now();
  const live = answers.filter((b) => liveBid(b, nowMs)).sort(byPrice);
  const top = live[0];
  const shared = req.terms.mode === "shared";
  // A source's offer holds for its TTL at most, and no longer than the bid(s) it rests on.
  const ttlEnd = nowMs + req.terms.pingTtlSeconds * 1000;
  const bidEnd = shared ? Math.max(...live.map((b) => b.expiresAtMs ?? ttlEnd)) : (top?.expiresAtMs ?? ttlEnd);
  const auction: Auction = {
    pingId: req.pingId,
    sourceId: req.sourceId,
    leadId: req.leadId,
    vertical: req.lead.vertical,
    origin: req.origin,
    round: req.round,
    mode: req.terms.mode,
    maxBuyers: req.terms.mode === "shared" ? req.terms.maxBuyers : 1,
    data: req.data,
    status: top ? (req.origin === "source" ? "open" : "posted") : "no_bid",
    chosenBids: null,
    offer: top && !shared ? top.offer : null,
    deadlineMs: req.terms.auctionDeadlineMs,
    elapsedMs: nowMs - started,
    expiresAtMs: top ? Math.min(ttlEnd, bidEnd) : nowMs,
    createdAtMs: started,
    bids: [...live, ...answers.filter((b) => !live.includes(b))],
  };
  if (opts.defer) {
    const write = insertAuction(env, auction, nowMs).catch((err: unknown) => {
      log("error", "auction not recorded: its post will be refused as an unknown ping", {
        pingId: req.pingId,
        error: err instanceof Error ? err.message : String(err),
      });
    });
    recording.set(req.pingId, write);
    opts.defer(write.finally(() => recording.delete(req.pingId)));
  } else {
    await insertAuction(env, auction, nowMs);
  }
  log("info", "auction", {
    pingId: req.pingId,
    leadId: req.leadId,
    origin: req.origin,
    buyers: req.candidates.length,
    bids: live.length,
    top: top?.price ?? null,
    elapsedMs: auction.elapsedMs,
  });
  return auction;
}
