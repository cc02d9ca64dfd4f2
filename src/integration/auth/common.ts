import type { SecretRef } from "../config";
import { ConfigError } from "../errors";
import type { BuildContext, OutboundRequest } from "../types";
import type { AuthOf, AuthType } from "./schema";

/** The `fetch` the BuyerGate passes in; the global `fetch` fits. */
export type FetchFn = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

/** A token as the BuyerGate caches it. */
export interface TokenResult {
  accessToken: string;
  /** Epoch ms after which the token should be replaced (true expiry minus the refresh skew). */
  expiresAt: number;
  /** A rotated refresh token, when the server issued one: use it for the next refresh. */
  refreshToken?: string;
  /** Salesforce's `instance_url`: the base URL of the org this token is for. */
  instanceUrl?: string;
}

export interface FetchTokenOptions {
  /** The latest refresh token the BuyerGate holds (rotation); default: the configured secret. */
  refreshToken?: string;
}

/** One authentication scheme: one module implementing this, one line in the registry. */
export interface AuthScheme<T extends AuthType> {
  /** Returns the request with credentials added; never mutates its input. */
  apply(req: OutboundRequest, auth: AuthOf<T>, ctx: BuildContext, opts: ApplyOptions): Promise<OutboundRequest>;
  /** Schemes that obtain tokens: performs the token / login request. */
  fetchToken?(auth: AuthOf<T>, ctx: BuildContext, fetchFn: FetchFn, opts: FetchTokenOptions): Promise<TokenResult>;
  /** Credentials derived from secrets that would not be caught by masking the raw values (e.g. Basic). */
  derivedSecrets?(auth: AuthOf<T>, ctx: BuildContext): string[];
}

export interface ApplyOptions {
  /** After a 401: ask the token provider for a fresh token instead of the cached one. */
  forceRefresh?: boolean;
}

/** Resolves a secret reference; a missing secret is a ConfigError naming it. */
export function requireSecret(ref: SecretRef, ctx: BuildContext, field: string): string {
  const v = ctx.secret(ref.secret);
  if (v === undefined || v === "") throw new ConfigError(`secret ${ref.secret} is not set (${field})`, field, ref.secret);
  return v;
}

/** A literal string or a secret reference. */
export function stringOrSecret(v: string | SecretRef, ctx: BuildContext, field: string): string {
  return typeof v === "string" ? v : requireSecret(v, ctx, field);
}

/** Like stringOrSecret, but undefined instead of throwing (for masking). */
export function tryStringOrSecret(v: string | SecretRef | undefined, ctx: BuildContext): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  const s = ctx.secret(v.secret);
  return s === "" ? undefined : s;
}

/** A copy of the request with a header set, replacing any same-named header whatever its case. */
export function withHeader(req: OutboundRequest, name: string, value: string): OutboundRequest {
  const headers: Record<string, string> = {};
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() !== lower) headers[k] = v;
  headers[name] = value;
  return { ...req, headers };
}

const enc = new TextEncoder();

/** Base64 of the UTF-8 bytes (btoa alone fails on non-Latin-1 text). */
export function base64Utf8(s: string): string {
  return bytesToBase64(enc.encode(s));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** `Basic base64(user:pass)`. */
export function basicCredential(user: string, pass: string): string {
  return `Basic ${base64Utf8(`${user}:${pass}`)}`;
}

/**
 * The request sent to the token's instance (Salesforce `instance_url`): the instance URL, then
 * the endpoint's path from `/services/` on (or its whole path and query when it has none).
 */
export function onInstance(url: string, instanceUrl: string): string {
  const base = instanceUrl.replace(/\/+$/, "");
  const at = url.indexOf("/services/");
  if (at >= 0) return base + url.slice(at);
  try {
    const u = new URL(url);
    return base + u.pathname + u.search;
  } catch {
    return url;
  }
}

/** A copy of the request with a bearer token, sent to the token's instance when the config asks. */
export async function withBearerToken(
  req: OutboundRequest,
  ctx: BuildContext,
  forceRefresh: boolean | undefined,
  useInstance: boolean,
): Promise<OutboundRequest> {
  const token = await tokenFrom(ctx, forceRefresh, "auth");
  const out = withHeader(req, "Authorization", `Bearer ${token}`);
  const instance = useInstance ? ctx.tokens?.instanceUrl?.() : undefined;
  return instance ? { ...out, url: onInstance(out.url, instance) } : out;
}

/** The token provider, or a ConfigError: token schemes cannot work without the BuyerGate's cache. */
export async function tokenFrom(ctx: BuildContext, forceRefresh: boolean | undefined, field: string): Promise<string> {
  if (!ctx.tokens) throw new ConfigError("this auth scheme needs a token provider (the BuyerGate's token cache)", field);
  return ctx.tokens.getToken(forceRefresh === true);
}
