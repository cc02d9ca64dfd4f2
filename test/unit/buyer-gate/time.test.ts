import { describe, expect, it } from "vitest";
import { inSchedule, localParts, nextScheduleOpen, nextWindowStart, windowKeys, zonedToUtc } from "../../../src/buyer-gate/time";

const at = (iso: string) => Date.parse(iso);

describe("windowKeys", () => {
  it("counts the day in the caps time zone, not UTC", () => {
    // 03:30 UTC on the 15th is still the 14th in New York and already the 15th in Berlin.
    const t = at("2025-01-15T03:30:00Z");
    expect(windowKeys(t, "America/New_York").day).toBe("2025-01-14");
    expect(windowKeys(t, "Europe/Berlin").day).toBe("2025-01-15");
    expect(windowKeys(t, "UTC").day).toBe("2025-01-15");
  });

  it("starts weeks on Monday, also across a month and a year end", () => {
    expect(windowKeys(at("2025-01-05T12:00:00Z"), "UTC").week).toBe("W2024-12-30"); // Sunday
    expect(windowKeys(at("2025-01-06T00:00:00Z"), "UTC").week).toBe("W2025-01-06"); // Monday
    // Monday 00:30 in Tokyo is still Sunday in UTC.
    expect(windowKeys(at("2025-01-05T15:30:00Z"), "Asia/Tokyo").week).toBe("W2025-01-06");
    expect(windowKeys(at("2025-01-05T15:30:00Z"), "UTC").week).toBe("W2024-12-30");
  });

  it("uses the calendar month in the zone", () => {
    const t = at("2025-03-01T02:00:00Z");
    expect(windowKeys(t, "America/Los_Angeles").month).toBe("2025-02");
    expect(windowKeys(t, "UTC").month).toBe("2025-03");
  });

  it("counts the hour repeated when DST ends as two hours", () => {
    // New York, 2025-11-02: 01:00–02:00 happens twice (EDT, then EST).
    const first = windowKeys(at("2025-11-02T05:30:00Z"), "America/New_York");
    const second = windowKeys(at("2025-11-02T06:30:00Z"), "America/New_York");
    expect(first.day).toBe("2025-11-02");
    expect(second.day).toBe("2025-11-02");
    expect(first.hour).not.toBe(second.hour);
    expect(first.hour.startsWith("2025-11-02T01")).toBe(true);
    expect(second.hour.startsWith("2025-11-02T01")).toBe(true);
  });

  it("reads local parts with the offset", () => {
    expect(localParts(at("2025-07-01T12:00:00Z"), "America/New_York")).toMatchObject({ hour: 8, offsetMinutes: -240, weekday: 2 });
    expect(localParts(at("2025-01-01T12:00:00Z"), "Asia/Kolkata")).toMatchObject({ hour: 17, minute: 30, offsetMinutes: 330 });
  });
});

describe("nextWindowStart", () => {
  it("is local midnight for the day window", () => {
    expect(nextWindowStart(at("2025-01-15T03:30:00Z"), "America/New_York", "day")).toBe(at("2025-01-15T05:00:00Z"));
  });

  it("handles the short and the long day of DST", () => {
    // Spring forward: 2025-03-09 in New York lasts 23 hours.
    expect(nextWindowStart(at("2025-03-09T06:00:00Z"), "America/New_York", "day")).toBe(at("2025-03-10T04:00:00Z"));
    // Fall back: 2025-11-02 lasts 25 hours.
    expect(nextWindowStart(at("2025-11-02T04:30:00Z"), "America/New_York", "day")).toBe(at("2025-11-03T05:00:00Z"));
    // The hour before the spring gap ends at 03:00 EDT = 07:00 UTC.
    expect(nextWindowStart(at("2025-03-09T06:10:00Z"), "America/New_York", "hour")).toBe(at("2025-03-09T07:00:00Z"));
  });

  it("finds half-hour zone hour boundaries", () => {
    expect(nextWindowStart(at("2025-01-01T12:10:00Z"), "Asia/Kolkata", "hour")).toBe(at("2025-01-01T12:30:00Z"));
  });

  it("finds the next Monday and the first of the next month", () => {
    expect(nextWindowStart(at("2025-01-08T12:00:00Z"), "UTC", "week")).toBe(at("2025-01-13T00:00:00Z"));
    expect(nextWindowStart(at("2025-02-10T12:00:00Z"), "Europe/Berlin", "month")).toBe(at("2025-02-28T23:00:00Z"));
    expect(nextWindowStart(at("2024-12-31T12:00:00Z"), "America/New_York", "month")).toBe(at("2025-01-01T05:00:00Z"));
  });
});

