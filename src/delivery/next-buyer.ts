import { pausedBuyerIds } from "../db/buyer-overrides";
import { type Claim, claimsOf, retryableInRound, takeClaim } from "../db/claims";
import type { BuyerConfig } from "../integration/config";
import { rankCandidates } from "./eligibility";
import type { Run } from "./run";

/** A scheduled retry this late is taken as lost (its message dead or dropped) and resumed. */
export const LOST_RETRY_MS = 10 * 60_000;

/** The waterfall's next step. */
export type NextBuyer =
  /** Deliver to this buyer under this claim. */
  | { kind: "deliver"; buyer: BuyerConfig; sandbox: boolean; deliveryId: string; attempt: number }
  /** A retry of this lead is scheduled on the queue: this (duplicate) message must not skip ahead. */
  | { kind: "wait" }
  /** No buyer is left this round. */
  | { kind: "none" };

/**
 * Picks the next buyer with fresh state: the scheduled retry this run was started for; else,
 * on a duplicate message, the scheduled retry (waiting for it, or resuming it when its message
 * was lost); else the best eligible buyer ranked now (price, then priority), claimed with a
 * unique insert so no other worker gives the same lead to the same buyer.
 */
export async function nextBuyer(run: Run, firstPass: boolean): Promise<NextBuyer> {
  const { env, lead } = run;
  const nowMs = run.clock.now();
  const held = await claimsOf(env, lead.id);

  if (run.retryTarget) {
    const target = run.retryTarget;
    run.retryTarget = undefined;
    const c = held.get(target.buyerId);
    const buyer = run.buyers.get(target.buyerId);
    if (c && buyer && c.state === "trying") return { kind: "deliver", buyer, sandbox: lead.data.test, deliveryId: c.deliveryId, attempt: target.attempt };
  }

  // Only a message that is not itself a scheduled retry can be a duplicate of one.
  const isRetryMessage = run.mode.kind === "async" && run.mode.retry !== undefined;
  const scheduled = firstPass && !isRetryMessage ? [...held.values()].find((c) => c.state === "trying" && c.attempts > 0) : undefined;
  if (scheduled) {
    const due = lead.nextAttemptAtMs ?? 0;
    const buyer = run.buyers.get(scheduled.buyerId);
    if (nowMs - due < LOST_RETRY_MS || !buyer) return { kind: "wait" };
    // The scheduled retry never came (its message was lost): resume it now.
    return { kind: "deliver", buyer, sandbox: lead.data.test, deliveryId: scheduled.deliveryId, attempt: scheduled.attempts + 1 };
  }

  return rankAndClaim(run, held, nowMs);
}

async function rankAndClaim(run: Run, held: Map<string, Claim>, nowMs: number): Promise<NextBuyer> {
  const { env, lead } = run;
  const exclude = new Set<string>([...lead.excludedBuyers, ...run.deferredNow]);
  for (const [id, c] of held) if (!retryableInRound(c, lead.rounds)) exclude.add(id);
  const { candidates } = rankCandidates(run.buyers.values(), lead.data, {
    nowMs,
    exclude,
    paused: await pausedBuyerIds(env),
    syncOnly: run.mode.kind === "sync",
    ...(lead.qualityScore !== null ? { sourceQuality: lead.qualityScore } : {}),
  });
  for (const cand of candidates) {
    const deliveryId = await takeClaim(env, lead.id, cand.buyer.id, lead.rounds, held.get(cand.buyer.id), nowMs);
    if (deliveryId) return { kind: "deliver", buyer: cand.buyer, sandbox: cand.sandbox, deliveryId, attempt: 1 };
  }
  return { kind: "none" };
}
