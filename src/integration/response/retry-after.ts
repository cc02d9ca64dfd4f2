import { headerValue } from "../extract";

/**
 * How long a buyer asked us to wait, in seconds from `nowMs`, read from its answer's headers:
 * `Retry-After` (delta-seconds or an HTTP date), else — for HubSpot, whose 429s may come
 * without it — the length of the rate-limit window that ran out
 * (`X-HubSpot-RateLimit-Interval-Milliseconds` when `X-HubSpot-RateLimit-Remaining` is 0).
 * Undefined when the answer names no wait.
 */
export function retryAfterSeconds(headers: Record<string, string>, nowMs: number): number | undefined {
  const value = headerValue(headers, "retry-after")?.trim();
  if (value !== undefined && value !== "") {
    if (/^\d+$/.test(value)) return Number(value);
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - nowMs) / 1000));
  }
  const remaining = headerValue(headers, "x-hubspot-ratelimit-remaining")?.trim();
  const interval = headerValue(headers, "x-hubspot-ratelimit-interval-milliseconds")?.trim();
  if (remaining === "0" && interval !== undefined && /^\d+$/.test(interval)) return Math.max(1, Math.ceil(Number(interval) / 1000));
  return undefined;
}
