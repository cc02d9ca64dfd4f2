import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expandPreset, mergeConfig, PRESETS, PresetError } from "../../../../src/integration/adapters";
import { buildRequest } from "../../../../src/integration/build";
import { BuyerConfigSchema } from "../../../../src/integration/config";
import { sampleLead } from "../../../../src/integration/mapping/sample-lead";
import { parseResponse } from "../../../../src/integration/response";
import type { BuildContext, BuyerResponse } from "../../../../src/integration/types";

const base = { name: "Preset buyer", verticals: ["mortgage"], price: 20 };
const field = (to: string, from: string) => ({ to, from });

/** The smallest buyer file each preset needs: only what is the buyer's own. */
const FILES: Record<string, Record<string, unknown>> = {
  "salesforce-web-to-lead": {
    id: "sf-w2l",
    preset: "salesforce-web-to-lead",
    mapping: {
      fields: [
        { to: "oid", value: "00D000000000001" },
        { to: "retURL", value: "https://leadwire.example/thanks" },
        field("first_name", "lead.first_name"),
        field("last_name", "lead.last_name"),
        field("email", "lead.email"),
      ],
    },
  },
  "salesforce-rest": {
    id: "sf-rest",
    preset: "salesforce-rest",
    endpoint: { url: "https://acme.my.salesforce.com/services/data/v62.0/sobjects/Lead/" },
    auth: {
      type: "oauth2_client_credentials",
      tokenUrl: "https://acme.my.salesforce.com/services/oauth2/token",
      clientId: { secret: "SF_CLIENT_ID" },
      clientSecret: { secret: "SF_CLIENT_SECRET" },
    },
    mapping: {
      fields: [
        field("FirstName", "lead.first_name"),
        field("LastName", "lead.last_name"),
        { to: "Company", value: "Individual" },
        field("Email", "lead.email"),
      ],
    },
  },
  "salesforce-bulk": {
    id: "sf-bulk",
    preset: "salesforce-bulk",
    endpoint: { url: "https://acme.my.salesforce.com/services/data/v62.0/jobs/ingest" },
    auth: {
      type: "oauth2_client_credentials",
      tokenUrl: "https://acme.my.salesforce.com/services/oauth2/token",
      clientId: "cid",
      clientSecret: { secret: "SF_CLIENT_SECRET" },
    },
    mapping: { fields: [field("FirstName", "lead.first_name"), field("LastName", "lead.last_name"), { to: "Company", value: "Individual" }] },
  },
  "hubspot-contacts": {
    id: "hs-contacts",
    preset: "hubspot-contacts",
    auth: { type: "bearer", token: { secret: "HUBSPOT_TOKEN" } },
    mapping: {
      fields: [field("properties.email", "lead.email"), field("properties.firstname", "lead.first_name"), field("properties.lastname", "lead.last_name")],
    },
  },
  "hubspot-forms": {
    id: "hs-forms",
    preset: "hubspot-forms",
    endpoint: { url: "https://api.hsforms.com/submissions/v3/integration/submit/123456/0b8a3c4e-1111-2222-3333-444455556666" },
    mapping: {
      fields: [
        { to: "fields[0].name", value: "email" },
        { to: "fields[0].value", from: "lead.email", required: true },
        { to: "fields[1].name", value: "firstname" },
        { to: "fields[1].value", from: "lead.first_name", required: true },
        { to: "context.pageUri", value: "https://leadwire.example/form" },
        { to: "context.ipAddress", from: "lead.ip_address" },
      ],
    },
  },
  velocify: {
    id: "velocify-acme",
    preset: "velocify",
    endpoint: { url: "https://secure.velocify.com/Import.aspx?Provider=Leadwire&Client=Acme&CampaignId=35&XmlResponse=true" },
    mapping: { fields: [field("FirstName", "lead.first_name"), field("LastName", "lead.last_name"), field("DayPhone", "lead.phone_national")] },
  },
};

