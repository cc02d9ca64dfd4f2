/** Matching buyer field names to the lead, and the formatters and tables inferred for each match. */
import { describe, expect, it } from "vitest";
import { LEAD_SOURCES, type LeadSource } from "../../../src/integration/spec-import/catalog";
import { datePattern, declaredDatePattern, inferRule, phoneStyle } from "../../../src/integration/spec-import/infer";
import { closestSources, matchField } from "../../../src/integration/spec-import/match";
import { inferResponse } from "../../../src/integration/spec-import/responses";
import type { ImportedField } from "../../../src/integration/spec-import/types";
import { proposeTable } from "../../../src/integration/spec-import/values";

const best = (path: string, verticals?: string[], description?: string): string | undefined =>
  matchField({ segments: path.split("."), ...(description ? { description } : {}) }, verticals)[0]?.source.label;
const source = (label: string): LeadSource => {
  const s = LEAD_SOURCES.find((x) => x.label === label);
  if (!s) throw new Error(label);
  return s;
};
const field = (over: Partial<ImportedField>): ImportedField => ({ name: "x", type: "string", required: true, ...over });

describe("matching names to the lead", () => {
  it.each([
    ["fname", "lead.first_name"],
    ["FirstName", "lead.first_name"],
    ["applicant.name.first", "lead.first_name"],
    ["Borrower.FirstName", "lead.first_name"],
    ["applicant_first_name", "lead.first_name"],
    ["surname", "lead.last_name"],
    ["zip", "lead.address.zip"],
    ["postal_code", "lead.address.zip"],
    ["ZipCode", "lead.address.zip"],
    ["dob", "lead.dob"],
    ["birth_date", "lead.dob"],
    ["BorrowerDOB", "lead.dob"],
    ["email_address", "lead.email"],
    ["phones.number", "lead.phone"],
    ["Contact.Name", "full_name(first_name, last_name)"],
    ["Address.Line1", "lead.address.street"],
    ["trusted_form_cert_id", "lead.consent.trustedform_cert_url"],
    ["LeadiD", "lead.consent.jornaya_leadid"],
    ["lead_id", "lead.id"],
    ["Loan.Amount", "lead.fields.loan_amount"],
    ["Property.Value", "lead.fields.property_value"],
  ])("%s → %s", (path, label) => {
    expect(best(path)).toBe(label);
  });

  it("finds Salesforce custom fields by their label", () => {
    expect(best("00N5f00000GHa1b", undefined, "Loan Amount")).toBe("lead.fields.loan_amount");
    expect(best("00N5f00000GHa1x", undefined, "Date of Birth")).toBe("lead.dob");
  });

  it("does not treat configuration keys or unknown data as lead fields", () => {
    expect(best("lp_campaign_id")).toBeUndefined();
    expect(best("ssn_last4")).toBeUndefined();
    expect(best("employer_name")).toBeUndefined();
  });

  it("offers vertical fields only to buyers of that vertical", () => {
    expect(best("year", ["auto_insurance"])).toBe("lead.fields.vehicle_year");
    expect(best("year", ["mortgage"])).toBeUndefined();
  });

  it("lists the closest lead fields as candidates, not as a match", () => {
    expect(closestSources({ segments: ["Borrower", "EmployerName"] }).map((c) => c.label)).toContain("full_name(first_name, last_name)");
    expect(closestSources({ segments: ["qqq"] })).toEqual([]);
  });
});

