import { log } from "../observability/log";
import { DEFAULT_LONG_RETRY, longRetryDelaySeconds } from "./backoff";
import { enqueueDeliver } from "./jobs";
import { notifySource } from "./notify";
import { endRun, outcomeOf, type Run, type WaterfallOutcome } from "./run";

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
  // Fresh: read by the last settle batch (or the lease), with the run's own claim moves applied.
  const held = run.claims;
  const hasRetryable = [...held.values()].some((c) => c.state === "failed" && (c.errorClass === "transient" || c.errorClass === "server"));
  if ((hasRetryable || run.deferredNow.size > 0) && run.mode.kind === "async") {
    const delay =
      run.deferredNow.size > 0 && !hasRetryable ? Math.min(Math.max(run.minDeferSeconds, 30), 900) : longRetryDelaySeconds(DEFAULT_LONG_RETRY, Math.random);
    if (nowMs + delay * 1000 >= lead.expiresAtMs) return expireLead(run);
    const delaySeconds = Math.ceil(delay);
    await endRun(run, { move: "park", nextAttemptAtMs: nowMs + delaySeconds * 1000, rounds: hasRetryable ? lead.rounds + 1 : lead.rounds });
    await enqueueDeliver(run.env, lead.id, delaySeconds);
    log("info", "long retry scheduled", { leadId: lead.id, delaySeconds: delay, round: lead.rounds + 1 });
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
