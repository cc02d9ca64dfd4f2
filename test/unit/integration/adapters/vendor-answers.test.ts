/**
 * Each preset reads its vendor's own error codes from answers shaped like the vendors document
 * them, and `classify` keeps those words next to our class label.
 */
import { describe, expect, it } from "vitest";
import { classify } from "../../../../src/buyer-gate/classify";
import { expandPreset } from "../../../../src/integration/adapters";
import { conflictUpdate, existingContactId } from "../../../../src/integration/adapters/hubspot-contacts";
import { BuyerConfigSchema } from "../../../../src/integration/config";
import { parseResponse } from "../../../../src/integration/response";
import type { BuyerResponse, OutboundRequest } from "../../../../src/integration/types";

const base = { name: "Preset buyer", verticals: ["mortgage"], price: 20, mapping: { fields: [{ to: "LastName", from: "lead.last_name" }] } };
const rulesOf = (preset: string, extra: Record<string, unknown> = {}) =>
  BuyerConfigSchema.parse(expandPreset({ ...base, id: `t-${preset}`, preset, ...extra })).response;
const json = (status: number, body: unknown): BuyerResponse => ({
  status,
  headers: { "content-type": "application/json;charset=UTF-8" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** What the gate does with one answer: rules, then the error class and reason. */
const outcome = (rules: ReturnType<typeof rulesOf>, res: BuyerResponse) => {
  const parsed = parseResponse(rules, res);
  return { parsed, ...classify({ status: res.status, parsed }) };
};

describe("salesforce-rest reads errorCode, message and fields", () => {
  const rules = rulesOf("salesforce-rest", {
    endpoint: { url: "https://acme.my.salesforce.com/services/data/v60.0/sobjects/Lead/" },
    auth: { type: "oauth2_client_credentials", tokenUrl: "https://acme.my.salesforce.com/services/oauth2/token", clientId: "c", clientSecret: { secret: "S" } },
  });

  it("201 created: accepted with the Lead id", () => {
    expect(outcome(rules, json(201, { id: "00Q5e00000AbCdEEAV", success: true, errors: [] }))).toMatchObject({
      outcome: "accepted",
      parsed: { buyerLeadId: "00Q5e00000AbCdEEAV" },
    });
  });

  it("400 REQUIRED_FIELD_MISSING: a client error whose reason is the vendor's code, message and fields", () => {
    const body = [{ message: "Required fields are missing: [LastName, Company]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["LastName", "Company"] }];
    expect(outcome(rules, json(400, body))).toMatchObject({
      outcome: "failed",
      errorClass: "client",
      reason: "client error (400): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName, Company] (fields: LastName, Company)",
    });
  });

  it("400 DUPLICATES_DETECTED with its duplicateResult: a rejection naming the existing record", () => {
    const body = [
      {
        duplicateResult: {
          allowSave: false,
          duplicateRule: "Standard_Lead_Duplicate_Rule",
          duplicateRuleEntityType: "Lead",
          errorMessage: "You're creating a duplicate record. We recommend you use an existing record instead.",
          matchResults: [
            {
              entityType: "Lead",
              errors: [],
              matchEngine: "FuzzyMatchEngine",
              matchRecords: [
                {
                  additionalInformation: [],
                  fieldDiffs: [],
                  matchConfidence: 100,
                  record: { attributes: { type: "Lead", url: "/services/data/v60.0/sobjects/Lead/00Q5e00000AbCdEEAV" }, Id: "00Q5e00000AbCdEEAV" },
                },
              ],
              rule: "Standard_Lead_Match_Rule_v1_0",
              size: 1,
              success: true,
            },
          ],
        },
        errorCode: "DUPLICATES_DETECTED",
        message: "You're creating a duplicate record. We recommend you use an existing record instead.",
      },
    ];
    expect(outcome(rules, json(400, body))).toMatchObject({
      outcome: "rejected",
      errorClass: "rejected",
      reason: "DUPLICATES_DETECTED: You're creating a duplicate record. We recommend you use an existing record instead. (existing: 00Q5e00000AbCdEEAV)",
    });
  });

  it("401 INVALID_SESSION_ID and 403 REQUEST_LIMIT_EXCEEDED keep their codes", () => {
    expect(outcome(rules, json(401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }])).reason).toBe(
      "client error (401): INVALID_SESSION_ID: Session expired or invalid",
    );
    expect(outcome(rules, json(403, [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]))).toMatchObject({
      errorClass: "client",
      reason: "client error (403): REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
    });
  });

  it("a 2xx with success:false reads errors[] (statusCode, message, fields)", () => {
    const body = {
      id: null,
      success: false,
      errors: [{ statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Zip must be 5 digits", fields: ["PostalCode"] }],
    };
    expect(outcome(rules, json(200, body))).toMatchObject({
      errorClass: "server",
      reason: "buyer error: FIELD_CUSTOM_VALIDATION_EXCEPTION: Zip must be 5 digits (fields: PostalCode)",
    });
  });

  it("500 with an error array is a server error that says what Salesforce said", () => {
    expect(
      outcome(rules, json(500, [{ message: "An unexpected error occurred. Please include this ErrorId: 1234-5678", errorCode: "UNKNOWN_EXCEPTION" }])).reason,
    ).toBe("server error (500): UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId: 1234-5678");
  });
});

describe("hubspot-contacts reads category, message, errors[] and policyName", () => {
  const rules = rulesOf("hubspot-contacts", {
    auth: { type: "bearer", token: { secret: "HS" } },
    mapping: { fields: [{ to: "properties.email", from: "lead.email" }] },
  });

  it("409 CONFLICT: rejected with the vendor's category and the existing id", () => {
    const body = {
      status: "error",
      message: "Contact already exists. Existing ID: 7415",
      correlationId: "0d9a7b9a-6a1e-4d8e-9d55-5f0b7f3c2a11",
      category: "CONFLICT",
    };
    expect(outcome(rules, json(409, body))).toMatchObject({ outcome: "rejected", reason: "CONFLICT: Contact already exists. Existing ID: 7415" });
  });

  it("400 VALIDATION_ERROR: each error's code and property first, then the category", () => {
    const body = {
      status: "error",
      message: 'Property values were not valid: [{"isValid":false,"message":"Email address not-an-email is invalid","error":"INVALID_EMAIL","name":"email"}]',
      correlationId: "3f0c",
      category: "VALIDATION_ERROR",
      errors: [{ message: "Email address not-an-email is invalid", code: "INVALID_EMAIL", context: { propertyName: ["email"] } }],
    };
    const r = outcome(rules, json(400, body));
    expect(r.errorClass).toBe("client");
    expect(r.reason).toMatch(
      /^client error \(400\): INVALID_EMAIL: Email address not-an-email is invalid \(fields: email\); VALIDATION_ERROR: Property values/,
    );
  });

  it("429: transient, with RATE_LIMIT and the policy that ran out", () => {
    const body = {
      status: "error",
      message: "You have reached your secondly limit.",
      errorType: "RATE_LIMIT",
      correlationId: "c033cdaa",
      policyName: "SECONDLY",
      requestId: "3d3e35b7",
    };
    expect(outcome(rules, json(429, body))).toMatchObject({
      errorClass: "transient",
      reason: "rate limited by the buyer (429): RATE_LIMIT: You have reached your secondly limit. (policy: SECONDLY)",
    });
  });

  it("401 EXPIRED_AUTHENTICATION keeps its category", () => {
    const body = {
      status: "error",
      message: "The OAuth token used to make this call expired 5 second(s) ago.",
      correlationId: "x",
      category: "EXPIRED_AUTHENTICATION",
    };
    expect(outcome(rules, json(401, body)).reason).toBe(
      "client error (401): EXPIRED_AUTHENTICATION: The OAuth token used to make this call expired 5 second(s) ago.",
    );
  });

  it("a 409's existing id, and the PATCH that would update that contact instead", () => {
    const conflict = json(409, { status: "error", message: "Contact already exists. Existing ID: 7415", category: "CONFLICT" });
    expect(existingContactId(conflict.body)).toBe("7415");
    expect(existingContactId('{"status":"error","message":"nope"}')).toBeUndefined();
    expect(existingContactId("<html>")).toBeUndefined();
    const sent: OutboundRequest = {
      method: "POST",
      url: "https://api.hubapi.com/crm/v3/objects/contacts",
      headers: { Authorization: "Bearer t", "Content-Type": "application/json" },
      body: '{"properties":{"email":"a@b.co"}}',
    };
    expect(conflictUpdate(sent, conflict)).toEqual({ ...sent, method: "PATCH", url: "https://api.hubapi.com/crm/v3/objects/contacts/7415" });
    expect(conflictUpdate(sent, json(400, { status: "error", message: "Existing ID: 1" }))).toBeUndefined();
  });
});

describe("hubspot-forms reads errorType", () => {
  const rules = rulesOf("hubspot-forms", {
    endpoint: { url: "https://api.hsforms.com/submissions/v3/integration/submit/123456/0b8a3c4e-1111-2222-3333-444455556666" },
    mapping: {
      fields: [
        { to: "fields[0].name", value: "email" },
        { to: "fields[0].value", from: "lead.email" },
      ],
    },
  });

  it("a bad value of the lead is a rejection with the error type", () => {
    const body = {
      status: "error",
      message: "The request is not valid",
      correlationId: "c1",
      errors: [{ message: "Error in 'fields.email'. Invalid email address", errorType: "INVALID_EMAIL" }],
    };
    expect(outcome(rules, json(400, body))).toMatchObject({
      outcome: "rejected",
      reason: "INVALID_EMAIL: Error in 'fields.email'. Invalid email address; The request is not valid",
    });
  });

  it("a field the form does not have is our config's fault: a client error, not a rejection", () => {
    const body = {
      status: "error",
      message: "The request is not valid",
      errors: [{ message: "Error in 'fields.favorite_color'. This field doesn't exist in the form", errorType: "FIELD_NOT_IN_FORM_DEFINITION" }],
    };
    expect(outcome(rules, json(400, body))).toMatchObject({
      outcome: "failed",
      errorClass: "client",
      reason:
        "client error (400): FIELD_NOT_IN_FORM_DEFINITION: Error in 'fields.favorite_color'. This field doesn't exist in the form; The request is not valid",
    });
  });

  it("an unknown form (404) says so", () => {
    expect(outcome(rules, json(404, { status: "error", message: "Form not found", correlationId: "c2" })).reason).toBe("client error (404): Form not found");
  });
});

describe("velocify reads the text of its Error element", () => {
  const rules = rulesOf("velocify", { endpoint: { url: "https://secure.velocify.com/Import.aspx?Provider=LW&Client=Acme&CampaignId=35&XmlResponse=true" } });
  it("an error element is a rejection with Velocify's words", () => {
    const xml: BuyerResponse = {
      status: 200,
      headers: { "content-type": "text/xml" },
      body: "<Response><Error>Duplicate lead: DayPhone matches lead 889123</Error></Response>",
    };
    expect(outcome(rules, xml)).toMatchObject({ outcome: "rejected", reason: "Duplicate lead: DayPhone matches lead 889123" });
  });
});
