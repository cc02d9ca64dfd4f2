import type { BidCandidate } from "../pingpost";
import { baseRow, byPriceThenPriority, type Ordering } from "./types";

/** `waterfall` (and `multi_sell`): price, then priority — a live bid counts as the buyer's price. */
export function waterfallOrder(candidates: readonly BidCandidate[]): Ordering {
  const order = [...candidates].sort(byPriceThenPriority);
  return { order, scores: order.map(baseRow) };
}
