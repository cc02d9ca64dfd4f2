/**
 * The compiled fast paths (formats/fast-writer.ts, formats/form-encode.ts, the date code in
 * mapping/formatters.ts, per-rule evaluation in mapping/compile.ts) must produce exactly what the
 * code produced before them: every comparison here is against the frozen copy in ./reference.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { normalizeLead } from "../../../src/intake/normalize";
import type { NormalizedLead } from "../../../src/intake/lead";
import { BuyerConfigSchema } from "../../../src/integration/config";
import type { BuyerConfig } from "../../../src/integration/config";
import { compileFastWriter } from "../../../src/integration/formats/fast-writer";
import { formComponent, formEncodePayload } from "../../../src/integration/formats/form-encode";
import { ABSENT, compileFieldSlots } from "../../../src/integration/mapping/compile";
import { compileDateFormat, formatDate } from "../../../src/integration/mapping/formatters";
import { compileBuyer } from "../../../src/integration/mapping/request";
import { compileTemplate } from "../../../src/integration/mapping/template";
import { buyer, lead, NOW } from "./helpers";
import { compileDateFormat as refDateFormat } from "./reference/formatters";
import { referenceRender, referenceSerializer } from "./reference/index";
import { formComponent as refFormComponent, formEncodePayload as refFormEncode } from "./reference/serialize";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const env = { now: () => NOW };
const secret = (n: string): string => `secret-${n}`;

function demoBuyers(): BuyerConfig[] {
  return readdirSync(`${root}/buyers`)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => BuyerConfigSchema.parse(JSON.parse(readFileSync(`${root}/buyers/${f}`, "utf8"))));
}

function sampleLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  readFileSync("/work/shared/data/leads-sample.jsonl", "utf8").trim().split("\n").forEach((line, i) => {
    const row = JSON.parse(line) as { lead: unknown; valid: boolean };
    if (!row.valid) return;
    const r = normalizeLead(row.lead, { id: `lead_${i}`, sourceId: "src_sample", nowMs: NOW });
    if (r.ok) out.push(r.lead);
  });
  return out;
}

/** What the current engine renders vs what the frozen reference renders, for one lead. */
function both(b: BuyerConfig, l: NormalizedLead) {
  const now = compileBuyer(b).render(l, env, secret);
  const m = b.mapping;
  if ("fields" in m) {
    const ref = referenceRender(b, l, env, secret);
    return { now: { body: now.body, payload: JSON.stringify(now.payload), warnings: now.warnings, issues: now.issues }, ref: { body: ref.body, payload: JSON.stringify(ref.payload), warnings: ref.warnings, issues: ref.issues } };
  }
  const tpl = compileTemplate(m.template, b.format.type === "json" ? "json" : "other", referenceSerializer(b.format).escape, m.required)(l, env);
  return { now: { body: now.body, warnings: now.warnings, issues: now.issues }, ref: { body: tpl.body, warnings: tpl.warnings, issues: tpl.issues } };
}

function expectSame(b: BuyerConfig, leads: NormalizedLead[]): number {
  let checked = 0;
  for (const l of leads) {
    const { now, ref } = both(b, l);
    if (JSON.stringify(now) !== JSON.stringify(ref)) expect({ buyer: b.id, lead: l.id, ...now }).toEqual({ buyer: b.id, lead: l.id, ...ref });
    checked++;
  }
  return checked;
}

const HOSTILE = [
  "<Script>alert(1)</Script>", "Smith & Sons", "O'Brien", "Nguyễn Văn Thành", "Zoë 😀 日本", "line1\nline2\r\nline3",
  "tab\tand \"quotes\" ~!*()'", "a=1&b=2+3?#/%20", "ctl\u0001\u0000\u001f\uFFFE", "lone \uD83D surrogate \uDE00 x", "  padded  ", "€100 ½", "C:\\path\\to \\u0041 \u2028\u2029\u007f",
];

/** Sample-shaped leads with hostile text in every text field, and optional fields emptied or dropped. */
function hostileLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  for (const vertical of ["auto_insurance", "mortgage", "solar", "legal"]) {
    HOSTILE.forEach((h, i) => {
      out.push(lead({
        id: `hostile_${vertical}_${i}`, first_name: h, last_name: `${h} Jr.`, email: `x${i}+${h}@example.com`,
        address: { street: `${i} ${h} St`, city: h, state: "CA", zip: "90210" },
        consent: { tcpa_text: `I agree. ${h}`, trustedform_cert_url: `https://cert.trustedform.com/${i}?q=${h}`, jornaya_leadid: h, consented_at: "2026-11-25T05:33:00.000Z" },
        fields: { roof_shade: h, monthly_electric_bill: "$1,250.50" },
      } as never, vertical));
    });
    const bare = lead({ id: `bare_${vertical}` }, vertical) as unknown as Record<string, unknown>;
    for (const k of ["phone_secondary", "dob", "ip_address", "user_agent", "homeowner", "external_id"]) delete bare[k];
    bare.consent = {};
    out.push(bare as unknown as NormalizedLead);
    out.push(lead({ id: `empty_${vertical}`, first_name: "", last_name: "", email: "", dob: "", consent: { tcpa_text: "", trustedform_cert_url: "" } } as never, vertical));
    out.push(lead({ id: `odd_dates_${vertical}`, dob: "2024-02-30", received_at: "0099-01-01T00:00:00Z", consent: { consented_at: "2026-11-25T05:33:60Z" } } as never, vertical));
  }
  return out;
}

