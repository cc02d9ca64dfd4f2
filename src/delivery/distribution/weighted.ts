import type { Distribution } from "../../core/distribution";
import type { BuyerConfig } from "../../integration/config";
import type { BidCandidate } from "../pingpost";
import { baseRow, byPriceThenPriority, type Ordering, round4 } from "./types";

type WeightedConfig = Extract<Distribution, { method: "weighted" }>;

/** A buyer's target for the period: the config's, else its lead cap for that period, else none. */
export function targetOf(buyer: BuyerConfig, cfg: WeightedConfig): number | undefined {
  return Object.hasOwn(cfg.targets, buyer.id) ? cfg.targets[buyer.id] : buyer.caps[cfg.period];
}

/**
 * `weighted`: the buyer furthest below its target goes first — leads sold this period ÷ its
 * target, lowest first (ties: price, priority, id) — so over a period each buyer's share of
 * the leads follows its share of the targets. Buyers without a target come after, by price.
 */
export function weightedOrder(candidates: readonly BidCandidate[], served: ReadonlyMap<string, number>, cfg: WeightedConfig): Ordering {
  const rows = candidates.map((c) => {
    const target = targetOf(c.buyer, cfg);
    const sold = served.get(c.buyer.id) ?? 0;
    return { c, target, sold, share: target === undefined ? undefined : sold / target };
  });
  rows.sort((a, b) => {
    if (a.share === undefined || b.share === undefined) return Number(a.share === undefined) - Number(b.share === undefined) || byPriceThenPriority(a.c, b.c);
    return a.share - b.share || byPriceThenPriority(a.c, b.c);
  });
  return {
    order: rows.map((r) => r.c),
    scores: rows.map((r) => ({
      ...baseRow(r.c),
      ...(r.share !== undefined ? { score: round4(r.share) } : {}),
      target: r.target ?? null,
      sold: r.sold,
      period: cfg.period,
    })),
  };
}