describe("schedule", () => {
  const weekdays9to17 = {
    timezone: "America/Chicago",
    days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
    hours: { start: "09:00", end: "17:00" },
  };

  it("opens by local day and hour", () => {
    expect(inSchedule(weekdays9to17, at("2025-01-15T15:00:00Z"))).toBe(true); // Wed 09:00 CST
    expect(inSchedule(weekdays9to17, at("2025-01-15T14:59:00Z"))).toBe(false); // 08:59
    expect(inSchedule(weekdays9to17, at("2025-01-15T23:00:00Z"))).toBe(false); // 17:00
    expect(inSchedule(weekdays9to17, at("2025-01-18T18:00:00Z"))).toBe(false); // Saturday
    expect(inSchedule(undefined, at("2025-01-18T18:00:00Z"))).toBe(true);
  });

  it("supports hours across midnight", () => {
    const night = { timezone: "UTC", hours: { start: "22:00", end: "06:00" } };
    expect(inSchedule(night, at("2025-01-15T23:00:00Z"))).toBe(true);
    expect(inSchedule(night, at("2025-01-15T05:59:00Z"))).toBe(true);
    expect(inSchedule(night, at("2025-01-15T12:00:00Z"))).toBe(false);
  });

  it("finds the next opening to the minute", () => {
    // Friday 18:00 CST → Monday 09:00 CST.
    expect(nextScheduleOpen(weekdays9to17, at("2025-01-18T00:00:00Z"))).toBe(at("2025-01-20T15:00:00Z"));
    expect(nextScheduleOpen({ timezone: "UTC", hours: { start: "09:07", end: "10:00" } }, at("2025-01-15T08:00:00Z"))).toBe(at("2025-01-15T09:07:00Z"));
  });
});

describe("schedule edge cases", () => {
  it("finds a one-minute window and skips closed days", () => {
    const s = { timezone: "America/New_York", days: ["sat" as const], hours: { start: "13:37", end: "13:38" } };
    // Wednesday 2025-01-15 → Saturday 2025-01-18 13:37 EST = 18:37 UTC.
    expect(nextScheduleOpen(s, at("2025-01-15T12:00:00Z"))).toBe(at("2025-01-18T18:37:00Z"));
  });

  it("opens at the first allowed midnight for a days-only schedule", () => {
    const s = { timezone: "Europe/Berlin", days: ["mon" as const] };
    expect(nextScheduleOpen(s, at("2025-01-15T12:00:00Z"))).toBe(at("2025-01-19T23:00:00Z"));
  });

  it("converts local wall time across DST", () => {
    expect(zonedToUtc(2025, 7, 1, 9, 0, "America/New_York")).toBe(at("2025-07-01T13:00:00Z"));
    expect(zonedToUtc(2025, 1, 1, 9, 0, "America/New_York")).toBe(at("2025-01-01T14:00:00Z"));
    // 02:30 does not exist on 2025-03-09 in New York; a schedule starting then opens at 03:30 EDT at the latest.
    const t = zonedToUtc(2025, 3, 9, 2, 30, "America/New_York");
    expect([at("2025-03-09T06:30:00Z"), at("2025-03-09T07:30:00Z")]).toContain(t);
  });
});
