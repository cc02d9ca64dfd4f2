/**
 * Skip reasons (issue 13): every buyer passed over for a lead — by the ranking (filter,
 * schedule, pause, sandbox, sync, the source's exclusions), by ping/post (duplicate, no bid),
 * or by its gate when its turn came (cap, revenue cap, balance, circuit, rate, in-flight) —
 * is named with why, once, in the lead's reasons and on its timeline.
 */
import type { AttemptResult } from "../../buyer-gate/types";
import { raiseAlert } from "../../db/alerts";
import { buyerOverrides, pauseBuyer } from "../../db/buyer-overrides";
import type { Db, Stmt } from "../../db/client";
import { timelineEvent } from "../../db/timeline";
import type { BuyerConfig } from "../../integration/config";
import { log } from "../../observability/log";
import type { SkipCode, Skipped } from "../eligibility";
import type { Run } from "../run";

/** The reason a pause for a spent prepaid balance carries (a top-up lifts only this pause). */
export const BALANCE_PAUSE_REASON = "prepaid balance spent";
/** The alert raised when a prepaid balance is spent (resolved by a top-up). */
export const BALANCE_ALERT = "balance_spent";

/** The kind of a gate's refusal, read from its words (the gate's reasons are fixed texts). */
export function skipCode(reason: string): SkipCode {
  const r = reason.toLowerCase();
  if (r.startsWith("revenue ") || r.includes("not taken: revenue")) return "revenue_cap";
  if (r.includes("prepaid balance")) return "balance";
  if (r.includes("cap reached")) return "cap";
  if (r.includes("circuit")) return "circuit";
  if (r.includes("in-flight")) return "in_flight";
  if (r.includes("rate limit")) return "rate_limit";
  if (r.includes("retry-after")) return "throttled";
  if (r.includes("schedule")) return "schedule";
  if (r.includes("paused")) return "paused";
  if (r.includes("sandbox")) return "sandbox";
  return "unavailable";
}

/** The text a reason is kept under: `passed over (schedule): outside the buyer's schedule`. */
export function skipText(s: Pick<Skipped, "code" | "reason">): string {
  return `passed over (${s.code}): ${s.reason}`;
}

/**
 * Adds each skip not yet among the lead's reasons (this run's or an earlier one's) and returns
 * the new ones, for the routing decision's timeline entry. Buyers that do not buy the lead's
 * vertical are not pass-overs and are left out.
 */
export function noteSkips(run: Run, skipped: readonly Skipped[]): Skipped[] {
  const seen = new Set(run.reasons.map((r) => `${r.buyerId}\u0000${r.reason}`));
  const fresh: Skipped[] = [];
  for (const s of skipped) {
    if (s.code === "vertical") continue;
    const text = skipText(s);
    const key = `${s.buyerId}\u0000${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    run.reasons.push({ buyerId: s.buyerId, reason: text });
    fresh.push(s);
  }
  return fresh;
}

/**
 * A gate that deferred the lead when its buyer's turn came (cap, revenue cap, balance,
 * circuit …): the reason is kept and the timeline says which buyer and why, in the batch that
 * frees the buyer's claim.
 */
export function deferredStmts(run: Run, d: Db, buyerId: string, result: AttemptResult, nowMs: number): Stmt[] {
  const reason = result.reason ?? "buyer unavailable";
  const skip: Skipped = { buyerId, reason, code: skipCode(reason) };
  if (noteSkips(run, [skip]).length === 0) return [];
  return [timelineEvent(d, { leadId: run.lead.id, type: "passed_over", buyerId, data: { code: skip.code, reason }, nowMs })];
}

/**
 * A prepaid buyer whose balance no longer covers its price is paused, with an alert, until an
 * operator tops it up (POST /v1/admin/buyers/{id}/balance lifts this pause). The gate refuses
 * an unaffordable lead by itself in any case; the pause is what operators and the ranking see.
 */
export async function checkBalance(env: Env, buyer: BuyerConfig, result: AttemptResult, nowMs: number): Promise<void> {
  if (!buyer.caps.prepaid || result.balance === undefined || result.balance >= Math.max(buyer.price, 0.01)) return;
  const current = (await buyerOverrides(env)).get(buyer.id);
  if (current?.status === "paused") return;
  await pauseBuyer(env, buyer.id, BALANCE_PAUSE_REASON, nowMs);
  const message = `${buyer.name}'s prepaid balance is spent ($${result.balance.toFixed(2)} left, a lead costs $${buyer.price.toFixed(2)}); the buyer is paused until it is topped up.`;
  if (await raiseAlert(env, { kind: "balance_spent", buyerId: buyer.id, message, nowMs }))
    log("warn", "alert", { kind: "balance_spent", buyerId: buyer.id, message });
}
