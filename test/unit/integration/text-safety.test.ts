/**
 * Rules whose text the fast writers write without the escaping check (mapping/text-safety.ts)
 * must still come out exactly as the general serializer writes their payload, whatever the lead
 * holds: hostile text in every field, through every format step that claims a known alphabet.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedLead } from "../../../src/core/lead";
import { SAFE_FORM, SAFE_JSON, SAFE_XML } from "../../../src/integration/formats/plain-text";
import type { FormatConfig } from "../../../src/integration/formats/schema";
import { compileSerializer } from "../../../src/integration/formats/serialize";
import { compileFieldSlots } from "../../../src/integration/mapping/compile";
import { compileBuyer } from "../../../src/integration/mapping/request";
import type { FieldRule } from "../../../src/integration/mapping/schema";
import { FieldRuleSchema } from "../../../src/integration/mapping/schema";
import { ruleSafety } from "../../../src/integration/mapping/text-safety";
import { HOSTILE } from "./golden/cases";
import { buyer, lead, NOW } from "./helpers";

const rule = (r: Record<string, unknown>): FieldRule => FieldRuleSchema.parse(r);
const ALL = SAFE_JSON | SAFE_XML | SAFE_FORM;

/** One rule per format step that claims a known alphabet, and a few that must not. */
const RULES: Record<string, unknown>[] = [
  { to: "digits10", from: "phone", format: { phone: "digits10" } },
  { to: "e164", from: "phone", format: { phone: "e164" } },
  { to: "parens", from: "phone_secondary", format: { phone: "parens" } },
  { to: "dashed", from: "first_name", format: { phone: "dashed" } },
  { to: "dob", from: "dob", format: { date: "MM/DD/YYYY" } },
  { to: "dob_odd", from: "dob", format: { date: "[<b>]YYYY[\"&']MM" } },
  { to: "at_zoned", from: "consent.consented_at", format: { date: "YYYY-MM-DD[T]hh:mm A", timezone: "America/Chicago" } },
  { to: "at_iso", from: "consent.consented_at", format: { date: "iso" } },
  { to: "at_unix", from: "consent.consented_at", format: { date: "unix" } },
  { to: "name_as_date", from: "first_name", format: { date: "YYYY" } },
  { to: "owner", from: "homeowner", default: false, format: { boolean: "Yes/No" } },
  { to: "owner10", from: "first_name", format: { boolean: "1_0" } },
  { to: "bill", from: "fields.monthly_electric_bill", format: { money: { decimals: 2, symbol: "<$>" } } },
  { to: "bill_round", from: "fields.monthly_electric_bill", format: { decimals: 1 } },
  { to: "zip", from: "address.zip", format: { zip5: true } },
  { to: "hash", from: "email", format: { trim: true, case: "lower", sha256: true } },
  { to: "shade", from: "fields.roof_shade", translate: { table: { none: "NO<SHADE>", partial: 'PARTIAL "SHADE"' }, default: "UNKNOWN" } },
  { to: "shade_pass", from: "first_name", translate: { table: { none: "NONE" } } },
  { to: "shade_def", from: "first_name", translate: { table: { none: "NONE" }, default: "A&B" } },
  { to: "const", value: 'say "hi" & <bye>' },
  { to: "const_plain", value: "leadwire" },
  { to: "first_default", from: "phone_secondary", default: "n/a <none>" },
  { to: "first_upper", from: "first_name", format: { case: "upper", maxLength: 5 } },
  { to: "first_trim", from: "last_name", format: { trim: true, maxLength: 3 } },
  { to: "big_text", value: 1e21, type: "string" },
  { to: "int", from: "fields.monthly_electric_bill", type: "integer" },
  { to: "when", from: "address.city", when: { field: "address.state", equals: "CA" } },
];

const FORMATS: FormatConfig[] = [
  { type: "json", charset: "utf-8" },
  { type: "xml", root: "Lead", declaration: true, attributePrefix: "@_", pretty: false, charset: "utf-8", contentType: "application/xml" },
  { type: "form", nesting: "bracket", charset: "utf-8" },
];

