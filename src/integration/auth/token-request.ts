/** The token-endpoint half shared by the OAuth 2.0 grants (RFC 6749 §4.4, §6). */

import { AuthError, ConfigError } from "../errors";
import type { BuildContext } from "../types";
import { resolveVars } from "../vars";
import type { FetchFn, TokenResult } from "./common";
import { base64Utf8 } from "./common";

/** RFC 6749 §2.3.1: client id and secret are form-encoded before being joined and base64'd. */
export function clientBasic(clientId: string, clientSecret: string): string {
  const f = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${base64Utf8(`${f(clientId)}:${f(clientSecret)}`)}`;
}

/** The request's failure as text bounded in size, without echoing anything we sent. */
function describe(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as unknown;
    if (j !== null && typeof j === "object") {
      const o = j as Record<string, unknown>;
      const parts = [o.error, o.error_description].filter((x): x is string => typeof x === "string");
      if (parts.length) return `${status} ${parts.join(": ")}`.slice(0, 300);
    }
  } catch {
    // not JSON: status only, the body may be an HTML error page
  }
  return `${status}`;
}

/** Sends the request, mapping network failures to AuthError(status 0). */
export async function send(
  fetchFn: FetchFn,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  what: string,
): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetchFn(url, init);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // A URL that cannot even be fetched is the buyer file's fault, not a passing outage.
    if (/invalid url|unsupported protocol|fetch api cannot load/i.test(message)) throw new ConfigError(`${what}: ${message}`, "auth");
    throw new AuthError(`${what} failed: ${message}`, 0);
  }
  const text = await res.text().catch(() => "");
  if (res.status < 200 || res.status >= 300) throw new AuthError(`${what} refused: ${describe(res.status, text)}`, res.status);
  return { status: res.status, text };
}

/** `expires_in` may be a number or a numeric string; anything else means "not given". */
export function seconds(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** When to stop using a token: its lifetime minus the skew, but never less than half of it. */
export function expiryAt(nowMs: number, ttlSeconds: number, skewSeconds: number): number {
  const usable = Math.max(ttlSeconds - skewSeconds, ttlSeconds / 2);
  return nowMs + Math.floor(usable * 1000);
}

/** POSTs a form to a token endpoint and reads the standard token response. */
export async function requestToken(
  fetchFn: FetchFn,
  ctx: BuildContext,
  tokenUrl: string,
  form: URLSearchParams,
  headers: Record<string, string>,
  skewSeconds: number,
  defaultTtlSeconds: number,
): Promise<TokenResult> {
  const { status, text } = await send(
    fetchFn,
    resolveVars(tokenUrl, ctx.vars, "auth.tokenUrl"),
    {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json", ...headers },
      body: form.toString(),
    },
    "token request",
  );
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new AuthError("token response is not JSON", status);
  }
  const o = j !== null && typeof j === "object" ? (j as Record<string, unknown>) : {};
  const accessToken = o.access_token;
  if (typeof accessToken !== "string" || accessToken === "") throw new AuthError("token response has no access_token", status);
  const ttl = seconds(o.expires_in) ?? defaultTtlSeconds;
  const out: TokenResult = { accessToken, expiresAt: expiryAt(ctx.now(), ttl, skewSeconds) };
  if (typeof o.refresh_token === "string" && o.refresh_token !== "") out.refreshToken = o.refresh_token;
  if (typeof o.instance_url === "string" && /^https?:\/\//.test(o.instance_url)) out.instanceUrl = o.instance_url;
  return out;
}
