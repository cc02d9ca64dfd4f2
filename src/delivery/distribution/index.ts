/**
 * Routing (issue 13): how a lead's candidates are ordered — by the distribution method of its
 * source (its terms of sale) or of its vertical (config/routing.json) — and the record of each
 * decision: the method, every candidate's score, and every buyer passed over with why, on the
 * lead's timeline (`routed`) in the batch that claims the chosen buyer.
 */
import type { Distribution } from "../../core/distribution";
import type { Db, Stmt } from "../../db/client";
import type { StatRow } from "../../db/routing-stats";
import { type TimelineEntry, timelineEvent } from "../../db/timeline";
import type { BuyerConfig } from "../../integration/config";
import { type DistributionOrigin, distributionFor, getRoutingConfig } from "../../integration/routing";
import type { Candidate, Skipped } from "../eligibility";
import type { BidCandidate } from "../pingpost";
import type { Run } from "../run";
import { monthStart } from "./days";
import { eplOrder } from "./epl";
import { fromDayOf, readFigures } from "./figures";
import { highestBidOrder } from "./highest-bid";
import { multiSellTerms } from "./multi-sell";
import { routingRandom } from "./random";
import { orderRoundRobin } from "./round-robin";
import { noteSkips, skipCode } from "./skips";
import type { Ordering } from "./types";
import { waterfallOrder } from "./waterfall";
import { weightedOrder } from "./weighted";

export { seededRandom, setRoutingRandom } from "./random";

/** What a run knows of its lead's routing. */
export interface RoutingState {
  distribution: Distribution;
  /** Where the method came from; `auction` when a source's ping fixed the order (its quoted bid comes first). */
  origin: DistributionOrigin | "auction";
  /** Decisions made in this run: EPL explores on the first only. */
  picks: number;
  /** The stat rows read by this run (EPL, weighted), from this day on. */
  rows?: { fromDay: string; rows: StatRow[] };
}

/** The most candidates a decision lists on the timeline (the order goes on past them). */
const MAX_LISTED = 25;

/** The run's routing state, resolved on first use: the source's own method, else its vertical's. */
export function routingOf(run: Run): RoutingState {
  if (!run.routing) {
    const { distribution, origin } = distributionFor(getRoutingConfig(run.env), run.lead.data.vertical, run.lead.saleTerms.distribution);
    run.routing = { distribution, origin, picks: 0 };
  }
  return run.routing;
}

/**
 * At the start of a run: `multi_sell` sells the lead shared, to up to its number of buyers —
 * the ping/post shared mode (sales, shares, the lead sold at its total), for every lead.
 */
export function applyDistributionTerms(run: Run): void {
  run.lead.saleTerms = multiSellTerms(run.lead.saleTerms, routingOf(run).distribution);
}

/** The source's exclusions, as pass-overs with a reason. */
export function sourceExclusions(ids: readonly string[]): Map<string, { code: "source_excluded"; reason: string }> {
  return new Map(ids.map((id) => [id, { code: "source_excluded" as const, reason: "excluded by the lead's source" }]));
}

/** Why a ranked candidate has no live bid to be posted to (ping/post), or undefined when it was simply tried already. */
function auctionSkips(run: Run, ranked: readonly Candidate[], withBids: readonly BidCandidate[]): Skipped[] {
  const auction = run.pp?.auction;
  if (!auction) return [];
  const left = new Set(withBids.map((c) => c.buyer.id));
  const chosen = auction.chosenBids ? new Set(auction.chosenBids) : undefined;
  const out: Skipped[] = [];
  for (const c of ranked) {
    if (left.has(c.buyer.id)) continue;
    const bid = auction.bids.find((b) => b.buyerId === c.buyer.id);
    const id = c.buyer.id;
    if (!bid) out.push({ buyerId: id, code: "no_bid", reason: "took no part in the lead's auction" });
    else if (bid.outcome === "bid" && bid.postState !== null) continue;
    else if (bid.outcome === "bid" && chosen && !chosen.has(bid.id)) out.push({ buyerId: id, code: "no_bid", reason: "its bid was not chosen by the source" });
    else if (bid.outcome === "no_bid") out.push({ buyerId: id, code: "no_bid", reason: `no bid${bid.reason ? `: ${bid.reason}` : ""}` });
    else if (bid.outcome === "late") out.push({ buyerId: id, code: "no_bid", reason: "its bid came after the auction deadline" });
    else if (bid.outcome === "error") out.push({ buyerId: id, code: "no_bid", reason: `no usable bid${bid.reason ? `: ${bid.reason}` : ""}` });
    else if (bid.outcome === "deferred") {
      const reason = bid.reason ?? "buyer unavailable";
      out.push({ buyerId: id, code: skipCode(reason), reason: `at the ping: ${reason}` });
    }
  }
  return out;
}

