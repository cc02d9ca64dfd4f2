import { describe, expect, it } from "vitest";
import { classify } from "../../../src/buyer-gate/classify";
import { parseRetryAfter, verdictOf } from "../../../src/buyer-gate/verdict";

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-15T12:00:00Z");
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
    expect(parseRetryAfter("Wed, 15 Jan 2025 12:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Wed, 15 Jan 2025 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores a missing or unreadable header", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

describe("verdictOf: what the breaker counts", () => {
  it.each([
    [503, "failure"],
    [500, "failure"],
    [502, "failure"],
    [504, "failure"],
    [429, "neutral"],
    [400, "neutral"],
    [401, "neutral"],
    [410, "neutral"],
  ])("HTTP %i → %s", (status, verdict) => {
    expect(verdictOf(classify({ status }), status)).toBe(verdict);
  });
  it("timeouts and resets are failures; answers are not", () => {
    expect(verdictOf(classify({ timedOut: true }), undefined)).toBe("failure");
    expect(verdictOf(classify({ error: new Error("Network connection lost.") }), undefined)).toBe("failure");
    expect(verdictOf(classify({ status: 200, parsed: { outcome: "accepted" } }), 200)).toBe("success");
    expect(verdictOf(classify({ status: 200, parsed: { outcome: "rejected" } }), 200)).toBe("neutral");
    expect(verdictOf(classify({ status: 202, parsed: { outcome: "accepted", pending: true } }), 202)).toBe("success");
  });
});
