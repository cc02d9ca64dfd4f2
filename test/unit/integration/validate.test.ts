import { describe, expect, it } from "vitest";
import { SpecSchema } from "../../../src/integration/spec-schema";
import { validateMappedPayload, validateMapping } from "../../../src/integration/validate";
import { buyer } from "./helpers";

const spec = {
  fields: {
    firstName: { type: "string", required: true, maxLength: 20 },
    state: { type: "string", required: true, pattern: "^[A-Z]{2}$" },
    purpose: { type: "string", enum: ["REFI", "PURCH"] },
    amount: { type: "integer" },
    contact: { type: "object", required: true, properties: { email: { type: "string", required: true } } },
    phones: { type: "array", items: { type: "string", pattern: "^\\d{10}$" } },
  },
};
const good = [
  { to: "firstName", from: "first_name", required: true, format: { maxLength: 20 } },
  { to: "state", from: "address.state" },
  { to: "contact.email", from: "email" },
];
const check = (fields: unknown[], s: unknown = spec) => validateMapping(buyer({ mapping: { fields } as never, spec: s as never }));
const messages = (fields: unknown[]) => check(fields).problems.map((p) => `${p.path}: ${p.message}`);

describe("validateMapping", () => {
  it("accepts a mapping that fits the spec", () => {
    expect(check(good)).toEqual({ ok: true, problems: [] });
  });

  it("a required buyer field that is not mapped", () => {
    expect(messages(good.slice(0, 2))).toContain("spec.contact.email: required by the buyer but not mapped");
  });

  it("a required buyer field mapped from something that may be missing", () => {
    expect(messages([...good.slice(1), { to: "firstName", from: "fields.nick", format: { maxLength: 20 } }])).toContain(
      "spec.firstName: required by the buyer but may be missing: mark the rule required or give it a default",
    );
  });

  it("names are exact and case-sensitive", () => {
    const m = messages([...good, { to: "FirstName", from: "first_name" }]);
    expect(
      m.some((x) => x.startsWith('mapping.fields[3] (FirstName): not a field of the buyer\'s API: names are case-sensitive, the spec says "firstName"')),
    ).toBe(true);
    expect(messages([...good, { to: "nickname", value: "x" }])).toContain("mapping.fields[3] (nickname): not a field of the buyer's API");
  });

  it("types", () => {
    expect(messages([...good, { to: "amount", value: "12" }])).toContain(
      'mapping.fields[3] (amount): the buyer wants integer, the mapping produces string (set "type" or a format)',
    );
    expect(check([...good, { to: "amount", value: "12", type: "integer" }]).ok).toBe(true);
  });

  it("enums, including translation table outputs", () => {
    expect(messages([...good, { to: "purpose", from: "fields.loan_purpose" }]).join("\n")).toMatch(
      /purpose\): the buyer accepts only "REFI", "PURCH" but it passes lead.fields.loan_purpose through unchanged/,
    );
    const table = { table: { refinance: "REFI", purchase: "PURCHASE" }, default: "REFI" };
    expect(messages([...good, { to: "purpose", from: "fields.loan_purpose", translate: table }])).toContain(
      'mapping.fields[3] (purpose): "PURCHASE" (from the mapping) is not one of "REFI", "PURCH"',
    );
    expect(messages([...good, { to: "purpose", from: "fields.loan_purpose", translate: { table: { refinance: "REFI" } } }]).join()).toMatch(
      /add translate.default/,
    );
  });

  it("max lengths", () => {
    expect(messages([{ ...good[0], format: undefined }, ...good.slice(1)])).toContain(
      "mapping.fields[0] (firstName): the buyer allows at most 20 characters; add format.maxLength",
    );
    expect(messages([{ ...good[0], format: { maxLength: 30 } }, ...good.slice(1)])).toContain(
      "mapping.fields[0] (firstName): may produce 30 characters, the buyer allows 20",
    );
  });

  it("patterns, checked on constants and on a real sample lead", () => {
    expect(messages([...good.slice(0, 1), { to: "state", value: "tx" }, good[2]])).toContain('mapping.fields[1] (state): "tx" does not match ^[A-Z]{2}$');
    expect(messages([...good, { to: "phones[0]", from: "phone", format: { phone: "dashed" } }])).toContain(
      'phones[0]: sample auto_insurance lead: "202-555-0123" does not match ^\\d{10}$',
    );
  });

  it("nested structure", () => {
    expect(messages([...good, { to: "firstName.inner", value: "x" }])).toContain(
      "mapping.fields[3] (firstName.inner): firstName is a string in the spec, not an object",
    );
    expect(messages([...good, { to: "contact", value: "x" }])).toContain("mapping.fields[3] (contact): the spec has an object here; map its children instead");
    expect(messages([...good, { to: "contact[0]", value: "x" }])).toContain("mapping.fields[3] (contact[0]): contact is not an array in the spec");
  });

  it("unknown computed functions, unknown lead fields, duplicates", () => {
    const m = messages([...good, { to: "amount", compute: { fn: "nope", args: [] } }]);
    expect(m.join()).toMatch(/unknown computed function "nope"/);
    expect(messages([...good, { to: "amount", from: "loan_amount", type: "integer" }])).toContain(
      "mapping.fields[3] (amount): lead.loan_amount is not a field of the canonical lead",
    );
    expect(messages([...good, { to: "state", value: "TX" }])).toContain('mapping.fields[3] (state): "state" is already mapped by mapping.fields[1]');
  });

  it("templates are rendered with a sample lead and checked", () => {
    const b = buyer({
      mapping: { template: `{"firstName": "{{lead.first_name}}", "state": "{{lower(lead.address.state)}}", "contact": {}}` },
      spec: spec as never,
    });
    const m = validateMapping(b).problems.map((p) => `${p.path}: ${p.message}`);
    expect(m).toEqual([
      'state: sample auto_insurance lead: "tx" does not match ^[A-Z]{2}$',
      "contact.email: sample auto_insurance lead: required by the buyer but missing",
    ]);
    const broken = buyer({ mapping: { template: `{"firstName": {{lead.first_name}` }, spec: spec as never });
    expect(validateMapping(broken).problems[0]?.message).toMatch(/does not produce valid json/);
  });
});

describe("validateMappedPayload", () => {
  const s = SpecSchema.parse(spec);
  it("lists every problem of a real payload", () => {
    expect(validateMappedPayload(s, { firstName: "x".repeat(21), state: "Texas", amount: 1.5, contact: { email: 1 }, phones: ["1"], extra: 1 })).toEqual([
      { path: "firstName", message: "longer than 20 characters (21)" },
      { path: "state", message: '"Texas" does not match ^[A-Z]{2}$' },
      { path: "amount", message: "must be integer, got number (1.5)" },
      { path: "contact.email", message: "must be string, got number (1)" },
      { path: "phones[0]", message: '"1" does not match ^\\d{10}$' },
      { path: "extra", message: "not a field of the buyer's API" },
    ]);
  });
  it("unknown fields are allowed when the spec says so", () => {
    expect(
      validateMappedPayload(SpecSchema.parse({ ...spec, allowUnknownFields: true }), { firstName: "a", state: "TX", contact: { email: "e" }, extra: 1 }),
    ).toEqual([]);
  });
});
