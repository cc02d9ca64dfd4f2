import { leadDb } from "../db/client";
import { timelineEvent } from "../db/timeline";
import { log } from "../observability/log";
import { DEFAULT_LONG_RETRY, longRetryDelaySeconds } from "./backoff";
import { enqueueDeliver } from "./jobs";
import { notifySource } from "./notify";
import { finishShared, sellShared } from "./pingpost";
import { endRun, outcomeOf, type Run, type WaterfallOutcome } from "./run";

/**
 * The shortest wait of a lead that only its gates deferred: a gate's hint can be a second or two
 * (a probe about to answer, an in-flight slot about to free), and coming back sooner than this
 * would spend queue messages on leads that mostly meet the same refusal.
 */
const MIN_DEFERRED_WAIT_SECONDS = 10;

/** The lead reached its maximum age: it ends expired and its source is told. */
export async function expireLead(run: Run): Promise<WaterfallOutcome> {
  run.reasons.push({ buyerId: "*", reason: "lead reached its maximum age" });
  await endRun(run, { move: "expire" });
  await notifySource(run.env, run.lead.id, "lead.expired", run.lead.sourceHasWebhook);
  return outcomeOf(run, "expired");
}

/**
 * No buyer is left this round. In async mode a lead with buyers worth trying again (transient
 * or server failures, or gates that deferred it) waits for a long-retry round — unless that
 * would pass its maximum age, then it expires. Otherwise it waits for a pending decision, or
 * ends unsold with the reasons.
 */
export async function finishRound(run: Run): Promise<WaterfallOutcome> {
  const { lead } = run;
  const nowMs = run.clock.now();
  // Ping/post, shared mode: a lead sold to fewer buyers than it could be is sold, not retried.
  const shared = await finishShared(run);
  if (shared) {
    const d = leadDb(run.env, lead.id);
    const { sale } = shared;
    await d.batch([
      sellShared(d, run, sale, nowMs),
      timelineEvent(d, { leadId: lead.id, type: "sold", buyerId: sale.buyerId, data: { price: sale.price, buyers: shared.count }, nowMs }),
    ]);
    await notifySource(run.env, lead.id, "lead.sold", lead.sourceHasWebhook);
    return outcomeOf(run, "sold", { buyer: sale.buyerId, price: sale.price });
  }
  // Fresh: read by the last settle batch (or the lease), with the run's own claim moves applied.
  const held = run.claims;
  const retryable = [...held.values()].filter((c) => c.state === "failed" && (c.errorClass === "transient" || c.errorClass === "server"));
  // A buyer whose gate deferred the lead this round (circuit open, cap full, throttled) is not a
  // failure: the lead comes back when the gate said it could, not after a 5–15 minute round.
  const failed = retryable.filter((c) => !run.deferredNow.has(c.buyerId));
  if ((retryable.length > 0 || run.deferredNow.size > 0) && run.mode.kind === "async") {
    const delay =
      failed.length === 0 ? Math.min(Math.max(run.minDeferSeconds, MIN_DEFERRED_WAIT_SECONDS), 900) : longRetryDelaySeconds(DEFAULT_LONG_RETRY, Math.random);
    if (nowMs + delay * 1000 >= lead.expiresAtMs) return expireLead(run);
    const delaySeconds = Math.ceil(delay);
    // A new round lets the buyers parked as retryable (failed, or deferred mid-retry) be tried again.
    await endRun(run, { move: "park", nextAttemptAtMs: nowMs + delaySeconds * 1000, rounds: retryable.length > 0 ? lead.rounds + 1 : lead.rounds });
    await enqueueDeliver(run.env, lead.id, delaySeconds);
    log("info", failed.length === 0 ? "waiting for deferring buyers" : "long retry scheduled", {
      leadId: lead.id,
      delaySeconds: delay,
      round: lead.rounds + 1,
    });
    return outcomeOf(run, "queued");
  }
  for (const b of run.deferredNow) run.reasons.push({ buyerId: b, reason: "deferred: cap, schedule, circuit or in-flight limit" });
  if (run.reasons.length === 0) run.reasons.push({ buyerId: "*", reason: "no eligible buyer for this lead" });
  if ([...held.values()].some((c) => c.state === "pending")) {
    await endRun(run, { move: "await" });
    return outcomeOf(run, "pending");
  }
  await endRun(run, { move: "giveUp" });
  await notifySource(run.env, lead.id, "lead.unsold", lead.sourceHasWebhook);
  return outcomeOf(run, "unsold");
}
