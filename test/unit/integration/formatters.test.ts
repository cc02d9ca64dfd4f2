import { describe, expect, it } from "vitest";
import {
  compileFormat,
  FormatFailure,
  formatBoolean,
  formatDate,
  formatMoney,
  formatPhone,
  formatZip5,
  truncate,
} from "../../../src/integration/mapping/formatters";

describe("phone formatter", () => {
  it.each([
    ["digits10", "2025550123"],
    ["digits11", "12025550123"],
    ["e164", "+12025550123"],
    ["dashed", "202-555-0123"],
    ["dotted", "202.555.0123"],
    ["parens", "(202) 555-0123"],
  ])("%s", (style, out) => {
    expect(formatPhone("+12025550123", style)).toBe(out);
    expect(formatPhone("(202) 555-0123", style)).toBe(out);
  });
  it("refuses what is not a US number", () => {
    expect(formatPhone("555-0123", "dashed")).toBeUndefined();
    expect(formatPhone("+442071234567", "dashed")).toBeUndefined();
  });
});

describe("date formatter", () => {
  it("formats calendar dates in any pattern without shifting them", () => {
    expect(formatDate("1985-08-09", "MM/DD/YYYY")).toBe("08/09/1985");
    expect(formatDate("1985-08-09", "MMDDYYYY")).toBe("08091985");
    expect(formatDate("1985-08-09", "M/D/YY")).toBe("8/9/85");
    // a birth date stays the same day whatever the zone
    expect(formatDate("1985-08-09", "YYYY-MM-DD", "Pacific/Honolulu")).toBe("1985-08-09");
  });
  it("shows instants in the buyer's time zone", () => {
    expect(formatDate("2026-11-25T05:33:00Z", "YYYY-MM-DD HH:mm", "America/New_York")).toBe("2026-11-25 00:33");
    expect(formatDate("2026-11-25T05:33:00Z", "MM/DD/YYYY hh:mm A", "America/Los_Angeles")).toBe("11/24/2026 09:33 PM");
    expect(formatDate("2026-07-01T12:00:00Z", "HH:mm", "America/New_York")).toBe("08:00"); // DST
  });
  it("unix seconds and ms, literal text in brackets", () => {
    expect(formatDate("2026-11-25T05:33:00Z", "unix")).toBe(1795584780);
    expect(formatDate("2026-11-25T05:33:00Z", "unix_ms")).toBe(1795584780000);
    expect(formatDate("1970-01-02", "unix")).toBe(86400);
    expect(formatDate("2026-11-25T05:33:00Z", "[on] YYYY")).toBe("on 2026");
  });
  it("refuses what is not a date", () => {
    expect(formatDate("1985-02-30", "MM/DD/YYYY")).toBeUndefined();
    expect(formatDate("yesterday", "MM/DD/YYYY")).toBeUndefined();
  });
});

describe("boolean, number, money, zip, case, truncate", () => {
  it("booleans in every style from every writing", () => {
    expect(formatBoolean(true, "Yes/No")).toBe("Yes");
    expect(formatBoolean("n", "Y/N")).toBe("N");
    expect(formatBoolean("YES", "1_0")).toBe(1);
    expect(formatBoolean(0, "true_false")).toBe(false);
    expect(formatBoolean("true", "yes_no")).toBe("yes");
    expect(formatBoolean("maybe", "yes_no")).toBeUndefined();
  });
  it("money and decimals", () => {
    expect(formatMoney(312500)).toBe("312500.00");
    expect(formatMoney("$1,250.5", 2, "$")).toBe("$1250.50");
    expect(formatMoney(2.005, 2)).toBe("2.01");
    expect(compileFormat({ decimals: 1 })(69.444)).toBe(69.4);
    expect(compileFormat({ decimals: 0 })("abc")).toBeInstanceOf(FormatFailure);
  });
  it("zip5, case, trim, truncate by characters not bytes", () => {
    expect(formatZip5("75201-1234")).toBe("75201");
    expect(formatZip5("752")).toBeUndefined();
    expect(compileFormat({ trim: true, case: "upper" })("  o'brien ")).toBe("O'BRIEN");
    expect(compileFormat({ case: "title" })("mary-ann o'brien")).toBe("Mary-Ann O'Brien");
    expect(truncate("Zoë😀abc", 4)).toBe("Zoë😀");
    expect(compileFormat({ maxLength: 3 })("abcdef")).toBe("abc");
  });
});
