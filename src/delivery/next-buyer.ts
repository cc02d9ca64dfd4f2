import type { Clock } from "../core/clock";
import { newId } from "../core/ids";
import { type Claim, claimDeliveryId, claimStmt, freeUnsentClaim, retryableInRound } from "../db/claims";
import { leadDb, type Stmt } from "../db/client";
import { extendLease, type FirstPickPlan, type RoutingLead } from "../db/leads";
import type { AuctionBid } from "../db/pings";
import { unsaidRouting } from "../db/timeline";
import type { BuyerConfig } from "../integration/config";
import { getBuyerRegistry } from "../integration/registry";
import { applyDistributionTerms, distribute, orderingUsesDb, sourceExclusions } from "./distribution";
import { rankCandidates } from "./eligibility";
import { duplicateExclusions, rankByBids, rankingReadsDb } from "./pingpost";
import { leaseNeededUntil, leaseNeedsKeepAlive, newRun, type Run } from "./run";

/** The waterfall's next step. */
export type NextBuyer =
  /** Deliver to this buyer under this claim. */
  | {
      kind: "deliver";
      buyer: BuyerConfig;
      sandbox: boolean;
      deliveryId: string;
      attempt: number;
      bid?: AuctionBid;
      /**
       * The buyer may already have this lead: its last attempt ended unclear, or a crash cut it
       * off before anything was recorded. Such a delivery is never given up for another buyer
       * because the gate defers it; the lead waits for this buyer instead.
       */
      mayHaveIt?: boolean;
    }
  /** A retry of this lead is scheduled on the queue: this (duplicate) message must not skip ahead. */
  | { kind: "wait" }
  /** No buyer is left this round. */
  | { kind: "none" };

/**
 * Picks the next buyer with fresh state. First, a delivery that began and did not end is
 * finished before anything else, with its own delivery id and idempotency key: the scheduled
 * retry this run was started for; or, on any other message, a claim left `trying` — a retry
 * that is due (its message late or lost) or an attempt cut off by a crash (the buyer may have
 * the lead, so the lead never moves on to another buyer first). A retry not yet due makes this
 * message wait for it. Otherwise the best eligible buyer ranked now (price, then priority) is
 * claimed with a unique insert, so no other worker gives the same lead to the same buyer.
 *
 * The claims and paused buyers ranked on were read in the round trip that came before (the
 * lease, or the settle batch of the last attempt); the claim goes out in one round trip with
 * the lease's keep-alive.
 */
export async function nextBuyer(run: Run, firstPass: boolean): Promise<NextBuyer> {
  const { lead } = run;
  const nowMs = run.clock.now();
  const held = run.claims;

  const target = run.retryTarget;
  run.retryTarget = undefined;
  if (target) {
    const c = held.get(target.buyerId);
    const buyer = run.buyers.get(target.buyerId);
    // A retry message is current only for the attempt that follows the last one recorded.
    if (c && buyer && c.state === "trying" && c.attempts + 1 === target.attempt) {
      await keepLease(run, buyer, nowMs);
      return { kind: "deliver", buyer, sandbox: lead.data.test, deliveryId: c.deliveryId, attempt: target.attempt, mayHaveIt: c.errorClass === "ambiguous" };
    }
  }

  const open = firstPass ? [...held.values()].find((c) => c.state === "trying") : undefined;
  const openBuyer = open ? run.buyers.get(open.buyerId) : undefined;
  if (open && openBuyer) {
    if (open.attempts > 0 && nowMs < (lead.nextAttemptAtMs ?? 0)) return { kind: "wait" };
    await keepLease(run, openBuyer, nowMs);
    return {
      kind: "deliver",
      buyer: openBuyer,
      sandbox: lead.data.test,
      deliveryId: open.deliveryId,
      attempt: open.attempts + 1,
      // Never recorded (a crash mid-attempt) or last seen unclear: the buyer may have the lead.
      mayHaveIt: open.attempts === 0 || open.errorClass === "ambiguous",
    };
  }

  return rankAndClaim(run, held, nowMs);
}

/** A resumed delivery takes no claim: the lease is extended on its own, only when it would not outlast the call. */
async function keepLease(run: Run, buyer: BuyerConfig, nowMs: number): Promise<void> {
  if (!leaseNeedsKeepAlive(run.leaseUntilMs, buyer, nowMs)) return;
  const until = leaseNeededUntil(buyer, nowMs);
  const d = leadDb(run.env, run.lead.id);
  await d.batch([extendLease(d, run.lead.id, run.owner, until)]);
  run.leaseUntilMs = until;
}

/**
 * A sync lead's first pick, made before the lead is stored so that its claim and `routed` entry
 * go in the batch that stores it: one D1 round trip fewer before the buyer call. `draft` is the
 * lead as it will be stored, with what this isolate knows of the rest — the source as its key
 * was authenticated, the paused buyers as last read. Undefined (the pick then takes its own
 * round trip, as for any lead) when ranking reads D1 (an auction, a buyer's dedupe, round-robin
 * turns, weighted or EPL figures), when no buyer is eligible, or when the call would outlast
 * the lease taken with the lead. The waterfall checks the pick against the batch's own read of
 * the source and the paused buyers before anything is sent (`rankAndClaim`).
 */
