import { toBase64 } from "../core/crypto";
import { secretValues } from "./auth";
import type { BuyerConfig } from "./config";
import { secretNames } from "./mapping/secrets";
import type { BuildContext, OutboundRequest } from "./types";

export const MASK = "****";

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
    forms.add(toBase64(new TextEncoder().encode(v)));
  }
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (s) => {
    let out = s;
    for (const f of list) if (out.includes(f)) out = out.split(f).join(MASK);
    return out;
  };
}

/** Headers that carry credentials whatever their value looks like. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/** "Bearer abc" → "Bearer ****"; "abc" → "****". */
function maskCredential(v: string): string {
  const sp = v.indexOf(" ");
  return sp > 0 && /^[A-Za-z-]+$/.test(v.slice(0, sp)) ? `${v.slice(0, sp)} ${MASK}` : MASK;
}

/** A config's secret names, walked once per config object (a gate masks every attempt's request with them). */
const NAMES = new WeakMap<BuyerConfig, readonly string[]>();
function namesOf(buyer: BuyerConfig): readonly string[] {
  let names = NAMES.get(buyer);
  if (!names) {
    names = [...secretNames(buyer)];
    NAMES.set(buyer, names);
  }
  return names;
}

/** Every secret value a buyer's config resolves (its `{"secret": …}` references and what its auth derives from them). */
export function configSecretValues(buyer: BuyerConfig, ctx: Pick<BuildContext, "secret">): string[] {
  const values = new Set<string>();
  for (const name of namesOf(buyer)) {
    const v = ctx.secret(name);
    if (v) values.add(v);
  }
  for (const v of secretValues(buyer.auth, ctx as BuildContext)) values.add(v);
  return [...values];
}

/**
 * The request as it may be stored, logged, shown or returned: every value resolved from a
 * secret masked wherever it appears (raw, URL-encoded, base64), and every credential the auth
 * scheme added — a header or query parameter it set or changed (an API key, a Basic or Bearer
 * token, an HMAC signature) — masked by value too, also where it is echoed in the body.
 * `unauthenticated` is the request before auth was applied; without it only secrets and the
 * usual credential headers are masked.
 */
export function maskRequest(sent: OutboundRequest, secrets: readonly string[], unauthenticated?: OutboundRequest): OutboundRequest {
  const added: string[] = [...secrets];
  const before = unauthenticated?.headers ?? {};
  const beforeKeys = new Map(Object.entries(before).map(([k, v]) => [k.toLowerCase(), v]));
  const credentialHeaders = new Set<string>();
  for (const [k, v] of Object.entries(sent.headers)) {
    const lk = k.toLowerCase();
    if (CREDENTIAL_HEADER.test(k) || (unauthenticated && beforeKeys.get(lk) !== v)) {
      credentialHeaders.add(lk);
      added.push(v, v.slice(v.indexOf(" ") + 1));
    }
  }
  if (unauthenticated) {
    const was = new URL(unauthenticated.url).searchParams;
    for (const [k, v] of new URL(sent.url).searchParams) if (was.get(k) !== v) added.push(v);
  }
  const mask = secretMasker(added);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(sent.headers)) headers[k] = credentialHeaders.has(k.toLowerCase()) ? maskCredential(v) : mask(v);
  const out: OutboundRequest = { method: sent.method, url: mask(sent.url), headers };
  if (sent.body !== undefined) out.body = mask(sent.body);
  return out;
}
