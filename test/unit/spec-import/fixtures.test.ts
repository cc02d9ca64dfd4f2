/**
 * The six committed specs (shaped like real buyers' posting docs) through the importer and the
 * generator: coverage measured, credentials never copied, missing lead fields left open, the
 * config clean once a person fills those, and the previewed request valid against its own spec.
 */
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { expandPreset } from "../../../src/integration/adapters";
import { type BuyerConfig, BuyerConfigSchema } from "../../../src/integration/config";
import { mapLead } from "../../../src/integration/mapping/request";
import { sampleLead } from "../../../src/integration/mapping/sample-lead";
import { previewRequest } from "../../../src/integration/preview";
import { detectSpecKind, type GeneratedBuyer, generateBuyer, importSpec } from "../../../src/integration/spec-import";
import type { BuildContext } from "../../../src/integration/types";
import { validateMappedPayload, validateMapping } from "../../../src/integration/validate";
import { fillOpen, SPECS, type SpecCase, specText } from "./specs";

const NOW = Date.parse("2026-11-28T15:00:00Z");

function generate(c: SpecCase): GeneratedBuyer {
  return generateBuyer(importSpec(specText(c.file), { fileName: c.file }), { id: c.id });
}

function parsed(config: Record<string, unknown>): BuyerConfig {
  return BuyerConfigSchema.parse(expandPreset(config));
}

interface Rule {
  to: string;
  from?: string;
  value?: unknown;
  compute?: { fn: string; args: string[] };
  open?: string;
  required?: boolean;
  format?: Record<string, unknown>;
  translate?: { table: Record<string, unknown>; default?: unknown };
  type?: string;
}
const rules = (g: GeneratedBuyer): Rule[] => (g.config.mapping as { fields: Rule[] }).fields;
const rule = (g: GeneratedBuyer, to: string): Rule | undefined => rules(g).find((r) => r.to === to);

const ctx = (): BuildContext => ({
  secret: (n) => `test-secret-${n.toLowerCase()}`,
  vars: () => undefined,
  now: () => NOW,
  deliveryId: "dlv_1",
  idempotencyKey: "idem_1",
  tokens: { getToken: async () => "test-access-token" },
});

/** Form keys `a.b` / `a[b]` back into objects. */
function unflatten(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of params) {
    const segs = k.includes("[") ? k.replace(/\]/g, "").split("[") : k.split(".");
    let cur = out;
    segs.forEach((s, i) => {
      if (i === segs.length - 1) cur[s] = v;
      else cur = (cur[s] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

/** Drops namespace declarations, which are not payload fields. */
function withoutXmlns(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutXmlns);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!k.startsWith("@_xmlns")) out[k] = withoutXmlns(x);
  return out;
}

/** What the buyer receives, read back from the previewed wire body. */
function readBack(b: BuyerConfig, body: string): unknown {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, removeNSPrefix: true });
  switch (b.format.type) {
    case "json":
      return JSON.parse(body);
    case "form":
      return unflatten(new URLSearchParams(body));
    case "xml":
      return withoutXmlns((xml.parse(body) as Record<string, unknown>)[b.format.root]);
    case "soap11":
    case "soap12":
      return withoutXmlns((xml.parse(body) as { Envelope: { Body: Record<string, unknown> } }).Envelope.Body[b.format.operation]);
    default:
      throw new Error(`no read-back for ${b.format.type}`);
  }
}

