import type { AttemptResult } from "../buyer-gate/types";
import { raiseAlert } from "../db/alerts";
import { pauseBuyer } from "../db/buyer-overrides";
import type { BuyerConfig } from "../integration/config";
import { log } from "../observability/log";

/**
 * A client or config fault says our side of the integration is wrong: a 410 Gone pauses the
 * buyer until an operator resumes it; anything else raises a config alert (one per buyer and
 * kind per 15 minutes). The attempts themselves are all in the history.
 */
export async function onIntegrationFault(env: Env, buyer: BuyerConfig, result: AttemptResult, reason: string, nowMs: number): Promise<void> {
  if (result.statusCode === 410) {
    await pauseBuyer(env, buyer.id, "410 Gone from the buyer's endpoint", nowMs);
    await alert(env, nowMs, "buyer_paused", buyer.id, `${buyer.name} answered 410 Gone; the buyer is paused until an operator resumes it.`);
    return;
  }
  await alert(env, nowMs, "config_fault", buyer.id, `${buyer.name}: ${reason}${result.statusCode ? ` (HTTP ${result.statusCode})` : ""}`);
}

/**
 * A buyer that never answered clearly, through every retry with the same key, may hold a lead
 * that now goes to another buyer: an operator must reconcile with that buyer.
 */
export async function onAmbiguousOutcome(env: Env, buyer: BuyerConfig, leadId: string, attempts: number, nowMs: number): Promise<void> {
  await alert(
    env,
    nowMs,
    "ambiguous_outcome",
    buyer.id,
    `${buyer.name} never answered lead ${leadId} clearly (${attempts} attempts with the same Idempotency-Key); it may hold the lead, which now goes to the next buyer. Reconcile with the buyer.`,
  );
}

async function alert(env: Env, nowMs: number, kind: string, buyerId: string, message: string): Promise<void> {
  if (await raiseAlert(env, { kind, buyerId, message, nowMs })) log("warn", "alert", { kind, buyerId, message });
}