const ctx: BuildContext = {
  secret: (n) => `secret-of-${n}`,
  vars: () => undefined,
  now: () => Date.UTC(2026, 0, 15),
  deliveryId: "dlv_1",
  idempotencyKey: "idem_1",
};

const expand = (name: string) => BuyerConfigSchema.parse(expandPreset({ ...base, ...FILES[name] }));
const expand2 = (over: Record<string, unknown>) => BuyerConfigSchema.parse(expandPreset({ ...base, ...FILES["salesforce-bulk"], ...over }));
const res = (status: number, body: string, contentType?: string): BuyerResponse => ({
  status,
  headers: contentType ? { "content-type": contentType } : {},
  body,
});

/** Presets that send one request per lead; salesforce-bulk is a batch buyer (its own test below). */
const PER_LEAD = Object.keys(FILES).filter((n) => n !== "salesforce-bulk");

describe("every preset expands to a valid buyer config", () => {
  it("covers every registered preset", () => {
    expect(Object.keys(FILES).sort()).toEqual(Object.keys(PRESETS).sort());
  });
  // Issue 16, part 2: batch delivery exists, so the preset is no longer refused (part 1 refused it
  // because a per-lead upload would have booked leads sold early); it now makes a batch buyer.
  it("salesforce-bulk expands to a batch buyer: one Bulk API 2.0 job per 200 leads or 15 minutes, CSV, OAuth on the org's instance", () => {
    const r = BuyerConfigSchema.safeParse(expandPreset({ ...base, ...FILES["salesforce-bulk"] }));
    expect(r.success ? [] : r.error.issues).toEqual([]);
    const cfg = expand("salesforce-bulk");
    expect(cfg.batch).toEqual({
      size: 200,
      maxAgeMinutes: 15,
      job: { type: "salesforce-bulk", object: "Lead", operation: "insert", pollInitialSeconds: 5, pollMaxSeconds: 300, pollBudgetMinutes: 240 },
    });
    expect(cfg.format).toMatchObject({ type: "csv", header: true });
    expect(cfg.auth).toMatchObject({ type: "oauth2_client_credentials", instanceUrl: true });
    // The buyer may size its batches and name its External ID; a wrong ingest URL is still refused.
    const own = expand2({ batch: { size: 1000, maxAgeMinutes: 5, job: { operation: "upsert", externalIdFieldName: "Leadwire_Lead_Id__c" } } });
    expect(own.batch).toMatchObject({
      size: 1000,
      maxAgeMinutes: 5,
      job: { type: "salesforce-bulk", operation: "upsert", externalIdFieldName: "Leadwire_Lead_Id__c" },
    });
    expect(() =>
      expandPreset({ ...base, ...FILES["salesforce-bulk"], endpoint: { url: "https://acme.my.salesforce.com/services/data/v62.0/sobjects/Lead/" } }),
    ).toThrow(PresetError);
    const noExternalId = BuyerConfigSchema.safeParse(expandPreset({ ...base, ...FILES["salesforce-bulk"], batch: { job: { operation: "upsert" } } }));
    expect(noExternalId.success ? [] : noExternalId.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["batch.job.externalIdFieldName", "an upsert job needs externalIdFieldName"],
    ]);
  });
  for (const name of PER_LEAD) {
    it(name, () => {
      const r = BuyerConfigSchema.safeParse(expandPreset({ ...base, ...FILES[name] }));
      expect(r.success ? [] : r.error.issues).toEqual([]);
      // and it builds a request for a real lead without mapping issues
      const cfg = expand(name);
      const { request } = buildRequest(cfg, sampleLead("mortgage"), ctx);
      expect(request.url).toMatch(/^https:\/\//);
    });
  }
});