describe("fast paths are byte-identical to the reference", () => {
  const leads = sampleLeads();
  const buyers = demoBuyers();

  it("every valid sample lead through every demo buyer", () => {
    expect(leads.length).toBeGreaterThan(1000);
    expect(buyers.length).toBeGreaterThanOrEqual(5);
    let n = 0;
    for (const b of buyers) n += expectSame(b, leads);
    expect(n).toBe(leads.length * buyers.length);
  });

  it("hostile text, unicode, emoji, newlines, empty and missing optional fields through every demo buyer", () => {
    for (const b of buyers) expectSame(b, hostileLeads());
    const solar = compileBuyer(buyers.find((b) => b.id === "sunrise-solar") as BuyerConfig).render(hostileLeads()[0] as NormalizedLead, env, secret);
    expect(new URLSearchParams(solar.body).get("lead[first_name]")).toBe("<Script>alert(1)</Script>");
  });

  it("the bench buyers actually take the fast writer", () => {
    for (const id of ["overflow-exchange", "sunrise-solar", "acme-auto"]) {
      const b = buyers.find((x) => x.id === id) as BuyerConfig;
      if (!("fields" in b.mapping)) continue;
      expect(compileFastWriter(b.format, compileFieldSlots(b.mapping).paths, ABSENT), id).toBeDefined();
    }
  });

  const fields = [
    { to: "id", from: "id" },
    { to: "@_kind", from: "vertical" },
    { to: "@_who", from: "first_name" },
    { to: "contact.name.first", from: "first_name" },
    { to: "contact.name.#text", from: "last_name" },
    { to: "contact.name.@_lang", value: "en" },
    { to: "contact.phones[1].number", from: "phone_secondary" },
    { to: "contact.phones[0].number", from: "phone", format: { phone: "dashed" } },
    { to: "contact.phones[0].@_type", value: "mobile" },
    { to: "contact.tags[2]", from: "first_name" },
    { to: "contact.tags[0]", from: "email" },
    { to: "money", from: "fields.monthly_electric_bill", format: { money: { decimals: 2 } } },
    { to: "flag", from: "homeowner" },
    { to: "n", from: "fields.count", type: "number" },
    { to: "consented", from: "consent.consented_at", format: { date: "MM/DD/YYYY hh:mm A", timezone: "America/Chicago" } },
  ];
  const formats = [
    { type: "json" }, { type: "xml", root: "Lead" }, { type: "xml", root: "Lead", declaration: false, rootAttributes: { xmlns: "urn:x&y", v: "1" } },
    { type: "xml", root: "Lead", attributePrefix: "_" }, { type: "form" }, { type: "form", nesting: "bracket" }, { type: "query", nesting: "bracket" },
    { type: "xml", root: "Lead", pretty: true }, { type: "soap11", operation: "Post", namespace: "urn:p" }, { type: "csv" },
  ];
  const variants = hostileLeads().concat(leads.slice(0, 200), [lead({ phone_secondary: undefined, fields: { count: "12.5" } } as never), lead({ fields: { count: "x" } } as never)]);

  it("nested paths, arrays with holes, attributes and #text in every wire format", () => {
    for (const format of formats) expectSame(buyer({ format: format as never, mapping: { fields } as never }), variants);
  });

  it("falls back to the general serializer, same bytes, for shapes a writer cannot predict", () => {
    const shapes = [
      // A value that is an object (a whole lead sub-object) at run time.
      [{ to: "a", from: "first_name" }, { to: "addr", from: "address" }, { to: "b.c", from: "consent" }],
      // Interleaved siblings: key order depends on which rules produced a value.
      [{ to: "x.a", from: "phone_secondary" }, { to: "y", from: "first_name" }, { to: "x.b", from: "last_name" }],
      // Conflicting and duplicate paths.
      [{ to: "a", from: "first_name" }, { to: "a.b", from: "last_name" }],
      [{ to: "a", from: "phone_secondary" }, { to: "b", from: "email" }, { to: "a", from: "first_name" }],
      // Keys JS orders or inherits specially.
      [{ to: "z", from: "email" }, { to: "7", from: "first_name" }],
      [{ to: "constructor.x", from: "email" }, { to: "toString", from: "first_name" }],
      [{ to: "a[0]", from: "email" }, { to: "a.b", from: "first_name" }],
      [{ to: "list[0][1]", from: "email" }, { to: "list[0][0]", from: "first_name" }],
    ];
    for (const f of shapes) {
      for (const format of formats.slice(0, 7)) expectSame(buyer({ format: format as never, mapping: { fields: f } as never }), variants.slice(0, 60));
    }
    const slots = compileFieldSlots({ fields: shapes[1] } as never);
    expect(compileFastWriter({ type: "json", charset: "utf-8" }, slots.paths, ABSENT)).toBeUndefined();
  });

  it("a lead with required fields missing gets no body, and the payload is still there to inspect", () => {
    const b = buyers.find((x) => x.id === "overflow-exchange") as BuyerConfig;
    const r = compileBuyer(b).render(lead({ first_name: "" } as never), env, secret);
    expect(r.body).toBe("");
    expect(r.issues.map((i) => i.field)).toContain("Contact.Name.First");
    expect((r.payload as { Id?: unknown }).Id).toBe(lead().id);
  });
});

