import { describe, expect, it } from "vitest";
import { normalizeLead } from "../../../src/intake/normalize";
import {
  normalizeBoolean,
  normalizeDate,
  normalizeEmail,
  normalizeInstant,
  normalizeJornayaLeadId,
  normalizeMoney,
  normalizeMoneyOrRange,
  normalizePhone,
  normalizeState,
  normalizeTrustedFormUrl,
  normalizeZip,
} from "../../../src/intake/normalizers";

describe("phone", () => {
  it.each([
    [" 602 980 7364 ", "+16029807364"],
    ["(214) 715-3718", "+12147153718"],
    ["+1-786-275-8649", "+17862758649"],
    ["206.851.1653", "+12068511653"],
    ["17026060115", "+17026060115"],
    [2127726013, "+12127726013"],
  ])("%s → %s", (input, e164) => {
    const p = normalizePhone(input);
    expect(p?.e164).toBe(e164);
    expect(p?.national).toBe(e164.slice(2));
  });
  it.each(["555-1234", "", "abc", "+44 20 7946 0958", "123-456-7890", "(000) 000-0000"])("refuses %j", (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});

describe("email, state, zip", () => {
  it("trims and lower-cases email, refuses non-addresses", () => {
    expect(normalizeEmail(" CHLO.MLLER956@Example.COM ")).toBe("chlo.mller956@example.com");
    expect(normalizeEmail("not-an-email")).toBeUndefined();
    expect(normalizeEmail("a@b")).toBeUndefined();
  });
  it.each([
    ["tx", "TX"],
    [" IL ", "IL"],
    ["GEORGIA", "GA"],
    ["new york", "NY"],
    ["District of Columbia", "DC"],
    ["Puerto Rico", "PR"],
  ])("state %j → %s", (i, o) => expect(normalizeState(i)).toBe(o));
  it.each(["XX", "Texass", "", "T"])("refuses state %j", (i) => expect(normalizeState(i)).toBeUndefined());
  it("reads ZIP and ZIP+4 in its writings, refuses 4-digit ZIPs", () => {
    expect(normalizeZip("60601-3803")).toEqual({ zip: "60601", zip4: "3803" });
    expect(normalizeZip("98101 7852")).toEqual({ zip: "98101", zip4: "7852" });
    expect(normalizeZip("021081382")).toEqual({ zip: "02108", zip4: "1382" });
    expect(normalizeZip("02108")).toEqual({ zip: "02108" });
    expect(normalizeZip("7870")).toBeUndefined();
    expect(normalizeZip("787011")).toBeUndefined();
  });
});

describe("dates, booleans, money, consent", () => {
  it.each([
    ["1989-07-20", "1989-07-20"],
    ["12/19/2002", "2002-12-19"],
    ["5/12/1990", "1990-05-12"],
    ["07-04-1976", "1976-07-04"],
    ["19890720", "1989-07-20"],
    ["2001-05-15T00:00:00Z", "2001-05-15"],
  ])("date %s → %s", (i, o) => expect(normalizeDate(i)).toBe(o));
  it.each(["02/30/1990", "13/01/1990", "1990-02-29", "yesterday", "1/1/90"])("refuses date %s", (i) => expect(normalizeDate(i)).toBeUndefined());
  it("accepts leap days that exist", () => expect(normalizeDate("02/29/2000")).toBe("2000-02-29"));
  it("reads instants with a zone only", () => {
    expect(normalizeInstant("2026-11-25T05:33:00Z")).toBe("2026-11-25T05:33:00.000Z");
    expect(normalizeInstant("2026-11-25T05:33:00-05:00")).toBe("2026-11-25T10:33:00.000Z");
    expect(normalizeInstant("2026-11-25 05:33")).toBeUndefined();
    expect(normalizeInstant(1764048780)).toBe("2025-11-25T05:33:00.000Z");
  });
  it.each([
    [1, true],
    [0, false],
    ["yes", true],
    ["no", false],
    ["Y", true],
    ["N", false],
    [true, true],
    ["False", false],
    ["1", true],
    ["0", false],
  ] as const)("boolean %j → %s", (i, o) => expect(normalizeBoolean(i)).toBe(o));
  it.each([["maybe"], [2], [null]])("refuses boolean %j", (i) => expect(normalizeBoolean(i)).toBeUndefined());
  it("reads money and ranges", () => {
    expect(normalizeMoney("$312,500.00")).toBe(312500);
    expect(normalizeMoney("250,000")).toBe(250000);
    expect(normalizeMoney(250000)).toBe(250000);
    expect(normalizeMoney("12,34")).toBeUndefined();
    expect(normalizeMoney("-5")).toBeUndefined();
    expect(normalizeMoneyOrRange("100-150")).toBe(125);
    expect(normalizeMoneyOrRange("$150")).toBe(150);
    expect(normalizeMoneyOrRange("150-100")).toBeUndefined();
  });
  it("checks TrustedForm and Jornaya shapes", () => {
    const id = "a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2";
    expect(normalizeTrustedFormUrl(`https://cert.trustedform.com/${id}`)).toBe(`https://cert.trustedform.com/${id}`);
    expect(normalizeTrustedFormUrl(`https://cert.trustedform.com/${id.toUpperCase()}`)).toBe(`https://cert.trustedform.com/${id}`);
    expect(normalizeTrustedFormUrl(`http://cert.trustedform.com/${id}`)).toBeUndefined();
    expect(normalizeTrustedFormUrl(`https://cert.trustedform.com.evil.com/${id}`)).toBeUndefined();
    expect(normalizeTrustedFormUrl("https://evil.example.com/cert/123")).toBeUndefined();
    expect(normalizeTrustedFormUrl(`https://cert.trustedform.com/${id.slice(1)}`)).toBeUndefined();
    expect(normalizeJornayaLeadId("1ba16215-8228-3d15-a9ec-0806705fca16")).toBe("1BA16215-8228-3D15-A9EC-0806705FCA16");
    expect(normalizeJornayaLeadId("1BA16215-8228-3D15-A9EC")).toBeUndefined();
  });
});

describe("normalizeLead", () => {
  const base = {
    vertical: "mortgage",
    first_name: " Ann ",
    last_name: "O'Brien",
    email: "ann@example.com",
    phone: "(214) 715-3718",
    address: { street: "1 Main St", city: "Dallas", state: "texas", zip: "75201" },
    fields: { loan_amount: "$312,500.00", property_value: 400000, loan_purpose: "REFI", credit_rating: "Good" },
  };
  const opts = { id: "lead_1", sourceId: "src_1", nowMs: Date.parse("2026-11-28T00:00:00Z") };

  it("normalizes vertical fields", () => {
    const r = normalizeLead(base, opts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.lead.first_name).toBe("Ann");
    expect(r.lead.fields).toEqual({ loan_amount: 312500, property_value: 400000, loan_purpose: "refinance", credit_rating: "good" });
  });

  it("lists every problem at once with its path", () => {
    const r = normalizeLead(
      {
        ...base,
        email: "x",
        phone: "555-1234",
        address: { ...base.address, zip: "7870", state: "Atlantis" },
        dob: "2015-01-01",
        fields: { loan_amount: "lots" },
      },
      opts,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(["address.state", "address.zip", "dob", "email", "fields.loan_amount", "phone"]);
    expect(r.issues.find((i) => i.path === "dob")?.message).toMatch(/at least 18/);
  });

  it("refuses unknown top-level fields and wrong types with their path", () => {
    const r = normalizeLead({ ...base, surprise: 1, first_name: 42 }, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain("first_name");
    expect(paths.some((p) => p === "(body)" || p === "surprise")).toBe(true);
  });

  it("refuses a consent time in the future", () => {
    const r = normalizeLead({ ...base, consent: { consented_at: "2027-01-01T00:00:00Z" } }, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe("consent.consented_at");
  });
});
