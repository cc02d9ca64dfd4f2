/**
 * Telling credentials from data. A posting spec often carries a real key, password or token (a
 * sample request copied from a live integration, an OpenAPI example): the importer marks such
 * names so their values are never copied into a buyer file, and references a secret instead.
 */
import type { AuthHint } from "./types";

const CREDENTIAL_NAME =
  /(pass(word|wd)?$|^pwd$|secret|token|api[-_ ]?key|apikey|access[-_ ]?key|auth(orization)?$|signature|credential|private[-_ ]?key|campaign[-_ ]?key|[-_]key$|^key$|^x-key$)/i;

/** Names that look like credentials but are lead data (Jornaya's LeadiD token). */
const NOT_CREDENTIAL = /(leadid|lead_id|jornaya|trusted_?form|tcpa|cert)/i;

/** True when a field, header or parameter name says it carries a credential. */
export function isCredentialName(name: string): boolean {
  const bare = name.replace(/^@_/, "");
  return CREDENTIAL_NAME.test(bare) && !NOT_CREDENTIAL.test(bare);
}

/** Headers a client sets by itself; never copied into a buyer config. */
const TRANSPORT_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "connection",
  "accept-encoding",
  "user-agent",
  "transfer-encoding",
  "cookie",
  "soapaction",
]);

/** What one request header of a sample tells the importer. */
export type HeaderReading = { kind: "auth"; hint: AuthHint; secretValues: string[] } | { kind: "constant"; name: string; value: string } | { kind: "ignored" };

/**
 * Reads one sample header: `Authorization: Basic …` / `Bearer …` and key-like headers become an
 * auth hint (the value is only remembered as a value to keep out of the config); transport
 * headers are dropped; the rest are constants the buyer expects.
 */
export function readHeader(name: string, value: string): HeaderReading {
  const lower = name.toLowerCase();
  if (lower === "authorization" || lower === "proxy-authorization") {
    const m = /^(\w+)\s+(.+)$/.exec(value.trim());
    const scheme = m?.[1]?.toLowerCase();
    const cred = m?.[2]?.trim() ?? value.trim();
    if (scheme === "basic") return { kind: "auth", hint: { kind: "basic" }, secretValues: [cred, ...basicParts(cred)] };
    if (scheme === "bearer") return { kind: "auth", hint: { kind: "bearer" }, secretValues: [cred] };
    // A bare key in Authorization (some APIs): an API key in that header.
    return { kind: "auth", hint: { kind: "api_key", in: "header", name }, secretValues: [value.trim()] };
  }
  if (TRANSPORT_HEADERS.has(lower)) return { kind: "ignored" };
  if (isCredentialName(name)) return { kind: "auth", hint: { kind: "api_key", in: "header", name }, secretValues: [value.trim()] };
  return { kind: "constant", name, value };
}

/** The user name and password inside a Basic credential, when it decodes. */
function basicParts(b64: string): string[] {
  try {
    const text = atob(b64);
    const i = text.indexOf(":");
    return i > 0 ? [text.slice(0, i), text.slice(i + 1)].filter((s) => s.length >= 4) : [];
  } catch {
    return [];
  }
}

/** `acme-auto` → `ACME_AUTO`: the prefix of every secret name a generated buyer references. */
export function secretPrefix(buyerId: string): string {
  return buyerId.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** A secret name for a credential field: `ACME_AUTO` + `Password` → `ACME_AUTO_PASSWORD`. */
export function secretNameFor(buyerId: string, hint: string): string {
  const tail = hint
    .replace(/^@_/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
  return `${secretPrefix(buyerId)}_${tail || "SECRET"}`;
}