/** The buyers ping/post left out as having bought the same person (their reason is already kept). */
function duplicateSkips(run: Run): Skipped[] {
  return [...(run.pp?.duplicateOf ?? [])].map((buyerId) => ({ buyerId, code: "duplicate" as const, reason: "bought the same phone or e-mail recently" }));
}

/** Whether ordering this run's candidates reads or writes D1 (round-robin turns, the figures of weighted and EPL). */
export function orderingUsesDb(run: Run): boolean {
  const m = routingOf(run).distribution.method;
  return m === "round_robin" || m === "weighted" || m === "epl";
}

async function order(run: Run, method: Distribution, candidates: readonly BidCandidate[], nowMs: number, first: boolean): Promise<Ordering> {
  switch (method.method) {
    case "waterfall":
    case "multi_sell":
      return waterfallOrder(candidates);
    case "highest_bid":
      return highestBidOrder(candidates);
    case "round_robin":
      return orderRoundRobin(run.env, run.lead.data.vertical, candidates, nowMs);
    case "weighted": {
      const buyers = candidates.map((c) => c.buyer);
      const from = (b: BuyerConfig) => (method.period === "day" ? fromDayOf(b, nowMs, 0) : monthStart(fromDayOf(b, nowMs, 0)));
      const figures = await readFigures(run, buyers, from);
      return weightedOrder(candidates, new Map([...figures].map(([id, f]) => [id, f.accepted])), method);
    }
    case "epl": {
      const figures = await readFigures(
        run,
        candidates.map((c) => c.buyer),
        (b) => fromDayOf(b, nowMs, method.windowDays - 1),
      );
      return eplOrder(candidates, figures, method, first ? routingRandom() : undefined);
    }
  }
}

/** One routing decision: the order to claim in, and its timeline entry (written with the claim). */
export interface Decision {
  order: BidCandidate[];
  /**
   * The `routed` entry naming `chosen` (the buyer claimed; undefined when none could be). Empty
   * when there is nothing to say.
   */
  stmts(d: Db, chosen: string | undefined): Stmt[];
  /** The `routed` entry as data (undefined when there is nothing to say), for a batch that writes it with others. */
  entry(chosen: string | undefined, id?: string): Omit<TimelineEntry, "leadId"> | undefined;
  /** What the entry says apart from the buyer chosen: two decisions with the same summary read the same. */
  summary: string;
}

/**
 * Orders the candidates (live bids, when the lead has an auction) by the lead's distribution
 * method, and notes every buyer passed over — by the ranking, by ping/post, or by its auction
 * answer — once in the lead's reasons. A lead a source pinged for keeps the auction's order:
 * the source was quoted the top bid.
 */
export async function distribute(
  run: Run,
  ranked: readonly Candidate[],
  candidates: readonly BidCandidate[],
  skipped: readonly Skipped[],
  nowMs: number,
): Promise<Decision> {
  const st = routingOf(run);
  const fromPing = run.pp?.auction?.origin === "source";
  const method: Distribution = fromPing ? { method: "highest_bid" } : st.distribution;
  const ordering = await order(run, method, candidates, nowMs, st.picks === 0);
  st.picks++;
  const fresh = noteSkips(run, [...skipped, ...auctionSkips(run, ranked, candidates)]);
  const duplicates = duplicateSkips(run).filter((s) => !ranked.some((c) => c.buyer.id === s.buyerId));
  const passedOver = [...fresh, ...(st.picks === 1 ? duplicates : [])];
  const data = {
    method: method.method,
    origin: fromPing ? "auction" : st.origin,
    ...(ordering.explore ? { explore: true } : {}),
    candidates: ordering.scores.slice(0, MAX_LISTED),
    ...(ordering.scores.length > MAX_LISTED ? { more: ordering.scores.length - MAX_LISTED } : {}),
    skipped: passedOver.map((s) => ({ buyer: s.buyerId, code: s.code, reason: s.reason })),
  };
  const entry: Decision["entry"] = (chosen, id) =>
    data.candidates.length === 0 && data.skipped.length === 0
      ? undefined
      : { type: "routed", buyerId: chosen ?? null, data: { ...data, chosen: chosen ?? null }, nowMs, ...(id ? { id } : {}) };
  return {
    order: ordering.order,
    summary: JSON.stringify(data),
    entry,
    stmts(d, chosen) {
      const e = entry(chosen);
      return e ? [timelineEvent(d, { leadId: run.lead.id, ...e })] : [];
    },
  };
}
