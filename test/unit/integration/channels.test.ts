import { describe, expect, it } from "vitest";
import { rankCandidates } from "../../../src/delivery/eligibility";
import { expandPreset } from "../../../src/integration/adapters";
import { channelOf, channelProblems, decidesLater, decisionWindowSeconds, leadIdColumn, mappedColumns } from "../../../src/integration/channels";
import { type BuyerConfigInput, BuyerConfigSchema } from "../../../src/integration/config";
import { MappingError } from "../../../src/integration/errors";
import { sampleLead } from "../../../src/integration/mapping/sample-lead";

const NOW = Date.UTC(2026, 0, 15, 12);

const http = {
  id: "plain",
  name: "Plain",
  verticals: ["mortgage"],
  price: 10,
  endpoint: { url: "https://buyer.example/leads" },
  format: { type: "json" },
  mapping: { fields: [{ to: "email", from: "lead.email" }] },
  response: { statusField: "status" },
} satisfies BuyerConfigInput;

const bulk = () =>
  BuyerConfigSchema.parse(
    expandPreset({
      id: "sf-bulk",
      name: "Bulk",
      verticals: ["mortgage"],
      price: 30,
      preset: "salesforce-bulk",
      endpoint: { url: "https://acme.my.salesforce.com/services/data/v62.0/jobs/ingest" },
      auth: {
        type: "oauth2_client_credentials",
        tokenUrl: "https://acme.my.salesforce.com/services/oauth2/token",
        clientId: "c",
        clientSecret: { secret: "S" },
      },
      mapping: {
        fields: [
          { to: "FirstName", from: "lead.first_name" },
          { to: "LastName", from: "lead.last_name", required: true },
          { to: "Company", value: "Individual" },
          { to: "Description", from: "lead.fields.no_such_field" },
          { to: "Leadwire_Lead_Id__c", from: "lead.id" },
        ],
      },
    }),
  );

const email = (over: Record<string, unknown> = {}) =>
  BuyerConfigSchema.parse({
    ...http,
    id: "by-mail",
    endpoint: { url: "mailto:intake@buyer.example" },
    format: { type: "csv" },
    mapping: { fields: [{ to: "Last name", from: "lead.last_name", required: true }] },
    response: { rules: [] },
    email: { from: { addr: "leads@leadwire.example" }, to: ["intake@buyer.example"], ...over },
  });

describe("channels", () => {
  it("name how a buyer takes leads, and which decide later (never offered to a source waiting in sync mode)", () => {
    const plain = BuyerConfigSchema.parse(http);
    const digest = BuyerConfigSchema.parse({ ...email({ mode: "digest" }), id: "by-mail-digest" });
    expect([plain, bulk(), email(), digest].map(channelOf)).toEqual(["http", "salesforce-bulk", "email", "email-digest"]);
    expect([plain, bulk(), email(), digest].map(decidesLater)).toEqual([false, true, false, true]);
    const lead = sampleLead("mortgage");
    const ranked = (syncOnly: boolean) =>
      rankCandidates([plain, bulk(), email(), digest], lead, { nowMs: NOW, exclude: new Set(), paused: new Set(), syncOnly }).candidates.map((c) => c.buyer.id);
    expect(ranked(false)).toEqual(["sf-bulk", "by-mail", "by-mail-digest", "plain"]);
    expect(ranked(true)).toEqual(["by-mail", "plain"]);
  });

  it("a collected lead may wait its batch, the whole poll budget and a margin before the sweep expires it", () => {
    expect(decisionWindowSeconds(BuyerConfigSchema.parse(http))).toBe(3600);
    // 15 minutes to fill + 240 minutes of polls + an hour to report.
    expect(decisionWindowSeconds(bulk())).toBe(15 * 60 + 240 * 60 + 3600);
    expect(decisionWindowSeconds(email({ mode: "digest", digestMinutes: 60 }))).toBe(2 * 3600 + 3600);
  });

  it("a lead becomes the buyer's flat columns in mapping order, empty ones left out; a missing required field is a MappingError", () => {
    const lead = sampleLead("mortgage");
    const { fields } = mappedColumns(bulk(), lead, () => NOW);
    expect(fields).toEqual([
      { name: "FirstName", value: "Renée" },
      { name: "LastName", value: "O'Brien-Smith" },
      { name: "Company", value: "Individual" },
      { name: "Leadwire_Lead_Id__c", value: lead.id },
    ]);
    expect(() => mappedColumns(bulk(), { ...lead, last_name: "" }, () => NOW)).toThrow(MappingError);
    expect(leadIdColumn(bulk())).toBe("Leadwire_Lead_Id__c");
  });

  it("refuse channel configs that cannot work, each with its path", () => {
    expect(channelProblems(bulk())).toEqual([]);
    expect(channelProblems(email())).toEqual([]);
    const nested = BuyerConfigSchema.parse({ ...bulk(), mapping: { fields: [{ to: "Lead.LastName", from: "lead.last_name" }] }, format: { type: "json" } });
    expect(channelProblems(nested).map((p) => p.path)).toEqual(["mapping.fields.0.to", "format.type"]);
    const both = BuyerConfigSchema.parse({
      ...bulk(),
      email: email().email,
      endpoint: { url: "https://x.example/services/data/v62.0/jobs/ingest", mode: "async" },
    });
    expect(channelProblems(both).map((p) => p.path)).toEqual(["email", "endpoint.mode", "auth"]);
    const badId = BuyerConfigSchema.parse({ ...bulk(), batch: { ...bulk().batch, job: { ...bulk().batch?.job, leadIdField: "Lead_Ref__c" } } });
    expect(channelProblems(badId)).toEqual([
      { path: "batch.job.leadIdField", message: "Lead_Ref__c must be a mapped column (from lead.id), or results cannot be matched by it" },
    ]);
    const update = BuyerConfigSchema.parse({ ...http, onConflict: "update" });
    expect(channelProblems(update)).toEqual([
      { path: "onConflict", message: 'updating the existing record on a conflict is built for the hubspot-contacts preset only; use "reject"' },
    ]);
  });

  it("an mTLS binding name is checked by the schema on any auth scheme", () => {
    expect(BuyerConfigSchema.parse({ ...http, auth: { type: "none", mtlsCertificate: "ACME_MTLS" } }).auth).toEqual({
      type: "none",
      mtlsCertificate: "ACME_MTLS",
    });
    const bad = BuyerConfigSchema.safeParse({ ...http, auth: { type: "bearer", token: { secret: "T" }, mtlsCertificate: "acme-mtls" } });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join("."))).toEqual(["auth.mtlsCertificate"]);
  });
});