describe.each(SPECS)("spec $file", (c) => {
  it(`is read as a ${c.kind} and generates a ${c.format} buyer for ${c.verticals.join(", ")}`, () => {
    expect(detectSpecKind(c.file, specText(c.file))).toBe(c.kind);
    const g = generate(c);
    expect(g.verticals).toEqual(c.verticals);
    const b = parsed(g.config);
    expect(b.format.type).toBe(c.format);
    expect(b.environments).toEqual(["development"]);
    expect(g.config.$schema).toBe("./schema.json");
  });

  it("maps at least 90 % of the required fields without help", () => {
    const { coverage } = generate(c);
    const ratio = (coverage.auto + coverage.byDefault + coverage.viaAuth) / coverage.required;
    expect(coverage.required).toBeGreaterThanOrEqual(12);
    expect(ratio).toBeGreaterThanOrEqual(0.9);
    expect(coverage.auto + coverage.byDefault + coverage.viaAuth + coverage.open).toBe(coverage.required);
  });

  it("never writes a credential from the spec into the config, and references secrets by name", () => {
    // The credentials are really in the spec (a Basic credential also as what it decodes to).
    const text = specText(c.file);
    const readable = text + [...text.matchAll(/Basic (\S+)/g)].map((m) => atob(m[1] ?? "")).join("\n");
    for (const s of c.secrets) expect(readable).toContain(s);
    const g = generate(c);
    const written = JSON.stringify(g.config, null, 2);
    for (const s of c.secrets) expect(written).not.toContain(s);
    for (const { name } of g.secrets) expect(written).toContain(`"secret": "${name}"`);
    expect(g.secrets.map((x) => x.name)).toEqual(c.secretNames);
  });

  it("lists each required field the lead does not have as open, with no source, instead of inventing one", () => {
    const g = generate(c);
    const open = rules(g).filter((r) => r.open !== undefined);
    expect(open.map((r) => r.to).sort()).toEqual(Object.keys(c.open).sort());
    for (const r of open) {
      expect(r.required).toBe(true);
      expect(r.from ?? r.value ?? r.compute).toBeUndefined();
      expect(r.open).toMatch(/^no lead field matched; (candidates: .+|no lead field is close)$/);
    }
    expect(g.coverage.open).toBe(open.length);
    const check = validateMapping(parsed(g.config));
    expect(check.problems.filter((p) => p.message.startsWith("open, no source decided")).length).toBe(open.length);
    expect(check.ok).toBe(open.length === 0);
  });

  it("passes the mapping check once a person fills the open fields", () => {
    const filled = fillOpen(generate(c).config, c.open);
    expect(validateMapping(parsed(filled)).problems).toEqual([]);
  });

  it("previews a request that validates against its own spec, for the sample lead of each vertical", async () => {
    const b = parsed(fillOpen(generate(c).config, c.open));
    const spec = b.spec;
    if (!spec) throw new Error("the generated buyer has no spec");
    for (const vertical of b.verticals) {
      const lead = sampleLead(vertical);
      const m = mapLead(b, lead, () => NOW);
      expect(m.issues).toEqual([]);
      expect(validateMappedPayload(spec, m.payload)).toEqual([]);
      const p = await previewRequest(b, lead, ctx());
      if (b.auth.type === "api_key" && b.auth.in === "query") expect(p.url).toContain(`${b.auth.name}=****`);
      // The wire body read back: form and XML values are text, so only a number or yes/no
      // written as text may differ from a typed spec.
      const wire = validateMappedPayload(spec, readBack(b, p.body ?? "")).filter(
        (x) => !/^must be (number|integer|boolean), got string/.test(x.message) || b.format.type === "json",
      );
      expect(wire).toEqual([]);
      expect(JSON.stringify(p)).not.toContain("test-secret-");
    }
  });
});

