import { describe, expect, it } from "vitest";
import { ageOn } from "../../../src/core/values";

/** The Date-based reading ageOn had before it did the calendar arithmetic itself. */
function ageByDate(dobIso: string, nowMs: number): number {
  const [y, m, d] = dobIso.split("-").map(Number) as [number, number, number];
  const now = new Date(nowMs);
  let age = now.getUTCFullYear() - y;
  const mm = now.getUTCMonth() + 1;
  if (mm < m || (mm === m && now.getUTCDate() < d)) age--;
  return age;
}

describe("ageOn", () => {
  it("turns a year older on the birthday itself, in UTC, leap days included", () => {
    const at = (iso: string) => Date.parse(iso);
    expect(ageOn("1990-06-15", at("2026-06-14T23:59:59.999Z"))).toBe(35);
    expect(ageOn("1990-06-15", at("2026-06-15T00:00:00Z"))).toBe(36);
    expect(ageOn("2000-02-29", at("2026-02-28T12:00:00Z"))).toBe(25);
    expect(ageOn("2000-02-29", at("2026-03-01T00:00:00Z"))).toBe(26);
    expect(ageOn("2000-02-29", at("2028-02-29T00:00:00Z"))).toBe(28);
    expect(ageOn("1969-12-31", at("1970-01-01T00:00:00Z"))).toBe(0);
  });

  it("answers what the Date getters answer for any date of birth and any instant", () => {
    // A fixed-seed walk: dates of birth across two centuries, instants from before 1970 to 2400.
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const p2 = (n: number) => String(n).padStart(2, "0");
    for (let i = 0; i < 20_000; i++) {
      const dob = `${1900 + next(200)}-${p2(1 + next(12))}-${p2(1 + next(31))}`;
      const now = (next(2) ? 1 : -1) * next(2_000_000_000) * 1000 * (next(7) + 1) + next(1000);
      expect(ageOn(dob, now), `${dob} at ${now}`).toBe(ageByDate(dob, now));
    }
  });

  it("reads non-canonical writings and odd clocks as before", () => {
    const now = Date.parse("2026-11-28T15:00:00Z");
    for (const dob of ["1985-8-9", "1985-08-9", "85-08-09", "1985", "abcd-ef-gh", "1985-11-28T10:00:00Z".slice(0, 10), "+1985-08-09"]) {
      expect(ageOn(dob, now), dob).toBe(ageByDate(dob, now));
    }
    expect(ageOn("1985-08-09", now + 0.5)).toBe(ageByDate("1985-08-09", now + 0.5));
    expect(ageOn("1985-08-09", Number.NaN)).toBeNaN();
    expect(ageOn("1985-08-09", 9e15)).toBeNaN();
  });
});
