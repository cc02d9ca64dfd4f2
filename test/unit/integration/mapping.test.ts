import { describe, expect, it } from "vitest";
import { MappingError } from "../../../src/integration/errors";
import { buildRequest, mapLead } from "../../../src/integration/mapping/request";
import { buyer, ctx, lead, NOW } from "./helpers";

const map = (fields: unknown[], l = lead()) => mapLead(buyer({ mapping: { fields } as never }), l, () => NOW);

describe("field mapping", () => {
  it("renames into nested objects and arrays by dot-path and index", () => {
    const r = map([
      { to: "contact.phones[0].number", from: "lead.phone", format: { phone: "digits10" } },
      { to: "contact.phones[0].type", value: "mobile" },
      { to: "contact.name.first", from: "first_name" },
    ]);
    expect(r.payload).toEqual({ contact: { phones: [{ number: "2025550123", type: "mobile" }], name: { first: "Renée" } } });
  });

  it("translates with a table, case-insensitively, with a default; a miss is a warning, never dropped", () => {
    const t = { table: { refinance: "REFI", purchase: "PURCH" }, caseInsensitive: true };
    expect(map([{ to: "p", from: "fields.purpose", translate: t }], lead({ fields: { purpose: "ReFinance" } })).payload).toEqual({ p: "REFI" });
    const miss = map([{ to: "p", from: "fields.purpose", translate: t }], lead({ fields: { purpose: "heloc" } }));
    expect(miss.payload).toEqual({ p: "heloc" });
    expect(miss.warnings).toEqual([{ field: "p", message: 'no translation for "heloc"; sent as is' }]);
    const def = map([{ to: "p", from: "fields.purpose", translate: { ...t, default: "OTHER" } }], lead({ fields: { purpose: "heloc" } }));
    expect(def.payload).toEqual({ p: "OTHER" });
    expect(def.warnings).toHaveLength(1);
    expect(map([{ to: "b", from: "homeowner", translate: { table: { true: 1, false: 0 } } }]).payload).toEqual({ b: 1 });
  });

  it("case-sensitive translation by default", () => {
    const r = map([{ to: "p", from: "fields.purpose", translate: { table: { refinance: "REFI" } } }], lead({ fields: { purpose: "Refinance" } }));
    expect(r.warnings).toHaveLength(1);
  });

  it("constants, defaults for missing values, and output types", () => {
    const l = lead({ dob: undefined, fields: { vehicle_year: "2019" } });
    const r = map(
      [
        { to: "src", value: "leadwire" },
        { to: "dob", from: "dob", default: "unknown" },
        { to: "year", from: "fields.vehicle_year", type: "integer" },
        { to: "yearText", from: "fields.vehicle_year", type: "string" },
        { to: "absent", from: "fields.nope" },
      ],
      l,
    );
    expect(r.payload).toEqual({ src: "leadwire", dob: "unknown", year: 2019, yearText: "2019" });
  });

  it("conditional fields: exists / equals / in", () => {
    const rules = [
      { to: "second", from: "phone_secondary", format: { phone: "dashed" }, when: { field: "phone_secondary", exists: true } },
      { to: "refi", value: true, when: { field: "fields.purpose", equals: "refinance" } },
      { to: "south", value: true, when: { field: "address.state", in: ["TX", "FL"] } },
    ];
    expect(map(rules, lead({ fields: { purpose: "refinance" } })).payload).toEqual({ second: "312-555-0188", refi: true, south: true });
    expect(map(rules, lead({ phone_secondary: undefined, address: { state: "CA" } as never })).payload).toEqual({});
  });

  it("computed fields use the injected clock", () => {
    const r = map(
      [
        { to: "age", compute: { fn: "age", args: ["dob"] } },
        { to: "ltv", compute: { fn: "ltv", args: ["fields.loan", "fields.value"] } },
      ],
      lead({ fields: { loan: 200000, value: 250000 } }),
    );
    expect(r.payload).toEqual({ age: 41, ltv: 80 });
  });

  it("an unformattable optional value is left out with a warning", () => {
    const r = map([{ to: "tel", from: "fields.alt", format: { phone: "dashed" } }], lead({ fields: { alt: "12345" } }));
    expect(r.payload).toEqual({});
    expect(r.warnings[0]?.field).toBe("tel");
  });

  it("a required field missing or invalid stops the request before any HTTP call (MappingError)", () => {
    const b = buyer({
      mapping: {
        fields: [
          { to: "dob", from: "dob", required: true, format: { date: "MM/DD/YYYY" } },
          { to: "tel", from: "fields.alt", required: true, format: { phone: "dashed" } },
          { to: "ok", from: "email", required: true },
        ],
      },
    });
    let err: unknown;
    try {
      buildRequest(b, lead({ dob: undefined, fields: { alt: "12" } }), ctx());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MappingError);
    expect((err as MappingError).issues).toEqual([
      { field: "dob", message: "required field is missing" },
      { field: "tel", message: "not a US phone number (format dashed)" },
    ]);
  });

  it("a config that cannot compile names the field", () => {
    expect(() => map([{ to: "x", compute: { fn: "nope", args: [] } }])).toThrow(/unknown computed function "nope"/);
    expect(() => map([{ to: "a..b", from: "email" }])).toThrow(/malformed path/);
  });
});
