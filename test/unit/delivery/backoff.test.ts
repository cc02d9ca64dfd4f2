import { describe, expect, it } from "vitest";
import { DEFAULT_LONG_RETRY, longRetryDelaySeconds, nextRetry, type RetryPolicy, retryDelaySeconds } from "../../../src/delivery/backoff";
import { RetrySchema } from "../../../src/integration/config";

const policy: RetryPolicy = RetrySchema.parse({});

/** A seeded generator so a failure reproduces. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("retryDelaySeconds", () => {
  it("follows 2, 4, 8, 16, 32 s and caps at 60 s without jitter", () => {
    const zero = () => 0;
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => retryDelaySeconds(a, policy, zero))).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it("adds at most 25 % jitter, over many random draws", () => {
    const random = lcg(42);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(2 * 2 ** (attempt - 1), 60);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < 5000; i++) {
        const d = retryDelaySeconds(attempt, policy, random);
        lo = Math.min(lo, d);
        hi = Math.max(hi, d);
      }
      expect(lo).toBeGreaterThanOrEqual(base);
      expect(hi).toBeLessThanOrEqual(base * 1.25);
      // The jitter really spreads the herd: draws cover most of the band.
      expect(hi - lo).toBeGreaterThan(base * 0.2);
    }
  });

  it("stays finite for absurd attempt numbers and clamps a bad random", () => {
    expect(retryDelaySeconds(5000, policy, () => 0.5)).toBe(60 * 1.125);
    expect(retryDelaySeconds(1, policy, () => 7)).toBe(2.5);
    expect(retryDelaySeconds(1, policy, () => Number.NaN)).toBe(2);
  });

  it("works with a partial policy (source notifications)", () => {
    expect(retryDelaySeconds(3, { baseDelaySeconds: 5, maxDelaySeconds: 900, jitter: 0 }, Math.random)).toBe(20);
  });
});

describe("longRetryDelaySeconds", () => {
  it("stays within 5–15 minutes over many draws", () => {
    const random = lcg(7);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 10_000; i++) {
      const d = longRetryDelaySeconds(policy, random);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    expect(lo).toBeGreaterThanOrEqual(300);
    expect(hi).toBeLessThanOrEqual(900);
    expect(lo).toBeLessThan(330);
    expect(hi).toBeGreaterThan(870);
  });
});

describe("nextRetry", () => {
  const now = Date.UTC(2025, 0, 1);
  const day = 24 * 3600_000;
  const base = { policy, nowMs: now, leadExpiresAtMs: now + day, random: () => 0 };

  it("fast-retries transient errors up to maxAttempts, then goes to the long retry", () => {
    expect(nextRetry({ ...base, attempt: 1, errorClass: "transient" })).toEqual({ kind: "retry", delaySeconds: 2 });
    expect(nextRetry({ ...base, attempt: 5, errorClass: "transient" })).toEqual({ kind: "retry", delaySeconds: 32 });
    expect(nextRetry({ ...base, attempt: 6, errorClass: "transient" })).toEqual({ kind: "long", delaySeconds: 300 });
  });

  it("gives server errors fewer fast retries", () => {
    expect(nextRetry({ ...base, attempt: 2, errorClass: "server" }).kind).toBe("retry");
    expect(nextRetry({ ...base, attempt: 3, errorClass: "server" }).kind).toBe("long");
  });

  it("never retries sooner than Retry-After, even after jitter", () => {
    expect(nextRetry({ ...base, attempt: 1, errorClass: "transient", retryAfterSeconds: 7 })).toEqual({ kind: "retry", delaySeconds: 7 });
    expect(nextRetry({ ...base, attempt: 6, errorClass: "transient", retryAfterSeconds: 1200 })).toEqual({ kind: "long", delaySeconds: 1200 });
    // A short Retry-After does not shorten the backoff.
    expect(nextRetry({ ...base, attempt: 4, errorClass: "transient", retryAfterSeconds: 1 })).toEqual({ kind: "retry", delaySeconds: 16 });
  });

  it("expires when the next try would fall after the lead's maximum age", () => {
    expect(nextRetry({ ...base, attempt: 6, errorClass: "transient", leadExpiresAtMs: now + 200_000 })).toEqual({ kind: "expire" });
    expect(nextRetry({ ...base, attempt: 1, errorClass: "transient", leadExpiresAtMs: now + 1000 })).toEqual({ kind: "expire" });
  });

  it("cascades client faults, rejections and config errors at once", () => {
    for (const errorClass of ["client", "rejected", "config"] as const) {
      expect(nextRetry({ ...base, attempt: 1, errorClass })).toEqual({ kind: "cascade" });
    }
  });

  it("does not burn attempts on a deferral and honours the gate's hint", () => {
    expect(nextRetry({ ...base, attempt: 99, errorClass: "deferred", retryAfterSeconds: 45 })).toEqual({ kind: "retry", delaySeconds: 45 });
  });
});

describe("DEFAULT_LONG_RETRY", () => {
  it("is the buyer config's default long-retry spacing (the Worker reads it without building the config schema)", () => {
    const d = RetrySchema.parse({});
    expect(DEFAULT_LONG_RETRY).toEqual({ longRetryMinSeconds: d.longRetryMinSeconds, longRetryMaxSeconds: d.longRetryMaxSeconds });
  });
});