function leads(): NormalizedLead[] {
  const out: NormalizedLead[] = [lead()];
  HOSTILE.forEach((h, i) => {
    out.push(
      lead({
        id: `h_${i}`,
        first_name: h,
        last_name: ` ${h} `,
        email: ` X${i}+${h}@Example.com `,
        phone_secondary: h,
        dob: i % 2 ? h : "1985-08-09",
        address: { street: h, city: h, state: "CA", zip: i % 3 ? h : "90210-1234" },
        consent: { tcpa_text: h, trustedform_cert_url: h, jornaya_leadid: h, consented_at: i % 2 ? h : "2026-11-25T05:33:00.000Z" },
        fields: { roof_shade: i % 4 ? h : "partial", monthly_electric_bill: i % 2 ? h : "$1,250.55" },
      } as never),
    );
  });
  return out;
}

describe("text the writers leave unchecked", () => {
  it("is written exactly as the general serializer writes the payload, for hostile text in every field", () => {
    const fields = RULES.map(rule);
    for (const format of FORMATS) {
      const b = buyer({ format: format as never, mapping: { fields } as never });
      const c = compileBuyer(b);
      const serializer = compileSerializer(b.format);
      let compared = 0;
      for (const l of leads()) {
        const r = c.render(l, { now: () => NOW }, () => undefined);
        expect(r.issues, JSON.stringify(l.first_name)).toEqual([]);
        expect(r.body, `${format.type} for ${JSON.stringify(l.first_name)}`).toBe(serializer.serialize(r.payload ?? {}, () => undefined));
        compared++;
      }
      expect(compared).toBe(HOSTILE.length + 1);
    }
  });

  it("is claimed only where the config fixes the alphabet", () => {
    const safety = (r: Record<string, unknown>) => ruleSafety(rule(r));
    expect(safety({ to: "a", from: "phone", format: { phone: "digits10" } })).toBe(ALL);
    expect(safety({ to: "a", from: "phone", format: { phone: "parens" } })).toBe(SAFE_JSON | SAFE_XML);
    expect(safety({ to: "a", from: "dob", format: { date: "MM/DD/YYYY" } })).toBe(SAFE_JSON | SAFE_XML);
    expect(safety({ to: "a", from: "dob", format: { date: "MMDDYYYY" } })).toBe(ALL);
    expect(safety({ to: "a", from: "dob", format: { date: '[<]YYYY"' } })).toBe(0);
    expect(safety({ to: "a", from: "homeowner", format: { boolean: "Y/N" } })).toBe(ALL);
    expect(safety({ to: "a", from: "first_name" })).toBe(0);
    expect(safety({ to: "a", from: "first_name", format: { maxLength: 3 } })).toBe(0);
    expect(safety({ to: "a", from: "first_name", format: { case: "upper" } })).toBe(0);
    expect(safety({ to: "a", value: "leadwire" })).toBe(ALL);
    expect(safety({ to: "a", value: "a&b" })).toBe(SAFE_JSON);
    expect(safety({ to: "a", value: "leadwire", format: { case: "upper" } })).toBe(0);
    expect(safety({ to: "a", from: "vertical", translate: { table: { solar: "SOLAR" }, default: "OTHER" } })).toBe(ALL);
    // Without a default, a value with no entry is sent as it is: lead text.
    expect(safety({ to: "a", from: "vertical", translate: { table: { solar: "SOLAR" } } })).toBe(0);
    expect(safety({ to: "a", from: "fields.x", type: "string" })).toBe(0);
    expect(safety({ to: "a", value: 5, type: "string" })).toBe(SAFE_JSON | SAFE_XML);
    expect(safety({ to: "a", from: "fields.x", default: "x", format: { zip5: true } })).toBe(ALL);
    expect(safety({ to: "a", from: "bid.id" })).toBe(0);
    expect(safety({ to: "a", compute: { fn: "full_name", args: ["first_name", "last_name"] } })).toBe(0);
  });

  it("is what the slots report for the writers, rule by rule", () => {
    const slots = compileFieldSlots({ fields: RULES.map(rule) });
    expect(slots.safety).toEqual(RULES.map((r) => ruleSafety(rule(r))));
    expect(slots.safety.filter((s) => s !== 0).length).toBeGreaterThan(10);
  });
});