describe("merging", () => {
  it("the buyer file wins; objects merge key by key, arrays are replaced", () => {
    const cfg = expand("hubspot-contacts");
    expect(cfg.endpoint.url).toBe("https://api.hubapi.com/crm/v3/objects/contacts");
    const over = BuyerConfigSchema.parse(
      expandPreset({ ...base, ...FILES["hubspot-contacts"], endpoint: { timeoutMs: 5000 }, response: { rules: [{ status: 201, outcome: "accepted" }] } }),
    );
    expect(over.endpoint).toMatchObject({ url: "https://api.hubapi.com/crm/v3/objects/contacts", timeoutMs: 5000, headers: { Accept: "application/json" } });
    expect(over.response.rules).toHaveLength(1);
    expect(over.response.buyerLeadId).toBe("id"); // untouched preset keys stay
  });

  it("a different auth or format type replaces the preset's object whole", () => {
    const cfg = BuyerConfigSchema.parse(
      expandPreset({
        ...base,
        ...FILES["salesforce-rest"],
        auth: {
          type: "oauth2_refresh_token",
          tokenUrl: "https://login.salesforce.com/services/oauth2/token",
          clientId: "c",
          refreshToken: { secret: "SF_REFRESH" },
        },
      }),
    );
    expect(cfg.auth).toMatchObject({ type: "oauth2_refresh_token", authStyle: "body" });
    expect(mergeConfig({ a: { type: "x", k: 1 } }, { a: { type: "y" } })).toEqual({ a: { type: "y" } });
  });

  it("does not touch a config without a preset, nor mutate the preset", () => {
    const plain = { id: "x" };
    expect(expandPreset(plain)).toBe(plain);
    expand("salesforce-rest");
    expect(PRESETS["salesforce-rest"]?.defaults).not.toHaveProperty("id");
  });

  it("an unknown preset or a file missing what its CRM needs is a PresetError saying what", () => {
    expect(() => expandPreset({ ...base, id: "x", preset: "zoho" })).toThrow(/unknown preset.*hubspot-contacts/);
    expect(() => expandPreset({ ...base, ...FILES["salesforce-rest"], endpoint: {} })).toThrow(PresetError);
    expect(() => expandPreset({ ...base, ...FILES["salesforce-web-to-lead"], mapping: { fields: [field("email", "lead.email")] } })).toThrow(/oid/);
    expect(() => expandPreset({ ...base, ...FILES["hubspot-contacts"], mapping: { fields: [field("email", "lead.email")] } })).toThrow(/properties\./);
  });

  it("the whole buyer schema still produces a JSON Schema for editors", () => {
    expect(() => z.toJSONSchema(BuyerConfigSchema, { io: "input" })).not.toThrow();
  });
});

