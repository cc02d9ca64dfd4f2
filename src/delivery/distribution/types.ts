import type { BidCandidate } from "../pingpost";

/** One candidate's line in a routing decision, as the lead's timeline records it. */
export interface ScoreRow {
  buyer: string;
  /** The price this lead would sell at: the live bid's, else the buyer's configured price. */
  price: number;
  priority: number;
  /** The method's own measure (EPL in dollars, a weighted buyer's share of its target, a round-robin turn). */
  score?: number;
  [detail: string]: string | number | boolean | null | undefined;
}

/** What a method made of the candidates: their order (best first) and each one's line. */
export interface Ordering {
  order: BidCandidate[];
  scores: ScoreRow[];
  /** EPL: this lead's first offer went to another buyer than the best, to keep measuring it. */
  explore?: boolean;
}

/** The price a candidate sells at: its live bid's, else its configured price. */
export function priceOf(c: BidCandidate): number {
  return c.bid?.price ?? c.buyer.price;
}

/** A row with the price and priority every method shows. */
export function baseRow(c: BidCandidate): ScoreRow {
  return { buyer: c.buyer.id, price: priceOf(c), priority: c.buyer.priority };
}

/** Price, then priority, then id: the waterfall's order, and every method's tie-break. */
export function byPriceThenPriority(a: BidCandidate, b: BidCandidate): number {
  return priceOf(b) - priceOf(a) || b.buyer.priority - a.buyer.priority || a.buyer.id.localeCompare(b.buyer.id);
}

/** Rounded for the timeline (money and ratios to 4 places). */
export function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
