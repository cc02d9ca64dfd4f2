import type { Preset } from "./types";
import { mappedTargets, requireUrl } from "./util";

/**
 * HubSpot Forms API v3 (unauthenticated submit): POST
 * `{"fields": [{"name": "email", "value": "…"}], "context": {"pageUri": "…", "pageName": "…", "ipAddress": "…"}}`
 * to api.hsforms.com/submissions/v3/integration/submit/{portalId}/{formGuid}.
 * Success: 200 `{"inlineMessage": "…"}` or `{"redirectUri": "…"}`; errors: 400
 * `{"status": "error", "message": "…", "errors": [{"message": "…", "errorType": "INVALID_EMAIL"}]}`.
 *
 * The field list is a name/value array: the mapping writes `fields[0].name` (a constant) and
 * `fields[0].value` for each field — give every value a `default` or mark it `required`, since a
 * skipped value would leave its name alone in the array.
 */
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
        { status: 400, match: { jsonPath: "errors[*].errorType" }, outcome: "rejected" },
        { match: { jsonPath: "status", equals: "error" }, outcome: "error" },
      ],
      reason: ["errors[*].message", "message"],
      redirectUrl: "redirectUri",
    },
  },
  check(cfg) {
    const problems = requireUrl(
      cfg,
      /^https:\/\/api\.hsforms\.com\/submissions\/v3\/integration\/(secure\/)?submit\/[^/]+\/[^/]+\/?$/,
      "https://api.hsforms.com/submissions/v3/integration/submit/{portalId}/{formGuid}",
    );
    const targets = mappedTargets(cfg);
    if (targets.length && !targets.some((t) => /^fields\[\d+\]\.value$/.test(t))) {
      problems.push("the mapping should write fields[i].name / fields[i].value pairs");
    }
    return problems;
  },
};
