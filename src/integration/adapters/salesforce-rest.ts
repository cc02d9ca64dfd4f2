import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Salesforce REST API, sObject create: POST JSON of Lead fields (API names such as FirstName,
 * LastName, Company, Email) to /services/data/vXX.X/sobjects/Lead/ with an OAuth 2.0 token.
 * Success: 201 `{"id": "00Q…", "success": true, "errors": []}`; failure: 4xx
 * `[{"message": "…", "errorCode": "…", "fields": […]}]` — DUPLICATES_DETECTED is a rejection
 * (its `duplicateResult` names the existing record), every other code an error whose reason is
 * the code, the message and the fields: `REQUIRED_FIELD_MISSING: Required fields are missing:
 * [LastName] (fields: LastName)`. An expired or revoked session answers 401 INVALID_SESSION_ID:
 * the BuyerGate fetches a new token once and resends. The token answer's `instance_url` is where
 * the org lives (`auth.instanceUrl`, on by default here): the request goes there.
 */
export const salesforceRest: Preset = {
  name: "salesforce-rest",
  description:
    "JSON POST to https://<MyDomain>.my.salesforce.com/services/data/v62.0/sobjects/Lead/ with OAuth 2.0 client credentials; the buyer file gives endpoint.url, auth.tokenUrl, clientId and clientSecret refs, and the Lead field mapping.",
  defaults: {
    endpoint: { method: "POST", headers: { Accept: "application/json" } },
    format: { type: "json" },
    auth: { type: "oauth2_client_credentials", authStyle: "body", instanceUrl: true },
    response: {
      contentType: "json",
      rules: [
        { status: 201, match: { jsonPath: "id" }, outcome: "accepted" },
        { match: { jsonPath: "[*].errorCode", equals: "DUPLICATES_DETECTED" }, outcome: "rejected", reason: "duplicate" },
        { match: { jsonPath: "[*].errorCode" }, outcome: "error" },
        { match: { jsonPath: "success", equals: false }, outcome: "error" },
      ],
      buyerLeadId: "id",
      errors: [
        {
          items: "$",
          code: "errorCode",
          message: "message",
          fields: "fields",
          details: { existing: "duplicateResult.matchResults[*].matchRecords[*].record.Id" },
        },
        // A 2xx `{"success": false, "errors": [{"statusCode", "message", "fields"}]}`.
        { items: "errors[*]", code: "statusCode", message: "message", fields: "fields" },
      ],
    },
  },
  check(cfg) {
    return requireUrl(
      cfg,
      /^https:\/\/[^/]+\/services\/data\/v\d+\.\d\/sobjects\/Lead\/?$/,
      "https://MyDomain.my.salesforce.com/services/data/v62.0/sobjects/Lead/",
      /\/services\/data\/v\d+\.\d\/sobjects\/Lead\/?$/,
    );
  },
};
