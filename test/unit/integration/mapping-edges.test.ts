/**
 * Edge cases of the per-lead fast paths in mapping/: rules that read a one- or two-step lead
 * path themselves, translations without a result object, ZIP and E.164 read by character,
 * dates by arithmetic, and a zone's last offset remembered between leads.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedLead } from "../../../src/core/lead";
import { compileFieldMapping } from "../../../src/integration/mapping/compile";
import { compileDateFormat, formatPhone, formatZip5 } from "../../../src/integration/mapping/formatters";
import { FieldsMappingSchema } from "../../../src/integration/mapping/schema";
import { lead, NOW } from "./helpers";

const env = { now: () => NOW };
const mapper = (fields: unknown[]) => compileFieldMapping(FieldsMappingSchema.parse({ fields }));
const withLead = (over: Record<string, unknown>) => ({ ...lead(), ...over }) as unknown as NormalizedLead;

describe("short lead paths read by the rule itself", () => {
  const m = mapper([
    { to: "one", from: "ip_address" },
    { to: "two", from: "address.city" },
    { to: "req", from: "lead.email", required: true },
    { to: "def", from: "user_agent", default: "unknown" },
    { to: "fmt", from: "address.zip", format: { zip5: true } },
  ]);

  it("leave out a field that is absent, null or empty, and use the default for it", () => {
    for (const missing of [undefined, null, ""]) {
      const r = m(withLead({ ip_address: missing, user_agent: missing, email: missing }), env);
      expect(r.payload, String(missing)).not.toHaveProperty("one");
      expect(r.payload.def).toBe("unknown");
      expect(r.issues).toEqual([{ field: "req", message: "required field is missing" }]);
    }
  });

  it("read nothing through a value that is not an object, and leave no format warning for it", () => {
    for (const address of [undefined, null, "1 Main St", 5]) {
      const r = m(withLead({ address }), env);
      expect(r.payload, String(address)).not.toHaveProperty("two");
      expect(r.payload).not.toHaveProperty("fmt");
      expect(r.warnings).toEqual([]);
    }
  });

  it("keep false and 0, which are values", () => {
    const r = mapper([
      { to: "t", from: "test" },
      { to: "n", from: "fields.incidents" },
    ])(withLead({ test: false, fields: { incidents: 0 } }), env);
    expect(r.payload).toEqual({ t: false, n: 0 });
  });

  it("read names Object.prototype has by own property only", () => {
    const r = mapper([
      { to: "a", from: "constructor" },
      { to: "b", from: "fields.toString" },
      { to: "c", from: "fields.hasOwnProperty" },
    ])(withLead({ fields: { hasOwnProperty: "yes" } }), env);
    expect(r.payload).toEqual({ c: "yes" });
  });
});

describe("translations", () => {
  it("send a table's null as no value, a miss as the default or as itself, with one warning", () => {
    const m = mapper([
      { to: "a", from: "fields.x", translate: { table: { gone: null, b: "B" }, default: "D" } },
      { to: "p", from: "fields.x", translate: { table: { b: "B" } } },
      { to: "r", from: "fields.x", required: true, translate: { table: { gone: null } } },
    ]);
    const gone = m(withLead({ fields: { x: "gone" } }), env);
    expect(gone.payload).toEqual({ p: "gone" });
    expect(gone.issues).toEqual([{ field: "r", message: "required field has no value after translation" }]);
    const miss = m(withLead({ fields: { x: "zz" } }), env);
    expect(miss.payload).toEqual({ a: "D", p: "zz", r: "zz" });
    expect(miss.warnings.map((w) => w.message)).toEqual([
      'no translation for "zz"',
      'no translation for "zz"; sent as is',
      'no translation for "zz"; sent as is',
    ]);
  });
});

describe("ZIP and phone read by character", () => {
  it("take the first five digits only when there are five, after trimming", () => {
    expect(formatZip5("75201")).toBe("75201");
    expect(formatZip5("75201-1234")).toBe("75201");
    expect(formatZip5("  75201 ")).toBe("75201");
    expect(formatZip5("7520")).toBeUndefined();
    expect(formatZip5("7520a1")).toBeUndefined();
    expect(formatZip5(501)).toBe("00501");
    expect(formatZip5(undefined)).toBeUndefined();
  });

  it("accept E.164 as it is and scrub any other writing", () => {
    expect(formatPhone("+12025550123", "dashed")).toBe("202-555-0123");
    // Not E.164: the general scrub reads whatever ten digits it holds, as it always did.
    expect(formatPhone("+1202555012a", "digits10")).toBe("1202555012");
    expect(formatPhone("+22025550123", "digits10")).toBeUndefined();
    expect(formatPhone("(202) 555-0123", "parens")).toBe("(202) 555-0123");
    expect(formatPhone(12025550123, "e164")).toBe("+12025550123");
    expect(formatPhone("+12025550123", "area_code")).toBe("202");
  });
});

describe("dates by arithmetic", () => {
  const reference = (ms: number) => new Date(ms).toISOString();
  it("give the instant Date gives for every canonical shape, and refuse days that do not exist", () => {
    const iso = compileDateFormat("iso");
    for (const v of ["2024-02-29T23:59:59Z", "2000-01-01T00:00:00.000Z", "0100-03-01T12:00:00Z", "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z"]) {
      expect(iso(v), v).toBe(reference(Date.parse(v)));
    }
    expect(iso("2023-02-29T00:00:00Z")).toBe(reference(Date.parse("2023-02-29T00:00:00Z")));
    expect(compileDateFormat("unix")("2023-02-29")).toBeUndefined();
    expect(compileDateFormat("unix")("2023-02-28")).toBe(Date.parse("2023-02-28") / 1000);
    expect(compileDateFormat("unix")("0050-06-01")).toBe(Date.UTC(50, 5, 1) / 1000);
    expect(compileDateFormat("YYYY/MM/DD")("0050-06-01")).toBe("0050/06/01");
  });

  it("answer for each zone from its own offsets when leads alternate zones and quarter hours", () => {
    const ny = compileDateFormat("HH:mm", "America/New_York");
    const la = compileDateFormat("HH:mm", "America/Los_Angeles");
    for (let i = 0; i < 3; i++) {
      expect(ny("2026-07-01T12:00:00Z")).toBe("08:00");
      expect(la("2026-07-01T12:00:00Z")).toBe("05:00");
      expect(ny("2026-12-01T12:00:00Z")).toBe("07:00");
      expect(ny("2026-12-01T12:07:00Z")).toBe("07:07");
    }
  });

  it("keep an unknown zone an error for epoch formats, as it always was", () => {
    expect(() => compileDateFormat("unix", "Mars/Olympus")("2026-07-01T12:00:00Z")).toThrow(RangeError);
    expect(compileDateFormat("unix", "UTC")("2026-07-01T12:00:00Z")).toBe(Date.parse("2026-07-01T12:00:00Z") / 1000);
  });
});
