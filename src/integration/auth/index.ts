/**
 * Buyer authentication. Pure: secrets come from `ctx.secret`, tokens from `ctx.tokens` (the
 * BuyerGate's cache), and the token request itself takes an injected `fetchFn`.
 */

import { ConfigError } from "../errors";
import type { BuildContext, OutboundRequest } from "../types";
import type { ApplyOptions, AuthScheme, FetchFn, FetchTokenOptions, TokenResult } from "./common";
import { AUTH_SCHEMES } from "./registry";
import type { AuthConfig, AuthOf, AuthType } from "./schema";

export { AuthError, ConfigError } from "../errors";
export type { ApplyOptions, AuthScheme, FetchFn, FetchTokenOptions, TokenResult } from "./common";
export type { AuthConfig, AuthConfigInput, AuthType } from "./schema";

function schemeOf<T extends AuthType>(auth: AuthOf<T>): AuthScheme<T> {
  return AUTH_SCHEMES[auth.type as T];
}

/**
 * Adds the buyer's credentials to a fully built request (HMAC signs the final body, so this
 * runs last). Throws ConfigError when a secret is missing; token schemes ask
 * `ctx.tokens.getToken(opts.forceRefresh)` — pass `{ forceRefresh: true }` when resending after a 401.
 */
export async function applyAuth(req: OutboundRequest, auth: AuthConfig, ctx: BuildContext, opts: ApplyOptions = {}): Promise<OutboundRequest> {
  return schemeOf(auth).apply(req, auth, ctx, opts);
}

/** Whether the scheme needs `ctx.tokens` (and so a BuyerGate token cache). */
export function usesTokens(auth: AuthConfig): boolean {
  return schemeOf(auth).fetchToken !== undefined;
}

/**
 * Performs the token request for OAuth 2.0 client-credentials / refresh-token and login-token
 * schemes; the BuyerGate calls it on a cache miss or forced refresh and stores the result.
 * Throws AuthError (with the HTTP status, and `transient`) when the server refuses or fails,
 * ConfigError for a missing secret or a scheme without tokens.
 */
export async function fetchToken(auth: AuthConfig, ctx: BuildContext, fetchFn: FetchFn, opts: FetchTokenOptions = {}): Promise<TokenResult> {
  const scheme = schemeOf(auth);
  if (!scheme.fetchToken) throw new ConfigError(`auth type ${auth.type} has no token to fetch`, "auth.type");
  return scheme.fetchToken(auth, ctx, fetchFn, opts);
}

function isSecretRef(v: unknown): v is { secret: string } {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof (v as { secret?: unknown }).secret === "string" && Object.keys(v).length === 1;
}

/**
 * Every resolved secret string the auth config uses, plus credentials derived from them that
 * would appear on the wire (a Basic header's base64), for masking requests in previews and logs.
 * Missing secrets are skipped, never thrown.
 */
export function secretValues(auth: AuthConfig, ctx: BuildContext): string[] {
  const out = new Set<string>();
  for (const v of Object.values(auth)) {
    if (!isSecretRef(v)) continue;
    const s = ctx.secret(v.secret);
    if (s !== undefined && s !== "") out.add(s);
  }
  for (const d of schemeOf(auth).derivedSecrets?.(auth, ctx) ?? []) if (d !== "") out.add(d);
  return [...out];
}
