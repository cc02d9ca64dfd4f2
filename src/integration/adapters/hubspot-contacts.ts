import type { Preset } from "./types";
import { mappedTargets } from "./util";

/**
 * HubSpot CRM contacts: POST `{"properties": {...}}` to /crm/v3/objects/contacts with a private
 * app token (Bearer). Success: 201 with the new contact's `id`. A contact with the same e-mail
 * answers 409 `{"category": "CONFLICT", "message": "Contact already exists. Existing ID: …"}`:
 * a duplicate, read as rejected.
 */
export const hubspotContacts: Preset = {
  name: "hubspot-contacts",
  description:
    "JSON POST to api.hubapi.com/crm/v3/objects/contacts with a Bearer private-app token; the buyer file maps properties.email, properties.firstname, … and gives auth.token as a secret ref.",
  defaults: {
    endpoint: { url: "https://api.hubapi.com/crm/v3/objects/contacts", method: "POST", headers: { Accept: "application/json" } },
    format: { type: "json" },
    auth: { type: "bearer" },
    response: {
      contentType: "json",
      rules: [
        { status: [200, 201], match: { jsonPath: "id" }, outcome: "accepted" },
        { status: 409, outcome: "rejected", reason: "duplicate" },
        { match: { jsonPath: "status", equals: "error" }, outcome: "error" },
      ],
      buyerLeadId: "id",
      reason: "message",
    },
  },
  check(cfg) {
    const bad = mappedTargets(cfg).filter((t) => !t.startsWith("properties."));
    return bad.length ? [`HubSpot contact fields go under properties.: ${bad.join(", ")}`] : [];
  },
};
