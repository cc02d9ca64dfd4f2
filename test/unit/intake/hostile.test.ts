import { describe, expect, it } from "vitest";
import { type NormalizeResult, normalizeLead } from "../../../src/intake/normalize";
import { normalizeBoolean, normalizeState } from "../../../src/intake/normalizers";

// Odd and hostile input a source can send, each answered with the field and the reason (never
// a crash, never a silently changed value).

const NOW = Date.parse("2026-11-28T00:00:00Z");
const opts = { id: "lead_1", sourceId: "src_1", nowMs: NOW };
const base = {
  vertical: "auto_insurance",
  first_name: "Ann",
  last_name: "O'Brien",
  email: "ann@example.com",
  phone: "(214) 715-3718",
  address: { street: "1 Main St", city: "Dallas", state: "TX", zip: "75201" },
  consent: { tcpa_text: "I agree.", consented_at: "2026-11-27T10:00:00Z" },
  fields: { vehicle_year: 2019, currently_insured: "yes" },
};
const lead = (over: Record<string, unknown>) => ({ ...base, ...over });
const issues = (r: NormalizeResult) => (r.ok ? [] : r.issues);
const paths = (r: NormalizeResult) => issues(r).map((i) => i.path);

const PROTO_NAMES = ["toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "constructor", "propertyIsEnumerable", "toLocaleString"];

describe("field names and values that are Object.prototype members", () => {
  it.each(PROTO_NAMES)("fields.%s is kept as the source's own field, in every vertical", (name) => {
    for (const vertical of ["auto_insurance", "mortgage", "solar", "legal", "home_services", "health"]) {
      const r = normalizeLead(lead({ vertical, fields: { [name]: "  some value " } }), opts);
      expect(r.ok, `${vertical}: ${JSON.stringify(issues(r))}`).toBe(true);
      if (r.ok) expect(Object.getOwnPropertyDescriptor(r.lead.fields, name)?.value).toBe("some value");
    }
  });

  it("fields.__proto__ is refused by name instead of being dropped", () => {
    const r = normalizeLead(JSON.parse(JSON.stringify(base).replace('"fields":{', '"fields":{"__proto__":"x",')), opts);
    expect(issues(r)).toContainEqual({ path: "fields.__proto__", message: "is a reserved name; choose another field name" });
  });

  it("a state or a choice named like a prototype member is refused, not read as a function", () => {
    for (const name of PROTO_NAMES) {
      expect(normalizeState(name)).toBeUndefined();
      const r = normalizeLead(lead({ address: { ...base.address, state: name } }), opts);
      expect(paths(r)).toEqual(["address.state"]);
      const m = normalizeLead(lead({ vertical: "mortgage", fields: { loan_purpose: name } }), opts);
      expect(paths(m)).toEqual(["fields.loan_purpose"]);
    }
  });
});

describe("consent time", () => {
  it.each([
    [0, /more than 90 days old \(1970-01-01/],
    [-1.5, /more than 90 days old \(1969-12-31/],
    [1969, /more than 90 days old \(1970-01-01/],
    ["1969-07-20T20:17:00Z", /more than 90 days old/],
    ["2026-08-29T23:59:59Z", /more than 90 days old/],
    ["2026-11-28T00:06:00Z", /in the future/],
  ])("refuses %j naming the field", (at, message) => {
    const r = normalizeLead(lead({ consent: { consented_at: at } }), opts);
    expect(issues(r)).toHaveLength(1);
    expect(issues(r)[0]?.path).toBe("consent.consented_at");
    expect(issues(r)[0]?.message).toMatch(message);
  });

  it("accepts 90 days old exactly, a few minutes of clock skew, and a configured age", () => {
    expect(normalizeLead(lead({ consent: { consented_at: "2026-08-30T00:00:00Z" } }), opts).ok).toBe(true);
    expect(normalizeLead(lead({ consent: { consented_at: "2026-11-28T00:04:00Z" } }), opts).ok).toBe(true);
    const week = { ...opts, policy: { consentMaxAgeMs: 7 * 86_400_000, acceptedPhoneCountries: ["US"] } };
    const r = normalizeLead(lead({ consent: { consented_at: "2026-11-20T00:00:00Z" } }), week);
    expect(issues(r)[0]?.message).toMatch(/more than 7 days old/);
  });
});

describe("control characters", () => {
  const cases: [string, string][] = [
    ["NUL", "Ann\u0000"],
    ["BEL", "An\u0007n"],
    ["CR/LF", "Ann\r\nSmith"],
    ["LF", "Ann\nSmith"],
    ["tab", "Ann\tSmith"],
    ["right-to-left override", "Ann\u202Egnp.exe"],
    ["isolate", "Ann\u2066x\u2069"],
    ["C1 (NEL)", "Ann\u0085"],
    ["DEL", "Ann\u007F"],
    ["line separator", "Ann\u2028Smith"],
  ];

  it.each(cases)("%s in a name, street, city, external id or typed field is refused naming the field", (_what, text) => {
    const r = normalizeLead(
      lead({
        first_name: text,
        external_id: text,
        address: { ...base.address, city: text, street: text },
        fields: { ...base.fields, vehicle_make: text },
      }),
      opts,
    );
    expect(paths(r).sort()).toEqual(["address.city", "address.street", "external_id", "fields.vehicle_make", "first_name"]);
    expect(issues(r)[0]?.message).toMatch(/control character|single line/);
  });

  it("multi-line fields keep line breaks and tabs but never NUL, BEL or bidi overrides", () => {
    const ok = normalizeLead(lead({ consent: { ...base.consent, tcpa_text: "Line one.\r\nLine\ttwo." }, fields: { notes: "a\nb" } }), opts);
    expect(ok.ok).toBe(true);
    const legal = normalizeLead(lead({ vertical: "legal", fields: { case_type: "auto", description: "Rear-ended.\nNeck pain." } }), opts);
    expect(legal.ok).toBe(true);
    for (const bad of ["I agree\u0000", "I \u202Eagree", "ding\u0007"]) {
      const r = normalizeLead(lead({ consent: { ...base.consent, tcpa_text: bad }, fields: { notes: bad } }), opts);
      expect(paths(r).sort()).toEqual(["consent.tcpa_text", "fields.notes"]);
    }
  });

  it("surrounding whitespace (line breaks included) is still trimmed, as for every text field", () => {
    const r = normalizeLead(lead({ first_name: "\n Ann \t", address: { ...base.address, city: "Dallas\r\n" } }), opts);
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.lead.first_name, r.lead.address.city]).toEqual(["Ann", "Dallas"]);
  });

  it("a custom field name with a control character is refused", () => {
    expect(paths(normalizeLead(lead({ fields: { "bad\u0000name": "x" } }), opts))).toEqual(["fields"]);
  });
});

describe("phone countries", () => {
  it("refuses a valid +1 number outside the accepted countries, naming the field and the country", () => {
    const r = normalizeLead(lead({ phone: "+1 242 357 1234", phone_secondary: "(876) 555-1234" }), opts);
    expect(issues(r)).toEqual([
      { path: "phone", message: "is a BS number (area code 242); accepted countries: US" },
      { path: "phone_secondary", message: "is a JM number (area code 876); accepted countries: US" },
    ]);
  });

  it("accepts the configured countries", () => {
    const withPr = { ...opts, policy: { consentMaxAgeMs: 90 * 86_400_000, acceptedPhoneCountries: ["US", "PR"] } };
    expect(normalizeLead(lead({ phone: "787 555 1234" }), opts).ok).toBe(false);
    expect(normalizeLead(lead({ phone: "787 555 1234" }), withPr).ok).toBe(true);
  });
});

describe("dates in custom fields", () => {
  it("an untyped custom field written as a US date becomes ISO; one that is no real date is refused", () => {
    const r = normalizeLead(lead({ fields: { policy_expires: "3/15/2027", renewal: "03-01-2027", note: "ask for 3/15" } }), opts);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.lead.fields).toMatchObject({ policy_expires: "2027-03-15", renewal: "2027-03-01", note: "ask for 3/15" });
    const bad = normalizeLead(lead({ fields: { policy_expires: "02/30/2027", renewal: "3/15/27" } }), opts);
    expect(issues(bad)).toEqual([
      { path: "fields.policy_expires", message: "looks like a date (MM/DD/YYYY) but is not a real calendar date" },
      { path: "fields.renewal", message: "looks like a date with a 2-digit year: write the year with 4 digits (MM/DD/YYYY)" },
    ]);
  });

  it("a vertical's date field is normalized by its type", () => {
    const r = normalizeLead(lead({ vertical: "legal", fields: { case_type: "auto", incident_date: "7/4/2026" } }), opts);
    expect(r.ok && r.lead.fields.incident_date).toBe("2026-07-04");
  });
});

describe("booleans", () => {
  it("reads exactly the documented writings: true/false, yes/no, Y/N, 1/0", () => {
    for (const t of [true, 1, "true", "TRUE", "yes", "Y", "y", "1"]) expect(normalizeBoolean(t)).toBe(true);
    for (const f of [false, 0, "false", "no", "N", "0"]) expect(normalizeBoolean(f)).toBe(false);
    for (const x of ["on", "off", "t", "f", "checked", 2]) expect(normalizeBoolean(x)).toBeUndefined();
  });

  it('refuses "on" with the documented list in the message', () => {
    const r = normalizeLead(lead({ homeowner: "on" }), opts);
    expect(issues(r)).toEqual([{ path: "homeowner", message: "must be true/false, yes/no, Y/N or 1/0" }]);
  });
});
