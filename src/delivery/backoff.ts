import type { ErrorClass } from "../buyer-gate/types";
import type { BuyerConfig } from "../integration/config";

/** A buyer's retry policy (defaults: 6 attempts, 2 s base, 60 s cap, 25 % jitter, 5–15 min long retry). */
export type RetryPolicy = BuyerConfig["retry"];

/** The part of a policy the fast backoff needs; other callers (source notifications) bring their own. */
export type BackoffPolicy = Pick<RetryPolicy, "baseDelaySeconds" | "maxDelaySeconds" | "jitter">;

/** The part of a policy the long retry needs. */
export type LongRetryPolicy = Pick<RetryPolicy, "longRetryMinSeconds" | "longRetryMaxSeconds">;

/**
 * Delay before the next fast retry after attempt `attempt` (1-based) failed:
 * min(base·2^(attempt-1), cap) · (1 + jitter·random()). With the defaults: 2, 4, 8, 16, 32, 60 s,
 * each plus 0–25 %. The jitter goes on top of the cap so that a herd of leads that all failed
 * together does not come back in the same second.
 */
export function retryDelaySeconds(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for huge n; min() with the cap keeps it finite.
  const base = Math.min(policy.baseDelaySeconds * 2 ** (n - 1), policy.maxDelaySeconds);
  return base * (1 + policy.jitter * clamp01(random()));
}

/** Delay of one long retry round, uniform in [longRetryMinSeconds, longRetryMaxSeconds] (5–15 min). */
/**
 * A long-retry round is for the whole lead, not one buyer: it uses the buyer config's default
 * 5–15 min spacing (RetrySchema's defaults; a unit test keeps the two equal).
 */
export const DEFAULT_LONG_RETRY: LongRetryPolicy = { longRetryMinSeconds: 300, longRetryMaxSeconds: 900 };

export function longRetryDelaySeconds(policy: LongRetryPolicy, random: () => number): number {
  const lo = Math.min(policy.longRetryMinSeconds, policy.longRetryMaxSeconds);
  const hi = Math.max(policy.longRetryMinSeconds, policy.longRetryMaxSeconds);
  return lo + (hi - lo) * clamp01(random());
}

export interface NextRetryInput {
  /** The attempt that just failed (1-based). */
  attempt: number;
  errorClass: ErrorClass;
  policy: RetryPolicy;
  /** From the buyer's Retry-After, when it sent one. */
  retryAfterSeconds?: number;
  nowMs: number;
  /** When the lead reaches its maximum age (received + 24–48 h). */
  leadExpiresAtMs: number;
  random: () => number;
}

export type NextRetry =
  /** Retry the same buyer after `delaySeconds` (fast backoff). */
  | { kind: "retry"; delaySeconds: number }
  /** Fast retries are spent: come back in a long-retry round after `delaySeconds`. */
  | { kind: "long"; delaySeconds: number }
  /** The next try would fall after the lead's maximum age. */
  | { kind: "expire" }
  /** The error class is not retried with the same request (client, rejected, config); cascade. */
  | { kind: "cascade" };

/**
 * What to do after a failed attempt. Transient and ambiguous errors get `maxAttempts` fast retries, server
 * errors at most `maxServerErrorAttempts` (a broken buyer should not hold a lead for minutes);
 * after that the long retry. A `Retry-After` is a floor, never shortened by jitter. Deferrals
 * are not failures and do not count against the attempts: they retry at the gate's hint.
 */
export function nextRetry(input: NextRetryInput): NextRetry {
  const { policy } = input;
  const floor = input.retryAfterSeconds !== undefined && input.retryAfterSeconds > 0 ? input.retryAfterSeconds : 0;
  let next: NextRetry;
  if (input.errorClass === "deferred") {
    next = { kind: "retry", delaySeconds: Math.max(floor, policy.baseDelaySeconds) };
  } else if (input.errorClass === "transient" || input.errorClass === "ambiguous" || input.errorClass === "server") {
    const max = input.errorClass === "server" ? Math.min(policy.maxServerErrorAttempts, policy.maxAttempts) : policy.maxAttempts;
    next =
      input.attempt < max
        ? { kind: "retry", delaySeconds: Math.max(floor, retryDelaySeconds(input.attempt, policy, input.random)) }
        : { kind: "long", delaySeconds: Math.max(floor, longRetryDelaySeconds(policy, input.random)) };
  } else {
    return { kind: "cascade" };
  }
  if (input.nowMs + next.delaySeconds * 1000 >= input.leadExpiresAtMs) return { kind: "expire" };
  return next;
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return Math.min(x, 1);
}
