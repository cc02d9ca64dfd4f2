import { hex } from "../../core/crypto";
import { ownValue } from "../../core/values";
import type { AuthScheme } from "./common";
import { bytesToBase64, requireSecret, withHeader } from "./common";

const enc = new TextEncoder();
const HASH = { sha256: "SHA-256", sha512: "SHA-512" } as const;

/** HMAC of `data` with Web Crypto (Node 20 and workerd alike). */
export async function hmacDigest(algorithm: "sha256" | "sha512", secret: string, data: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: HASH[algorithm] }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data)));
}

function urlParts(url: string): { path: string; query: string } {
  try {
    const u = new URL(url);
    return { path: u.pathname + u.search, query: u.search.startsWith("?") ? u.search.slice(1) : u.search };
  } catch {
    return { path: url, query: "" };
  }
}

/** The exact string that is signed. */
export function signedContent(content: string, v: { method: string; url: string; body: string; timestamp: string }): string {
  if (content === "body") return v.body;
  if (content === "timestamp.body") return `${v.timestamp}.${v.body}`;
  const { path, query } = urlParts(v.url);
  const values: Record<string, string> = { method: v.method, url: v.url, path, query, timestamp: v.timestamp, body: v.body };
  // Template escapes such as "\n" arrive from JSON already decoded; placeholders are replaced once.
  return content.replace(/\{(\w+)\}/g, (m, name: string) => ownValue(values, name) ?? m);
}

/**
 * Signs the exact body bytes that will be sent (so this must run after serialization), with
 * the timestamp from the injectable clock.
 */
export const hmac: AuthScheme<"hmac"> = {
  async apply(req, auth, ctx) {
    const secret = requireSecret(auth.secret, ctx, "auth.secret");
    const nowMs = ctx.now();
    const timestamp = auth.timestampUnit === "ms" ? String(nowMs) : String(Math.floor(nowMs / 1000));
    const data = signedContent(auth.content, { method: req.method, url: req.url, body: req.body ?? "", timestamp });
    const digest = await hmacDigest(auth.algorithm, secret, data);
    const sig = auth.encoding === "hex" ? hex(digest) : bytesToBase64(digest);
    let out = withHeader(req, auth.header, `${auth.prefix}${sig}`);
    if (auth.timestampHeader) out = withHeader(out, auth.timestampHeader, timestamp);
    return out;
  },
};
