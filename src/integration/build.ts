import type { NormalizedLead } from "../core/lead";
import { applyAuth } from "./auth";
import type { BuyerConfig } from "./config";
import { buildRequest } from "./mapping/request";
import type { BuildContext, MappingWarning, OutboundRequest } from "./types";

export type { MappingErrorIssue } from "./errors";
export { MappingError } from "./errors";
export type { CompiledBuyer, RenderResult } from "./mapping/request";
export { buildRequest, compileBuyer, mapLead } from "./mapping/request";

/**
 * buildRequest + the buyer's authentication (API key, Basic, OAuth token, HMAC signature …).
 * `unauthenticated` is the request before auth, so what auth added can be masked by value.
 */
export async function prepareRequest(
  buyer: BuyerConfig,
  lead: NormalizedLead,
  ctx: BuildContext,
): Promise<{ request: OutboundRequest; warnings: MappingWarning[]; unauthenticated: OutboundRequest }> {
  const { request, warnings } = buildRequest(buyer, lead, ctx);
  return { request: await applyAuth(request, buyer.auth, ctx), warnings, unauthenticated: request };
}