describe("preset requests and documented answers", () => {
  it("salesforce-web-to-lead: form POST with oid; 200 page is accepted, an error page is not", () => {
    const cfg = expand("salesforce-web-to-lead");
    const { request } = buildRequest(cfg, sampleLead("mortgage"), ctx);
    expect(request.url).toBe("https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8");
    expect(new URLSearchParams(request.body).get("oid")).toBe("00D000000000001");
    const ok = '<html><head><meta http-equiv="Refresh" content="0; URL=https://leadwire.example/thanks"></head></html>';
    expect(parseResponse(cfg.response, res(200, ok, "text/html"))).toEqual({ outcome: "accepted", redirectUrl: "https://leadwire.example/thanks" });
    expect(parseResponse(cfg.response, res(200, "<html><title>Error</title>An exception occurred</html>", "text/html")).outcome).toBe("error");
  });

  it("salesforce-rest: 201 with id; DUPLICATES_DETECTED is rejected; other error arrays are errors", () => {
    const cfg = expand("salesforce-rest");
    expect(cfg.auth).toMatchObject({ type: "oauth2_client_credentials", authStyle: "body" });
    const r = cfg.response;
    expect(parseResponse(r, res(201, '{"id":"00Q5e00000AbCdE","errors":[],"success":true}', "application/json"))).toEqual({
      outcome: "accepted",
      buyerLeadId: "00Q5e00000AbCdE",
    });
    expect(parseResponse(r, res(400, '[{"message":"Use one of these records?","errorCode":"DUPLICATES_DETECTED","fields":[]}]', "application/json"))).toEqual({
      outcome: "rejected",
      reason: "DUPLICATES_DETECTED: Use one of these records?",
    });
    expect(
      parseResponse(r, res(400, '[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]')).outcome,
    ).toBe("error");
  });

  it("hubspot-contacts: properties object, bearer; 201 id accepted, 409 duplicate rejected", () => {
    const cfg = expand("hubspot-contacts");
    const { request } = buildRequest(cfg, sampleLead("mortgage"), ctx);
    expect(JSON.parse(request.body ?? "")).toEqual({ properties: { email: "renee.obrien@example.com", firstname: "Renée", lastname: "O'Brien-Smith" } });
    const r = cfg.response;
    expect(
      parseResponse(r, res(201, '{"id":"512","properties":{"email":"x"},"createdAt":"2026-01-15T00:00:00Z","archived":false}', "application/json")),
    ).toEqual({ outcome: "accepted", buyerLeadId: "512" });
    const conflict = '{"status":"error","message":"Contact already exists. Existing ID: 2926551","correlationId":"b6","category":"CONFLICT"}';
    expect(parseResponse(r, res(409, conflict, "application/json"))).toEqual({
      outcome: "rejected",
      reason: "CONFLICT: Contact already exists. Existing ID: 2926551",
    });
    expect(parseResponse(r, res(400, '{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR"}')).outcome).toBe("error");
  });

  it("hubspot-forms: fields name/value array; 200 inline message accepted with redirect; 400 field errors rejected", () => {
    const cfg = expand("hubspot-forms");
    const { request } = buildRequest(cfg, sampleLead("mortgage"), ctx);
    expect(JSON.parse(request.body ?? "")).toMatchObject({
      fields: [
        { name: "email", value: "renee.obrien@example.com" },
        { name: "firstname", value: "Renée" },
      ],
      context: { pageUri: "https://leadwire.example/form" },
    });
    const r = cfg.response;
    expect(parseResponse(r, res(200, '{"inlineMessage":"Thanks for submitting the form."}', "application/json"))).toEqual({ outcome: "accepted" });
    expect(parseResponse(r, res(200, '{"redirectUri":"https://acme.example/thanks"}'))).toEqual({
      outcome: "accepted",
      redirectUrl: "https://acme.example/thanks",
    });
    const bad =
      '{"status":"error","message":"The request is not valid","errors":[{"message":"Error in \'fields.email\'. Invalid email address","errorType":"INVALID_EMAIL"}]}';
    expect(parseResponse(r, res(400, bad, "application/json"))).toEqual({
      outcome: "rejected",
      reason: "INVALID_EMAIL: Error in 'fields.email'. Invalid email address; The request is not valid",
    });
  });

  it("velocify: form POST; <Response><Success> accepted with the lead id, an error element rejected", () => {
    const cfg = expand("velocify");
    const { request } = buildRequest(cfg, sampleLead("mortgage"), ctx);
    expect(request.headers["Content-Type"]).toMatch(/x-www-form-urlencoded/);
    const r = cfg.response;
    expect(parseResponse(r, res(200, '<?xml version="1.0"?><Response><Success LeadId="889123" /></Response>', "text/html"))).toEqual({
      outcome: "accepted",
      buyerLeadId: "889123",
    });
    expect(parseResponse(r, res(200, "<Response><Success>889124</Success></Response>"))).toEqual({ outcome: "accepted", buyerLeadId: "889124" });
    expect(parseResponse(r, res(200, "<Response><Error>Duplicate lead</Error></Response>"))).toEqual({ outcome: "rejected", reason: "Duplicate lead" });
    expect(parseResponse(r, res(200, "Object reference not set to an instance of an object.")).outcome).toBe("unrecognized");
  });
});
