import type { Distribution } from "../../core/distribution";
import type { BidCandidate } from "../pingpost";
import type { Figures } from "./figures";
import type { Random } from "./random";
import { baseRow, byPriceThenPriority, type Ordering, priceOf, round4 } from "./types";

type EplConfig = Extract<Distribution, { method: "epl" }>;

export interface EplScore {
  /** Price × acceptance − returns per lead offered: what this lead is expected to earn with this buyer. */
  score: number;
  acceptance: number;
  returnsPerOffer: number;
  /** Revenue kept (after returns) per lead really offered in the window; null before any offer. */
  realized: number | null;
}

/**
 * Earnings per lead for a buyer at `price`. The acceptance and the returns are measured over
 * the window's offers, with `priorOffers` offers assumed accepted and unreturned: a buyer with
 * no history starts at its price, and each real offer moves it toward what the buyer does.
 */
export function eplScore(price: number, f: Figures, priorOffers: number): EplScore {
  const n = f.offered + priorOffers;
  const acceptance = n === 0 ? 1 : (f.accepted + priorOffers) / n;
  const returnsPerOffer = n === 0 ? 0 : f.credit / n;
  return {
    score: price * acceptance - returnsPerOffer,
    acceptance,
    returnsPerOffer,
    realized: f.offered === 0 ? null : (f.revenue - f.credit) / f.offered,
  };
}

/**
 * `epl`: the highest earnings per lead first (ties: price, priority, id). When `explore` is
 * given (a lead's first pick), a draw below `exploration` puts another buyer first — one of the
 * others, uniformly — so a buyer that fell behind keeps being measured and can come back.
 */
export function eplOrder(candidates: readonly BidCandidate[], figures: ReadonlyMap<string, Figures>, cfg: EplConfig, explore?: Random): Ordering {
  const scored = candidates.map((c) => {
    const f = figures.get(c.buyer.id) ?? { offered: 0, accepted: 0, rejected: 0, failed: 0, revenue: 0, returned: 0, credit: 0 };
    return { c, f, s: eplScore(priceOf(c), f, cfg.priorOffers) };
  });
  scored.sort((a, b) => b.s.score - a.s.score || byPriceThenPriority(a.c, b.c));
  let exploring = false;
  if (explore && scored.length >= 2 && explore() < cfg.exploration) {
    const pick = 1 + Math.floor(explore() * (scored.length - 1));
    const [chosen] = scored.splice(pick, 1);
    if (chosen) scored.unshift(chosen);
    exploring = true;
  }
  return {
    order: scored.map((x) => x.c),
    scores: scored.map(({ c, f, s }) => ({
      ...baseRow(c),
      score: round4(s.score),
      acceptance: round4(s.acceptance),
      returnsPerOffer: round4(s.returnsPerOffer),
      realizedEpl: s.realized === null ? null : round4(s.realized),
      offered: f.offered,
      accepted: f.accepted,
    })),
    ...(exploring ? { explore: true } : {}),
  };
}