export async function planFirstPick(env: Env, clock: Clock, draft: RoutingLead, deadlineMs: number): Promise<FirstPickPlan | undefined> {
  const nowMs = clock.now();
  const run = newRun(env, clock, "", draft, { kind: "sync", deadlineMs }, getBuyerRegistry(env));
  applyDistributionTerms(run);
  if (draft.expiresAtMs <= nowMs || rankingReadsDb(run) || orderingUsesDb(run)) return undefined;
  const { candidates, passedOver } = rank(run, new Set(), nowMs);
  const decision = await distribute(run, candidates, candidates, passedOver, nowMs);
  const top = decision.order[0];
  if (!top || leaseNeedsKeepAlive(draft.leaseUntilMs, top.buyer, nowMs)) return undefined;
  const routedId = newId("evt", nowMs);
  return {
    buyerId: top.buyer.id,
    deliveryId: claimDeliveryId(undefined, nowMs),
    routedId,
    summary: decision.summary,
    entry: decision.entry(top.buyer.id, routedId),
  };
}

/** The run's eligible buyers, best first, on its lead, source and paused buyers; `exclude` left out silently. */
function rank(run: Run, exclude: ReadonlySet<string>, nowMs: number) {
  const { lead } = run;
  return rankCandidates(run.buyers.values(), lead.data, {
    nowMs,
    exclude,
    excluded: sourceExclusions(lead.excludedBuyers),
    paused: run.paused,
    syncOnly: run.mode.kind === "sync",
    ...(lead.qualityScore !== null ? { sourceQuality: lead.qualityScore } : {}),
  });
}

async function rankAndClaim(run: Run, held: Map<string, Claim>, nowMs: number): Promise<NextBuyer> {
  const { env, lead } = run;
  // A first claim taken with the lead: kept if its buyer still ranks first on fresh state, else let go with the next claim.
  const pre = run.firstPick;
  run.firstPick = undefined;
  // The source's exclusions are not in `exclude`: they are passed over with their reason (routing, issue 13).
  const exclude = new Set<string>(run.deferredNow);
  for (const [id, c] of held) if (!retryableInRound(c, lead.rounds)) exclude.add(id);
  // Ping/post: buyers that bought the same person recently are left out of the ping and the post.
  for (const id of await duplicateExclusions(run)) exclude.add(id);
  const { candidates: ranked, passedOver } = rank(run, exclude, nowMs);
  // Ping/post: with an auction the order is the live bids', highest first (unchanged without one).
  const candidates = await rankByBids(run, ranked);
  // Routing (issue 13): the lead's distribution method orders them; the decision (method, scores,
  // every buyer passed over and why) goes on the timeline in the batch that claims the buyer.
  const decision = await distribute(run, ranked, candidates, passedOver, nowMs);
  const d = leadDb(env, lead.id);
  const first = decision.order[0];
  if (pre && first?.buyer.id === pre.buyerId && decision.summary === pre.summary && !leaseNeedsKeepAlive(run.leaseUntilMs, first.buyer, nowMs)) {
    // Taken, with its `routed` entry, in the batch that stored the lead: no round trip here.
    held.set(pre.buyerId, { buyerId: pre.buyerId, deliveryId: pre.deliveryId, state: "trying", attempts: 0, errorClass: null, round: lead.rounds });
    return { kind: "deliver", buyer: first.buyer, sandbox: first.sandbox, deliveryId: pre.deliveryId, attempt: 1, ...(first.bid ? { bid: first.bid } : {}) };
  }
  // Nothing was sent under it: the first claim and its entry are let go first thing in the batch of the next claim.
  let release: Stmt[] = pre ? [freeUnsentClaim(d, lead.id, pre.buyerId), unsaidRouting(d, lead.id, pre.routedId)] : [];
  for (const cand of decision.order) {
    const existing = held.get(cand.buyer.id);
    const deliveryId = claimDeliveryId(existing, nowMs);
    const claim = claimStmt(d, lead.id, cand.buyer.id, lead.rounds, existing, deliveryId, nowMs);
    const said = decision.stmts(d, cand.buyer.id);
    let taken: unknown[];
    if (leaseNeedsKeepAlive(run.leaseUntilMs, cand.buyer, nowMs)) {
      // The lease's keep-alive rides along: it must outlast this buyer's call and the settle after it.
      const until = leaseNeededUntil(cand.buyer, nowMs);
      taken = (await d.batch([...release, claim, extendLease(d, lead.id, run.owner, until), ...said] as [Stmt, ...Stmt[]]))[release.length] as unknown[];
      run.leaseUntilMs = until;
    } else {
      taken = (await d.batch([...release, claim, ...said] as [Stmt, ...Stmt[]]))[release.length] as unknown[];
    }
    release = [];
    if (taken.length === 1) {
      held.set(cand.buyer.id, {
        buyerId: cand.buyer.id,
        deliveryId,
        state: "trying",
        attempts: 0,
        errorClass: existing?.errorClass ?? null,
        round: lead.rounds,
      });
      return { kind: "deliver", buyer: cand.buyer, sandbox: cand.sandbox, deliveryId, attempt: 1, ...(cand.bid ? { bid: cand.bid } : {}) };
    }
  }
  const said = [...decision.stmts(d, undefined), ...release];
  if (said.length > 0) await d.batch(said as [Stmt, ...Stmt[]]);
  return { kind: "none" };
}
