import { type Claim, claimDeliveryId, claimStmt, retryableInRound } from "../db/claims";
import { leadDb, type Stmt } from "../db/client";
import { extendLease } from "../db/leads";
import type { AuctionBid } from "../db/pings";
import type { BuyerConfig } from "../integration/config";
import { distribute, sourceExclusions } from "./distribution";
import { rankCandidates } from "./eligibility";
import { duplicateExclusions, rankByBids } from "./pingpost";
import { leaseNeededUntil, leaseNeedsKeepAlive, type Run } from "./run";

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

async function rankAndClaim(run: Run, held: Map<string, Claim>, nowMs: number): Promise<NextBuyer> {
  const { env, lead } = run;
  // The source's exclusions are not in `exclude`: they are passed over with their reason (routing, issue 13).
  const exclude = new Set<string>(run.deferredNow);
  for (const [id, c] of held) if (!retryableInRound(c, lead.rounds)) exclude.add(id);
  // Ping/post: buyers that bought the same person recently are left out of the ping and the post.
  for (const id of await duplicateExclusions(run)) exclude.add(id);
  const { candidates: ranked, passedOver } = rankCandidates(run.buyers.values(), lead.data, {
    nowMs,
    exclude,
    excluded: sourceExclusions(lead.excludedBuyers),
    paused: run.paused,
    syncOnly: run.mode.kind === "sync",
    ...(lead.qualityScore !== null ? { sourceQuality: lead.qualityScore } : {}),
  });
  // Ping/post: with an auction the order is the live bids', highest first (unchanged without one).
  const candidates = await rankByBids(run, ranked);
  // Routing (issue 13): the lead's distribution method orders them; the decision (method, scores,
  // every buyer passed over and why) goes on the timeline in the batch that claims the buyer.
  const decision = await distribute(run, ranked, candidates, passedOver, nowMs);
  const d = leadDb(env, lead.id);
  for (const cand of decision.order) {
    const existing = held.get(cand.buyer.id);
    const deliveryId = claimDeliveryId(existing, nowMs);
    const claim = claimStmt(d, lead.id, cand.buyer.id, lead.rounds, existing, deliveryId, nowMs);
    const said = decision.stmts(d, cand.buyer.id);
    let taken: unknown[];
    if (leaseNeedsKeepAlive(run.leaseUntilMs, cand.buyer, nowMs)) {
      // The lease's keep-alive rides along: it must outlast this buyer's call and the settle after it.
      const until = leaseNeededUntil(cand.buyer, nowMs);
      [taken] = await d.batch([claim, extendLease(d, lead.id, run.owner, until), ...said]);
      run.leaseUntilMs = until;
    } else {
      [taken] = await d.batch([claim, ...said]);
    }
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
  const said = decision.stmts(d, undefined);
  if (said.length > 0) await d.batch(said as [Stmt, ...Stmt[]]);
  return { kind: "none" };
}