describe("form encoding", () => {
  const strings = [...HOSTILE, "", "plain", " ", "+", "%", "~*._-", Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join(""),
    "long ".repeat(500) + "ü", "x".repeat(5000), "é".repeat(2000), "\uD800", "\uDC00\uD800", "😀".repeat(40), "a\uD83D"];

  it("matches URLSearchParams and the reference for any text, short, long and huge", () => {
    for (const s of strings) {
      expect(formComponent(s)).toBe(new URLSearchParams({ k: s }).toString().slice(2));
      expect(formComponent(s)).toBe(refFormComponent(s));
      const payload = { a: s, nested: { b: [s, 1, true, null], c: s.slice(0, 40) }, "k y": s };
      expect(formEncodePayload(payload, "bracket")).toBe(refFormEncode(payload, "bracket"));
      expect(formEncodePayload(payload, "dot")).toBe(refFormEncode(payload, "dot"));
    }
  });

  it("a body larger than the encoding buffer comes out whole", () => {
    const payload = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, `${"ab cd/é".repeat(200)}${i}`]));
    expect(formEncodePayload(payload, "dot")).toBe(refFormEncode(payload, "dot"));
  });
});

describe("date formatting", () => {
  const patterns = ["YYYY-MM-DD HH:mm:ss", "MM/DD/YYYY", "MMDDYYYY", "M/D/YY h:mm A", "YYYY-MM-DDTHH:mm:ss.SSS", "unix", "unix_ms", "iso", "[Day] DD hh A"];
  const zones = [undefined, "UTC", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"];
  const values: unknown[] = [
    "2026-11-25T05:33:00.000Z", "2026-11-25T05:33:00Z", "2026-03-08T10:00:00.000Z", "2026-11-01T05:59:59.999Z", "2024-02-29T23:59:59Z",
    "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T24:30:00Z", "2026-11-25T05:33:60Z", "2026-11-25T05:33:00+05:30",
    "2026-11-25T05:33", "2026-11-25T05:33:00.5Z", "0099-06-15T12:00:00Z", "0050-01-01", "1900-02-29", "2000-02-29", "2023-02-29",
    "1989-07-20", "2026-00-10", "2026-1-5", "20261125", "", "not a date", 1764048780, 1764048780123, 1764048780.5, -86_400_001, 0, -1,
    8.64e15, 8.64e15 + 1, Number.NaN, null, true,
  ];

  it("every pattern, zone and odd value formats as the reference does", () => {
    for (const p of patterns) for (const z of zones) {
      const now = compileDateFormat(p, z), ref = refDateFormat(p, z);
      // Out-of-range instants throw for "iso" in both: the outcome, value or error, must match.
      const outcome = (f: (v: unknown) => unknown, v: unknown): unknown => { try { return f(v); } catch (e) { return `threw ${(e as Error).name}`; } };
      for (const v of values) expect([p, z, v, outcome(now, v)]).toEqual([p, z, v, outcome(ref, v)]);
    }
  });

  it("random instants across four centuries match the reference", () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const now = compileDateFormat("YYYY-MM-DD HH:mm:ss.SSS", "America/New_York"), ref = refDateFormat("YYYY-MM-DD HH:mm:ss.SSS", "America/New_York");
    const nowUtc = compileDateFormat("YYYY-MM-DDTHH:mm:ss.SSS"), refUtc = refDateFormat("YYYY-MM-DDTHH:mm:ss.SSS");
    for (let i = 0; i < 3000; i++) {
      const ms = Math.floor((rnd() - 0.5) * 2 * 1.3e13);
      const iso = new Date(ms).toISOString();
      expect(now(iso)).toBe(ref(iso));
      expect(nowUtc(ms)).toBe(refUtc(ms));
      expect(nowUtc(iso)).toBe(refUtc(iso));
    }
    expect(formatDate("2026-11-25T05:33:00.000Z", "YYYY-MM-DD HH:mm:ss", "America/Los_Angeles")).toBe("2026-11-24 21:33:00");
  });
});
