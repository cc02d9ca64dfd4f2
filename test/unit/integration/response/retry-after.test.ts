import { describe, expect, it } from "vitest";
import { retryAfterSeconds } from "../../../../src/integration/response/retry-after";

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe("retryAfterSeconds", () => {
  it("Retry-After in seconds or as an HTTP date, any header case", () => {
    expect(retryAfterSeconds({ "retry-after": "7" }, NOW)).toBe(7);
    expect(retryAfterSeconds({ "Retry-After": " 120 " }, NOW)).toBe(120);
    expect(retryAfterSeconds({ "retry-after": "Wed, 15 Jan 2025 12:01:30 GMT" }, NOW)).toBe(90);
    expect(retryAfterSeconds({ "retry-after": "Wed, 15 Jan 2025 11:00:00 GMT" }, NOW)).toBe(0);
  });

  it("HubSpot without Retry-After: the window that ran out (X-HubSpot-RateLimit-Interval-Milliseconds)", () => {
    const hubspot = {
      "x-hubspot-ratelimit-daily": "250000",
      "x-hubspot-ratelimit-daily-remaining": "249000",
      "x-hubspot-ratelimit-interval-milliseconds": "10000",
      "x-hubspot-ratelimit-max": "100",
      "x-hubspot-ratelimit-remaining": "0",
    };
    expect(retryAfterSeconds(hubspot, NOW)).toBe(10);
    // Retry-After wins when both are there.
    expect(retryAfterSeconds({ ...hubspot, "retry-after": "3" }, NOW)).toBe(3);
    // Requests left in the window: HubSpot's headers name no wait.
    expect(retryAfterSeconds({ ...hubspot, "x-hubspot-ratelimit-remaining": "12" }, NOW)).toBeUndefined();
  });

  it("nothing readable: undefined", () => {
    expect(retryAfterSeconds({}, NOW)).toBeUndefined();
    expect(retryAfterSeconds({ "retry-after": "soon" }, NOW)).toBeUndefined();
  });
});
