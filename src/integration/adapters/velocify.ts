import type { Preset } from "./types";
import { requireUrl } from "./util";

/**
 * Velocify (ICE Mortgage Technology) lead import: a form POST to
 * https://secure.velocify.com/Import.aspx?Provider=…&Client=…&CampaignId=…&XmlResponse=true,
 * answered in XML. Success is read from a `<Success>` element under `<Response>` (with the lead
 * id as its text or a LeadId/Id attribute); an `<Error>`/`<Failure>` element is a rejection with
 * its text as reason. The exact response schema is per account: check it against the buyer's
 * posting document and override `response` where it differs.
 */
export const velocify: Preset = {
  name: "velocify",
  description:
    "Form POST to secure.velocify.com/Import.aspx?Provider=…&Client=…&CampaignId=…&XmlResponse=true; the buyer file gives endpoint.url (with its provider/client/campaign ids) and the field mapping.",
  defaults: {
    endpoint: { method: "POST" },
    format: { type: "form" },
    auth: { type: "none" },
    response: {
      contentType: "xml",
      rules: [
        { match: { xpath: "boolean(//*[local-name()='Success'])", equals: true }, outcome: "accepted" },
        { match: { xpath: "boolean(//*[local-name()='Error' or local-name()='Failure'])", equals: true }, outcome: "rejected" },
      ],
      buyerLeadId: [
        { xpath: "//*[local-name()='Success']/@LeadId" },
        { xpath: "//*[local-name()='Success']/@Id" },
        { xpath: "//*[local-name()='LeadId']" },
        { xpath: "//*[local-name()='Success']" },
      ],
      reason: [{ xpath: "//*[local-name()='Error' or local-name()='Failure' or local-name()='Message']" }],
    },
  },
  check(cfg) {
    return requireUrl(
      cfg,
      /^https:\/\/[^/]*velocify\.com\/Import\.aspx\?/i,
      "https://secure.velocify.com/Import.aspx?Provider=X&Client=Y&CampaignId=1&XmlResponse=true",
      /\/Import\.aspx\?/i,
    );
  },
};
