import type { Preset } from "./types";
import { mappedTargets, requireUrl } from "./util";

/**
 * HubSpot Forms API v3 (unauthenticated submit): POST
 * `{"fields": [{"name": "email", "value": "…"}], "context": {"pageUri": "…", "pageName": "…", "ipAddress": "…"}}`
 * to api.hsforms.com/submissions/v3/integration/submit/{portalId}/{formGuid}.
 * Success: 200 `{"inlineMessage": "…"}` or `{"redirectUri": "…"}`; errors: 400
 * `{"status": "error", "message": "…", "errors": [{"message": "…", "errorType": "INVALID_EMAIL"}]}`.
 *
 * An error type that says our request is wrong (a field the form does not have, bad context or
 * consent options) is an error — a config fault to alert on; one about the lead's values
 * (INVALID_EMAIL, BLOCKED_EMAIL, REQUIRED_FIELD, …) is a rejection of that lead. Forms never
 * answer "duplicate": HubSpot merges a repeat submission into the contact with that e-mail.
 *
 * The field list is a name/value array: the mapping writes `fields[0].name` (a constant) and
 * `fields[0].value` for each field — give every value a `default` or mark it `required`, since a
 * skipped value would leave its name alone in the array.
 */
/** Forms API error types that mean our submission is malformed, not that the lead is bad. */
export const HUBSPOT_FORMS_CONFIG_ERRORS = [
  "FIELD_NOT_IN_FORM_DEFINITION",
  "INVALID_METADATA",
  "INVALID_HUTK",
  "INVALID_PAGE_URI",
  "INVALID_IP_ADDRESS",
  "INVALID_LEGAL_OPTION_FORMAT",
  "MISSING_PROCESSING_CONSENT",
  "MISSING_PROCESSING_CONSENT_TEXT",
  "MISSING_COMMUNICATION_CONSENT_TEXT",
  "INVALID_GOTOWEBINAR_WEBINAR_KEY",
] as const;

export const hubspotForms: Preset = {
  name: "hubspot-forms",
  description:
    "JSON POST to api.hsforms.com/submissions/v3/integration/submit/{portalId}/{formGuid}; the buyer file gives endpoint.url and maps fields[i].name / fields[i].value and context.*.",
  defaults: {
    endpoint: { method: "POST", headers: { Accept: "application/json" } },
    format: { type: "json" },
    auth: { type: "none" },
    response: {
      contentType: "json",
      rules: [
        { status: "2xx", match: { jsonPath: "status", equals: "error" }, outcome: "error" },
        { status: "2xx", outcome: "accepted" },
        { status: 400, match: { jsonPath: "errors[*].errorType", in: [...HUBSPOT_FORMS_CONFIG_ERRORS] }, outcome: "error" },
        { status: 400, match: { jsonPath: "errors[*].errorType" }, outcome: "rejected" },
        { match: { jsonPath: "status", equals: "error" }, outcome: "error" },
      ],
      errors: [
        { items: "errors[*]", code: "errorType", message: "message" },
        { items: "$", code: "category", message: "message" },
      ],
      redirectUrl: "redirectUri",
    },
  },
  check(cfg) {
    const problems = requireUrl(
      cfg,
      /^https:\/\/api\.hsforms\.com\/submissions\/v3\/integration\/(secure\/)?submit\/[^/]+\/[^/]+\/?$/,
      "https://api.hsforms.com/submissions/v3/integration/submit/{portalId}/{formGuid}",
      /\/submissions\/v3\/integration\/(secure\/)?submit\/[^/]+\/[^/]+\/?$/,
    );
    const targets = mappedTargets(cfg);
    if (targets.length && !targets.some((t) => /^fields\[\d+\]\.value$/.test(t))) {
      problems.push("the mapping should write fields[i].name / fields[i].value pairs");
    }
    return problems;
  },
};
