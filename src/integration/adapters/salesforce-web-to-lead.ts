import type { Preset } from "./types";
import { mappedTargets } from "./util";

/**
 * Salesforce Web-to-Lead: the form a website would post, posted by us. Salesforce answers 200
 * with an HTML page (a redirect to `retURL`) whether or not the lead was created — failures are
 * only visible with `debug=1` or by e-mail — so "accepted" here means "200 without an error
 * marker", the most this endpoint can tell.
 */
export const salesforceWebToLead: Preset = {
  name: "salesforce-web-to-lead",
  description:
    "Form POST to webto.salesforce.com; the buyer file maps `oid` (org id, a constant), `retURL` and Lead fields (first_name, last_name, email, company, … or custom field ids).",
  defaults: {
    endpoint: {
      url: "https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8",
      method: "POST",
      followRedirects: false,
    },
    format: { type: "form" },
    auth: { type: "none" },
    response: {
      contentType: "text",
      rules: [
        { status: "2xx", match: { regex: "\\b(error|exception)\\b", flags: "i" }, outcome: "error" },
        { status: "2xx", outcome: "accepted" },
      ],
      reason: [{ regex: "<title>([^<]*)</title>", group: 1, flags: "i" }],
      redirectUrl: [{ regex: "URL=([^\"'>\\s]+)", group: 1, flags: "i" }],
    },
  },
  check(cfg) {
    const targets = mappedTargets(cfg);
    if (targets.length === 0) return [];
    return targets.includes("oid") ? [] : ["the mapping needs a field `oid` (the Salesforce org id, as a constant value)"];
  },
};
