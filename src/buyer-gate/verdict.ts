import { retryAfterSeconds } from "../integration/response/retry-after";
import type { Verdict } from "./breaker";
import type { Classification } from "./classify";

/**
 * How an attempt counts for the breaker. Failures are the transient and server classes — with
 * one exception: a 429 means the buyer is healthy and wants us slower, so it is honoured
 * through Retry-After (the gate holds all sends) instead of opening the circuit. Client
 * faults and rejections prove the buyer answered: neutral.
 */
export function verdictOf(c: Classification, status: number | undefined): Verdict {
  if (c.outcome === "accepted" || c.outcome === "pending") return "success";
  if (status === 429) return "neutral";
  return c.errorClass === "transient" || c.errorClass === "ambiguous" || c.errorClass === "server" ? "failure" : "neutral";
}

/** Retry-After as seconds from `nowMs`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  return value === undefined ? undefined : retryAfterSeconds({ "retry-after": value }, nowMs);
}
