/**
 * Webhook signature verification: pure, Web Crypto only, over the exact bytes received.
 * Results carry a reason for logs and metrics; the HTTP layer answers the same generic 401
 * whatever the reason, so a caller learns nothing about what was expected.
 */

import { constantTimeEqual, fromBase64, hmacSha256 } from "../core/crypto";
import type { WebhookConfig } from "../integration/webhook-config";

export type VerifyFailure =
  | "missing_signature"
  | "malformed_signature"
  | "missing_timestamp"
  | "timestamp_too_old"
  | "timestamp_in_future"
  | "missing_id"
  | "no_usable_secret"
  | "signature_mismatch";

export type VerifyResult =
  | {
      ok: true;
      /**
       * The event id the signature covers: Standard Webhooks' `webhook-id`, part of the signed
       * content. The other schemes sign only the body (or `t.body`); a delivery-id header
       * beside them (X-GitHub-Delivery, …) is not signed, so it is never an event's identity.
       */
      signedEventId?: string;
      /** The signed timestamp (seconds), for schemes that have one. */
      timestamp?: number;
      /** Which configured secret matched (0 = first), so operators can tell when a rotation is complete. */
      secretIndex: number;
    }
  | { ok: false; reason: VerifyFailure };

/** What verification needs from the config (the scheme's parameters, not the mapping rules). */
export type VerifyConfig = Pick<WebhookConfig, "scheme" | "header" | "encoding" | "prefix" | "toleranceSeconds">;

const enc = new TextEncoder();

// Shared with the rest of the Worker; re-exported because the verifier's tests use them from here.
export { constantTimeEqual, fromBase64, hmacSha256 } from "../core/crypto";

/** Lower- or upper-case hex → bytes; undefined when not hex. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Standard Webhooks secrets are `whsec_<base64>`; the key is the decoded bytes. */
function standardWebhooksKey(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return bytes && bytes.length > 0 ? bytes : undefined;
}

/** Checks `nowSec - ts` against the tolerance in both directions (exactly `tolerance` passes). */
function checkTimestamp(ts: number, nowMs: number, tolerance: number): VerifyFailure | undefined {
  const diff = Math.floor(nowMs / 1000) - ts;
  if (diff > tolerance) return "timestamp_too_old";
  if (diff < -tolerance) return "timestamp_in_future";
  return undefined;
}

function parseTimestamp(s: string | null | undefined): number | undefined {
  if (!s || !/^\d{1,12}$/.test(s.trim())) return undefined;
  return Number(s.trim());
}

/**
 * Does any candidate signature equal the HMAC of `signed` under any key? Every pair is
 * compared (no early exit on the candidates), so timing does not tell which one was close.
 */
async function anyMatch(
  keys: readonly (Uint8Array<ArrayBuffer> | undefined)[],
  signed: Uint8Array<ArrayBuffer>,
  candidates: readonly Uint8Array[],
): Promise<number> {
  let matched = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!key) continue;
    const mac = await hmacSha256(key, signed);
    for (const c of candidates) if (constantTimeEqual(mac, c) && matched === -1) matched = i;
  }
  return matched;
}

/** What one scheme's verifier reads: the request as received and the configured secrets. */
interface VerifyInput {
  config: VerifyConfig;
  secrets: readonly (string | undefined)[];
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
  nowMs: number;
}

type SchemeVerifier = (v: VerifyInput) => Promise<VerifyResult>;

/** Secrets used as raw UTF-8 HMAC keys (every scheme but Standard Webhooks). */
const utf8Keys = (secrets: readonly (string | undefined)[]) => secrets.map((s) => (s ? enc.encode(s) : undefined));

