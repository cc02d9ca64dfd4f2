import type { BidCandidate } from "../pingpost";
import { baseRow, type Ordering, priceOf } from "./types";

/**
 * `highest_bid`: the auction's order — the highest price first; a tie goes to the bidder that
 * answered first, then by id. Priority plays no part.
 */
export function highestBidOrder(candidates: readonly BidCandidate[]): Ordering {
  const latency = (c: BidCandidate) => c.bid?.latencyMs ?? 0;
  const order = [...candidates].sort((a, b) => priceOf(b) - priceOf(a) || latency(a) - latency(b) || a.buyer.id.localeCompare(b.buyer.id));
  return { order, scores: order.map((c) => ({ ...baseRow(c), ...(c.bid ? { bidLatencyMs: c.bid.latencyMs } : {}) })) };
}