describe("what the generator decided, spec by spec", () => {
  const g = Object.fromEntries(SPECS.map((c) => [c.id, generate(c)])) as Record<string, GeneratedBuyer>;
  const get = (id: string): GeneratedBuyer => {
    const x = g[id];
    if (!x) throw new Error(id);
    return x;
  };

  it("LeadsPedia form post: lp_ keys are configuration constants, the campaign key travels as an API key in the query", () => {
    const x = get("pinnacle-auto");
    expect(rule(x, "lp_campaign_id")).toEqual({ to: "lp_campaign_id", value: "61a7f5e2c0b41", required: true });
    expect(rule(x, "lp_response")?.value).toBe("JSON");
    expect(rule(x, "lp_campaign_key")).toBeUndefined();
    expect(x.config.auth).toEqual({ type: "api_key", in: "query", name: "lp_campaign_key", value: { secret: "PINNACLE_AUTO_API_KEY" } });
    expect(rule(x, "lp_test")).toMatchObject({ from: "test", format: { boolean: "string_1_0" } });
    expect(rule(x, "email_address")?.from).toBe("email");
    expect(rule(x, "zip_code")?.from).toBe("address.zip");
    expect(rule(x, "date_of_birth")).toMatchObject({ from: "dob", format: { date: "MM/DD/YYYY" } });
    expect(rule(x, "phone_home")?.format).toEqual({ phone: "digits10" });
    expect(rule(x, "homeowner")?.format).toEqual({ boolean: "Yes/No" });
    expect(rule(x, "currently_insured")?.format).toEqual({ boolean: "Y/N" });
    expect(rule(x, "accidents")).toMatchObject({ from: "fields.incidents", type: "string" });
    expect(x.response?.readings.map((r) => r.outcome)).toEqual(["accepted", "rejected", "error"]);
    expect(x.response?.readings[0]).toMatchObject({ buyerLeadId: "LP-88123", price: 12.5 });
  });

  it("Salesforce Web-to-Lead: the preset, custom 00N fields matched by their label, state names, picklist translations", () => {
    const x = get("harborline-mortgage");
    expect(x.preset).toBe("salesforce-web-to-lead");
    expect(x.config.response).toBeUndefined();
    expect(rule(x, "oid")?.value).toBe("00D5f000000AbCd");
    expect(rule(x, "00N5f00000GHa1b")?.from).toBe("fields.loan_amount");
    expect(rule(x, "00N5f00000GHa1c")?.from).toBe("fields.property_value");
    expect(rule(x, "00N5f00000GHa1d")?.translate?.table).toEqual({
      purchase: "Purchase",
      refinance: "Rate/Term Refinance",
      cash_out: "Cash-Out Refinance",
      heloc: "Home Equity",
    });
    expect(rule(x, "state")?.translate?.table.TX).toBe("Texas");
    expect(rule(x, "phone")?.format).toEqual({ phone: "parens" });
    expect(rule(x, "company")?.compute).toEqual({ fn: "full_name", args: ["first_name", "last_name"] });
    expect(x.fields.find((f) => f.to === "company")?.status).toBe("default");
  });

  it("HubSpot Forms: name/value pairs with their objectTypeId, context constants, a Bearer token by reference", () => {
    const x = get("brightroof-solar");
    expect(x.preset).toBe("hubspot-forms");
    expect(x.config.auth).toEqual({ type: "bearer", token: { secret: "BRIGHTROOF_SOLAR_TOKEN" } });
    const names = rules(x)
      .filter((r) => /^fields\[\d+\]\.name$/.test(r.to))
      .map((r) => r.value);
    expect(names).toContain("firstname");
    expect(rule(x, "fields[0].objectTypeId")?.value).toBe("0-1");
    expect(rule(x, "fields[0].value")?.from).toBe("first_name");
    expect(rule(x, "fields[3].value")?.format).toEqual({ phone: "e164" });
    expect(rule(x, "fields[8].value")).toMatchObject({ from: "fields.monthly_electric_bill", type: "string" });
    expect(rule(x, "context.pageName")?.value).toBe("Solar quote");
    expect(rule(x, "submittedAt")).toMatchObject({ from: "received_at", format: { date: "unix_ms" }, type: "string" });
  });

  it("SOAP mortgage application: envelope, action, header credentials and Basic auth by reference, code tables", () => {
    const x = get("keystone-mortgage");
    expect(x.config.format).toEqual({
      type: "soap11",
      operation: "SubmitApplication",
      namespace: "http://keystone-lending.example/leads",
      action: "http://keystone-lending.example/leads/SubmitApplication",
      header: { AuthHeader: { PartnerCode: "LW-2231", ApiKey: { secret: "KEYSTONE_MORTGAGE_API_KEY" } } },
    });
    expect(x.config.auth).toEqual({ type: "basic", username: { secret: "KEYSTONE_MORTGAGE_USERNAME" }, password: { secret: "KEYSTONE_MORTGAGE_PASSWORD" } });
    expect(rule(x, "Application.@_ref")?.from).toBe("id");
    expect(rule(x, "Application.Borrower.HomePhone")?.format).toEqual({ phone: "dashed" });
    expect(rule(x, "Application.Property.Zip")?.compute?.fn).toBe("zip_plus4");
    expect(rule(x, "Application.Loan.Purpose")?.translate?.table).toEqual({ purchase: "PURCH", refinance: "REFI", cash_out: "CASHOUT", heloc: "HELOC" });
    expect(rule(x, "Application.Loan.CreditGrade")?.translate?.table).toEqual({ excellent: "A", good: "B", fair: "C", poor: "D" });
    expect(rule(x, "Application.Loan.LTV")).toMatchObject({ compute: { fn: "ltv" }, type: "string" });
    expect(x.response?.readings.map((r) => [r.outcome, r.buyerLeadId ?? r.reason])).toEqual([
      ["accepted", "KH-77812"],
      ["rejected", "Outside lending area"],
      ["error", "Invalid credentials"],
    ]);
  });

  it("XML post (OpenAPI JSON): root and namespace, attribute, phone pattern, free-text case type into the buyer's codes", () => {
    const x = get("lexpoint-legal");
    expect(x.config.format).toEqual({ type: "xml", root: "LeadSubmission", rootAttributes: { xmlns: "https://lexpoint.example/schema/intake/2" } });
    expect(x.config.auth).toEqual({ type: "api_key", in: "header", name: "X-LexPoint-Key", value: { secret: "LEXPOINT_LEGAL_API_KEY" } });
    expect(rule(x, "@_version")?.value).toBe("2.1");
    expect(rule(x, "Claimant.Phone")?.format).toEqual({ phone: "parens" });
    expect(rule(x, "Case.IncidentDate")?.format).toEqual({ date: "MM/DD/YYYY" });
    const ct = rule(x, "Case.CaseType")?.translate;
    expect(ct?.table["auto accident"]).toBe("AUTO_ACCIDENT");
    expect(ct?.table["workers comp"]).toBe("WORKERS_COMP");
    expect(ct?.default).toBe("OTHER");
    expect(x.config.response).toMatchObject({ rules: [{ status: 409, outcome: "rejected", reason: "duplicate" }] });
  });

  it("JSON API (OpenAPI YAML): nested names, OAuth 2.0 client credentials, E.164 phone, documented statuses", () => {
    const x = get("summit-auto");
    expect(x.config.endpoint).toMatchObject({ url: "https://api.summit-auto.example/v3/leads", method: "POST" });
    expect(x.config.auth).toEqual({
      type: "oauth2_client_credentials",
      tokenUrl: "https://auth.summit-auto.example/oauth/token",
      clientId: { secret: "SUMMIT_AUTO_CLIENT_ID" },
      clientSecret: { secret: "SUMMIT_AUTO_CLIENT_SECRET" },
      scope: "leads.write",
    });
    expect(rule(x, "applicant.name.first")?.from).toBe("first_name");
    expect(rule(x, "applicant.address.postal_code")?.from).toBe("address.zip");
    expect(rule(x, "applicant.contact.phone")?.format).toEqual({ phone: "e164" });
    expect(rule(x, "applicant.dob")?.format).toEqual({ date: "YYYY-MM-DD" });
    expect(rule(x, "vehicles[0].year")?.from).toBe("fields.vehicle_year");
    expect(rule(x, "partner_ref")).toMatchObject({ from: "id", format: { maxLength: 36 } });
    expect(x.response?.readings.find((r) => r.status === 201)).toMatchObject({ outcome: "accepted", buyerLeadId: "SA-99120", price: 31.5 });
    expect(x.response?.readings.find((r) => r.status === 422)).toMatchObject({ outcome: "error", reason: "must be 4 digits" });
  });
});