/** Standard Webhooks: HMAC of `id.timestamp.body` under the decoded `whsec_` key, in `webhook-signature`. */
async function verifyStandardWebhooks({ config, secrets, headers, body, nowMs }: VerifyInput): Promise<VerifyResult> {
  const id = headers.get("webhook-id");
  const tsRaw = headers.get("webhook-timestamp");
  const sigHeader = headers.get("webhook-signature");
  if (!sigHeader) return { ok: false, reason: "missing_signature" };
  if (!id) return { ok: false, reason: "missing_id" };
  const ts = parseTimestamp(tsRaw);
  if (ts === undefined) return { ok: false, reason: "missing_timestamp" };
  const late = checkTimestamp(ts, nowMs, config.toleranceSeconds);
  if (late) return { ok: false, reason: late };
  // Space-separated `v1,<base64>` entries; other versions (v1a = asymmetric) are skipped.
  const candidates: Uint8Array[] = [];
  for (const part of sigHeader.trim().split(/\s+/)) {
    const comma = part.indexOf(",");
    if (comma < 0 || part.slice(0, comma) !== "v1") continue;
    const bytes = fromBase64(part.slice(comma + 1));
    if (bytes) candidates.push(bytes);
  }
  if (candidates.length === 0) return { ok: false, reason: "malformed_signature" };
  const keys = secrets.map((s) => (s ? standardWebhooksKey(s) : undefined));
  if (keys.every((k) => k === undefined)) return { ok: false, reason: "no_usable_secret" };
  const signed = concat(enc.encode(`${id}.${ts}.`), body);
  const i = await anyMatch(keys, signed, candidates);
  return i >= 0 ? { ok: true, signedEventId: id, timestamp: ts, secretIndex: i } : { ok: false, reason: "signature_mismatch" };
}

/** Stripe: `t=<ts>,v1=<hex>` in Stripe-Signature, HMAC of `ts.body`. */
async function verifyStripe({ config, secrets, headers, body, nowMs }: VerifyInput): Promise<VerifyResult> {
  const header = headers.get(config.header ?? "Stripe-Signature");
  if (!header) return { ok: false, reason: "missing_signature" };
  let ts: number | undefined;
  const candidates: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t") ts = parseTimestamp(v);
    else if (k === "v1") {
      const bytes = fromHex(v);
      if (bytes) candidates.push(bytes);
    }
  }
  if (ts === undefined) return { ok: false, reason: "missing_timestamp" };
  if (candidates.length === 0) return { ok: false, reason: "malformed_signature" };
  const late = checkTimestamp(ts, nowMs, config.toleranceSeconds);
  if (late) return { ok: false, reason: late };
  const signed = concat(enc.encode(`${ts}.`), body);
  const i = await anyMatch(utf8Keys(secrets), signed, candidates);
  return i >= 0 ? { ok: true, timestamp: ts, secretIndex: i } : { ok: false, reason: "signature_mismatch" };
}

/** GitHub (`sha256=<hex>` in X-Hub-Signature-256) or any header with a prefix and an encoding: HMAC of the body. */
async function verifyHeader({ config, secrets, headers, body }: VerifyInput): Promise<VerifyResult> {
  const name = config.header ?? (config.scheme === "github" ? "X-Hub-Signature-256" : undefined);
  const header = name ? headers.get(name) : null;
  if (!header) return { ok: false, reason: "missing_signature" };
  const prefix = config.prefix ?? (config.scheme === "github" ? "sha256=" : "");
  const encoding = config.scheme === "github" ? "hex" : config.encoding;
  // Several signatures may be listed (comma or space separated) during the buyer's own rotation.
  const candidates: Uint8Array[] = [];
  for (const part of header.split(/[\s,]+/)) {
    if (part === "" || !part.startsWith(prefix)) continue;
    const value = part.slice(prefix.length);
    const bytes = encoding === "hex" ? fromHex(value) : fromBase64(value);
    if (bytes) candidates.push(bytes);
  }
  if (candidates.length === 0) return { ok: false, reason: "malformed_signature" };
  const i = await anyMatch(utf8Keys(secrets), body, candidates);
  return i >= 0 ? { ok: true, secretIndex: i } : { ok: false, reason: "signature_mismatch" };
}

/** Each scheme's verifier. */
const SCHEMES: Record<VerifyConfig["scheme"], SchemeVerifier> = {
  standard_webhooks: verifyStandardWebhooks,
  stripe: verifyStripe,
  github: verifyHeader,
  header: verifyHeader,
};

/**
 * Verifies a webhook against its buyer's scheme. `secrets` are the resolved secret values in
 * config order (undefined for one that is not set); `body` is the exact bytes received.
 */
export async function verifyWebhook(
  config: VerifyConfig,
  secrets: readonly (string | undefined)[],
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
  nowMs: number,
): Promise<VerifyResult> {
  const present = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  if (present.length === 0) return { ok: false, reason: "no_usable_secret" };
  return SCHEMES[config.scheme]({ config, secrets, headers, body, nowMs });
}
