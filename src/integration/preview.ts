import type { NormalizedLead } from "../core/lead";
import { prepareRequest } from "./build";
import type { BuyerConfig } from "./config";
import { secretNames } from "./mapping/secrets";
import { configSecretValues, maskRequest } from "./mask";
import type { BuildContext, MappingWarning, OutboundRequest } from "./types";

export interface RequestPreview {
  method: OutboundRequest["method"];
  url: string;
  headers: Record<string, string>;
  body?: string;
  warnings: MappingWarning[];
}

export { MASK, secretMasker } from "./mask";
export { secretNames };

/**
 * The exact request that would be sent for this lead (mapping, format, URL, headers, auth),
 * without sending it, with secrets masked in the URL, headers and body.
 * Throws MappingError like buildRequest.
 */
export async function previewRequest(buyer: BuyerConfig, lead: NormalizedLead, ctx: BuildContext): Promise<RequestPreview> {
  const { request, warnings, unauthenticated } = await prepareRequest(buyer, lead, ctx);
  const masked = maskRequest(request, configSecretValues(buyer, ctx), unauthenticated);
  const preview: RequestPreview = { method: masked.method, url: masked.url, headers: masked.headers, warnings };
  if (masked.body !== undefined) preview.body = masked.body;
  return preview;
}
