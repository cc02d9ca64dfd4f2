import { conflictUpdate } from "../../integration/adapters/hubspot-contacts";
import type { BuyerConfig } from "../../integration/config";
import { parseResponse } from "../../integration/response/parse";
import type { BuyerResponse, OutboundRequest } from "../../integration/types";
import type { Classification } from "../classify";
import type { SendResult } from "../transport";

/** A built request as the attempt holds it (what auth added is masked by comparing with `unauthenticated`). */
export interface Built {
  request: OutboundRequest;
  unauthenticated: OutboundRequest;
}

/** The attempt after a conflict was followed up: the PATCH and its answer, with the 409 as its earlier exchange. */
export interface ConflictFollowed<B extends Built> {
  built: B;
  sent: SendResult;
  prior: { request: OutboundRequest; unauthenticated: OutboundRequest; response: BuyerResponse }[];
  /** What the 409 said, in the buyer's words (its category, message and existing id). */
  conflictWords: string | undefined;
  existingId: string;
}

/**
 * HubSpot contacts with `"onConflict": "update"` (issue 16): a 409 CONFLICT names the contact
 * that already has the e-mail; the lead then updates that contact — `PATCH
 * /crm/v3/objects/contacts/{existingId}` with the same properties, headers and token — and the
 * PATCH's answer is the attempt's answer (200: a sale, with the existing id). Undefined when
 * the buyer rejects conflicts (the default) or the answer was no conflict with an id.
 */
export async function followConflict<B extends Built>(
  buyer: BuyerConfig,
  built: B,
  sent: SendResult,
  resend: (req: OutboundRequest) => Promise<SendResult>,
): Promise<ConflictFollowed<B> | undefined> {
  const first = sent.response;
  if (buyer.onConflict !== "update" || !first) return undefined;
  const update = conflictUpdate(built.request, first);
  if (!update) return undefined;
  const unauthenticated = conflictUpdate(built.unauthenticated, first) ?? update;
  const existingId = /\/([^/?#]+)(?:[?#].*)?$/.exec(update.url)?.[1] ?? "";
  let words: string | undefined;
  try {
    words = parseResponse(buyer.response, first).reason;
  } catch {
    words = undefined;
  }
  return {
    built: { ...built, request: update, unauthenticated },
    sent: await resend(update),
    prior: [{ request: built.request, unauthenticated: built.unauthenticated, response: first }],
    conflictWords: words,
    existingId,
  };
}

/** The attempt's reason after a conflict: the 409's words, then what the update came to. */
export function conflictReason(f: ConflictFollowed<Built>, c: Pick<Classification, "outcome" | "reason">): string {
  const said = f.conflictWords ?? `409 conflict with contact ${f.existingId}`;
  if (c.outcome === "accepted") return `${said} → updated the existing contact ${f.existingId}`;
  return `${said} → updating contact ${f.existingId} failed: ${c.reason ?? c.outcome}`;
}
