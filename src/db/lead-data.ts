import { decrypt, encrypt, loadEncryptionKeys } from "../core/crypto";
import type { NormalizedLead } from "../core/lead";

/** The bindings that seal and open a lead's personal data (the same keys as the request archive). */
export interface SealEnv {
  REQUEST_ENCRYPTION_KEYS?: string | undefined;
}

/** Stored values that start with this are AES-GCM sealed: `enc1:<key id>:<iv>.<ciphertext>`. */
const SEALED = "enc1:";

/**
 * Seals a value for a lead column that holds personal data (the normalized lead, the raw
 * post): AES-GCM with the current key of `REQUEST_ENCRYPTION_KEYS`, the key id kept for
 * rotation (older keys still open what they sealed). Without keys (development only: production
 * refuses to start without them) the JSON is stored as it is.
 */
export async function sealJson(env: SealEnv, value: unknown): Promise<string> {
  const json = JSON.stringify(value);
  const keys = loadEncryptionKeys(env.REQUEST_ENCRYPTION_KEYS);
  if (!keys) return json;
  const { keyId, data } = await encrypt(await keys, json);
  return `${SEALED}${keyId}:${data}`;
}

/**
 * The one way to read a lead's personal data back: opens a sealed value (or parses a plain one,
 * as rows written before sealing and development rows are).
 */
export async function openJson<T>(env: SealEnv, stored: string): Promise<T> {
  if (!stored.startsWith(SEALED)) return JSON.parse(stored) as T;
  const rest = stored.slice(SEALED.length);
  const colon = rest.indexOf(":");
  const keys = loadEncryptionKeys(env.REQUEST_ENCRYPTION_KEYS);
  if (colon < 0 || !keys) throw new Error("a sealed lead value cannot be opened: REQUEST_ENCRYPTION_KEYS is not set");
  return JSON.parse(await decrypt(await keys, rest.slice(0, colon), rest.slice(colon + 1))) as T;
}

/** Whether a stored value is sealed. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED);
}

/** The normalized lead from its stored column. */
export function openLead(env: SealEnv, stored: string): Promise<NormalizedLead> {
  return openJson<NormalizedLead>(env, stored);
}