describe("formatters inferred from the spec", () => {
  it("phone style from pattern, example, declared format or length", () => {
    expect(phoneStyle(field({ pattern: "^\\d{3}-\\d{3}-\\d{4}$" })).style).toBe("dashed");
    expect(phoneStyle(field({ example: "(202) 555-0123" })).style).toBe("parens");
    expect(phoneStyle(field({ format: "E.164" })).style).toBe("e164");
    expect(phoneStyle(field({ example: "12025550123" })).style).toBe("digits11");
    expect(phoneStyle(field({ maxLength: 10 })).style).toBe("digits10");
  });

  it("date pattern from a declared format, a regex or an example", () => {
    expect(declaredDatePattern("mm/dd/yyyy")).toBe("MM/DD/YYYY");
    expect(declaredDatePattern("yyyy-MM-dd HH:mm:ss")).toBe("YYYY-MM-DD HH:mm:ss");
    expect(declaredDatePattern("date-time")).toBe("iso");
    expect(datePattern(field({ pattern: "^\\d{8}$", example: "19850809" }), false).pattern).toBe("YYYYMMDD");
    expect(datePattern(field({ pattern: "^\\d{2}/\\d{2}/\\d{4}$" }), false).pattern).toBe("MM/DD/YYYY");
    expect(datePattern(field({ example: "7/20/1989" }), false).pattern).toBe("M/D/YYYY");
    expect(datePattern(field({ example: "25/12/1989" }), false).pattern).toBe("DD/MM/YYYY");
    expect(datePattern(field({ example: "2026-11-25 05:33:00" }), true).pattern).toBe("YYYY-MM-DD HH:mm:ss");
    expect(datePattern(field({ example: 1764048780, type: "integer" }), true).pattern).toBe("unix");
  });

  it("yes/no as a boolean style, or a table when the buyer's words are its own", () => {
    const home = source("lead.homeowner");
    expect(inferRule(field({ enum: ["Y", "N"] }), home).format).toEqual({ boolean: "Y/N" });
    expect(inferRule(field({ example: "yes" }), home).format).toEqual({ boolean: "yes_no" });
    expect(inferRule(field({ type: "integer", enum: [1, 0] }), home).format).toEqual({ boolean: "1_0" });
    expect(inferRule(field({ type: "boolean" }), home).format).toBeUndefined();
    expect(inferRule(field({ enum: ["Own", "Rent"] }), home).translate).toEqual({ table: { true: "Own", false: "Rent" }, default: "Rent" });
  });

  it("state names when the buyer writes names; its list of codes becomes a filter", () => {
    const state = source("lead.address.state");
    const names = inferRule(field({ example: "TEXAS" }), state);
    expect(names.translate?.table.NY).toBe("NEW YORK");
    const codes = inferRule(field({ enum: ["TX", "CA", "AZ"] }), state);
    expect(codes.onlyStates).toEqual(["TX", "CA", "AZ"]);
    expect(codes.dropEnum).toBe(true);
  });

  it("ZIP+4 when the spec allows it, money and numbers as the spec types them, lengths cut", () => {
    expect(inferRule(field({ pattern: "^\\d{5}(-\\d{4})?$" }), source("lead.address.zip")).source).toEqual({
      compute: { fn: "zip_plus4", args: ["address.zip", "address.zip4"] },
    });
    const loan = source("lead.fields.loan_amount");
    expect(inferRule(field({ pattern: "^\\d+\\.\\d{2}$" }), loan).format).toEqual({ money: { decimals: 2 } });
    expect(inferRule(field({ type: "integer" }), loan).format).toEqual({ decimals: 0 });
    expect(inferRule(field({ example: "2019" }), source("lead.fields.vehicle_year")).type).toBe("string");
    expect(inferRule(field({ maxLength: 20 }), source("lead.first_name")).format).toEqual({ maxLength: 20 });
  });

  it("enum tables: complete, with the buyer's catch-all, or left open when a value has no counterpart", () => {
    expect(proposeTable(["purchase", "refinance", "cash_out", "heloc"], ["Purchase", "Refinance", "Cash-Out Refinance", "HELOC", "Other"])).toEqual({
      table: { purchase: "Purchase", refinance: "Refinance", cash_out: "Cash-Out Refinance", heloc: "HELOC" },
      missing: [],
      catchAll: "Other",
    });
    const purpose = source("lead.fields.loan_purpose");
    const withOther = inferRule(field({ enum: ["PURCHASE", "REFI", "OTHER"] }), purpose);
    expect(withOther.translate).toEqual({ table: { purchase: "PURCHASE", refinance: "REFI" }, caseInsensitive: true, default: "OTHER" });
    const open = inferRule(field({ enum: ["PURCHASE", "REFI"] }), purpose);
    expect(open.open).toMatch(/^lead\.fields\.loan_purpose matches, but cash_out, heloc have no counterpart in "PURCHASE", "REFI"/);
  });
});

describe("response rules from documented answers", () => {
  it("a text answer becomes search rules; no documented answer falls back to a status field, with a note", () => {
    const text = inferResponse(
      [
        { status: 200, kind: "text", body: "ACCEPTED 123" },
        { status: 200, kind: "text", body: "REJECTED: duplicate" },
      ],
      "json",
    );
    expect(text.rules.rules).toEqual([
      { match: { search: "ACCEPTED" }, outcome: "accepted" },
      { match: { search: "REJECTED" }, outcome: "rejected" },
    ]);
    expect(text.readings.map((r) => r.outcome)).toEqual(["accepted", "rejected"]);
    const none = inferResponse([], "xml");
    expect(none.rules.statusField).toEqual({ path: { xpath: "//*[local-name()='status']" } });
    expect(none.notes[0]).toMatch(/documents no answers/);
  });
});
