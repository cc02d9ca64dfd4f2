import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Salesforce REST API, sObject create: POST JSON of Lead fields (API names such as FirstName,
 * LastName, Company, Email) to /services/data/vXX.X/sobjects/Lead/ with an OAuth 2.0 token.
 * Success: 201 `{"id": "00Q…", "success": true, "errors": []}`; failure: 4xx
 * `[{"message": "…", "errorCode": "…", "fields": […]}]` — DUPLICATES_DETECTED is a rejection.
 */
export const salesforceRest: Preset = {
  name: "salesforce-rest",
  description:
    "JSON POST to https://<MyDomain>.my.salesforce.com/services/data/v62.0/sobjects/Lead/ with OAuth 2.0 client credentials; the buyer file gives endpoint.url, auth.tokenUrl, clientId and clientSecret refs, and the Lead field mapping.",
  defaults: {
    endpoint: { method: "POST", headers: { Accept: "application/json" } },
    format: { type: "json" },
    auth: { type: "oauth2_client_credentials", authStyle: "body" },
    response: {
      contentType: "json",
      rules: [
        { status: 201, match: { jsonPath: "id" }, outcome: "accepted" },
        { match: { jsonPath: "[*].errorCode", equals: "DUPLICATES_DETECTED" }, outcome: "rejected", reason: "duplicate" },
        { match: { jsonPath: "[*].errorCode" }, outcome: "error" },
        { match: { jsonPath: "success", equals: false }, outcome: "error" },
      ],
      buyerLeadId: "id",
      reason: ["[*].message", "errors[*].message"],
    },
  },
  check(cfg) {
    return requireUrl(
      cfg,
      /^https:\/\/[^/]+\/services\/data\/v\d+\.\d\/sobjects\/Lead\/?$/,
      "https://MyDomain.my.salesforce.com/services/data/v62.0/sobjects/Lead/",
    );
  },
};
