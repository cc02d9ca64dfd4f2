import type { BuyerResponse, OutboundRequest } from "../types";
import type { Preset } from "./types";
import { mappedTargets } from "./util";

/**
 * HubSpot CRM contacts: POST `{"properties": {...}}` to /crm/v3/objects/contacts with a private
 * app token (Bearer). Success: 201 with the new contact's `id`. A contact with the same e-mail
 * answers 409 `{"category": "CONFLICT", "message": "Contact already exists. Existing ID: …"}`:
 * a duplicate, read as rejected (updating the existing contact instead is `conflictUpdate`).
 * Errors are `{"status": "error", "category": "VALIDATION_ERROR", "message": "…", "errors":
 * [{"code": "INVALID_EMAIL", "message": "…", "context": {"propertyName": ["email"]}}]}`; a 429
 * says `{"errorType": "RATE_LIMIT", "policyName": "SECONDLY", …}` with X-HubSpot-RateLimit-*
 * headers; an expired OAuth token is 401 `EXPIRED_AUTHENTICATION`. The reason carries those codes.
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
      errors: [
        { items: "errors[*]", code: ["code", "errorType"], message: "message", fields: "context.propertyName" },
        { items: "$", code: ["category", "errorType"], message: "message", details: { policy: "policyName" } },
      ],
    },
  },
  check(cfg) {
    const bad = mappedTargets(cfg).filter((t) => !t.startsWith("properties."));
    return bad.length ? [`HubSpot contact fields go under properties.: ${bad.join(", ")}`] : [];
  },
};

/** The existing contact's id in a 409 CONFLICT answer (`"Contact already exists. Existing ID: 123"`). */
export function existingContactId(body: string): string | undefined {
  let message: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    message = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>).message : undefined;
  } catch {
    return undefined;
  }
  if (typeof message !== "string") return undefined;
  return /Existing ID:\s*(\d+)/i.exec(message)?.[1];
}

/**
 * For a buyer that updates instead of rejecting on a duplicate: the follow-up to a 409 CONFLICT
 * — `PATCH /crm/v3/objects/contacts/{existingId}` with the same `{"properties": …}` body and
 * headers. Undefined when the answer is no conflict or names no existing id. Pure: the caller
 * sends it (and reads its 200 like an acceptance, with the existing id as the buyer's lead id).
 */
export function conflictUpdate(request: OutboundRequest, response: BuyerResponse): OutboundRequest | undefined {
  if (response.status !== 409) return undefined;
  const id = existingContactId(response.body);
  if (id === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return undefined;
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${id}`;
  return { ...request, method: "PATCH", url: url.toString() };
}
