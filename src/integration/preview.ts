import type { NormalizedLead } from "../core/lead";
import { secretValues } from "./auth";
import { prepareRequest } from "./build";
import type { BuyerConfig } from "./config";
import { secretNames } from "./mapping/secrets";
import type { BuildContext, MappingWarning, OutboundRequest } from "./types";

export interface RequestPreview {
  method: OutboundRequest["method"];
  url: string;
  headers: Record<string, string>;
  body?: string;
  warnings: MappingWarning[];
}

export const MASK = "****";
export { secretNames };

/**
 * Returns a function that replaces every secret value (raw, URL-encoded and base64 forms)
 * with a mask. Values shorter than 4 characters are left: masking "1" would hide the lead.
 */
export function secretMasker(values: Iterable<string>): (s: string) => string {
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < 4) continue;
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(new URLSearchParams({ v }).toString().slice(2));
  }
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (s) => {
    let out = s;
    for (const f of list) if (out.includes(f)) out = out.split(f).join(MASK);
    return out;
  };
}

const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/**
 * The exact request that would be sent for this lead (mapping, format, URL, headers, auth),
 * without sending it, with secrets masked in the URL, headers and body.
 * Throws MappingError like buildRequest.
 */
export async function previewRequest(buyer: BuyerConfig, lead: NormalizedLead, ctx: BuildContext): Promise<RequestPreview> {
  const { request, warnings } = await prepareRequest(buyer, lead, ctx);
  const values: string[] = [];
  for (const name of secretNames(buyer)) {
    const v = ctx.secret(name);
    if (v !== undefined) values.push(v);
  }
  values.push(...secretValues(buyer.auth, ctx));
  const mask = secretMasker(values);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    // Credentials derived from secrets (Basic base64, bearer tokens) don't contain the raw value.
    if (CREDENTIAL_HEADER.test(k)) {
      const sp = v.indexOf(" ");
      headers[k] = sp > 0 && /^[A-Za-z-]+$/.test(v.slice(0, sp)) ? `${v.slice(0, sp)} ${MASK}` : MASK;
    } else headers[k] = mask(v);
  }
  const preview: RequestPreview = { method: request.method, url: mask(request.url), headers, warnings };
  if (request.body !== undefined) preview.body = mask(request.body);
  return preview;
}
