const enc = new TextEncoder();

/** Lower-case hex SHA-256 of a string (as UTF-8) or of bytes. */
export async function sha256Hex(s: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", typeof s === "string" ? enc.encode(s) : s));
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lowercase hex of the bytes (a table lookup per byte: hashes are hexed on every lead). */
export function hex(buf: ArrayBuffer | Uint8Array): string {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}

/** Byte-wise comparison whose time depends only on the lengths, never on where bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Constant-time string comparison (lengths leak, contents do not). */
export function timingSafeEqual(a: string, b: string): boolean {
  return constantTimeEqual(enc.encode(a), enc.encode(b));
}

/** HMAC-SHA256 of `data` under `key`. */
export async function hmacSha256(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * Lower-case hex HMAC-SHA-256 of a string under a text secret. The imported key is cached per
 * secret: duplicate hashing runs on every lead, and importKey is the larger part of its cost.
 */
export async function hmacSha256Hex(secret: string, data: string): Promise<string> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  const sig = await crypto.subtle.sign("HMAC", await key, enc.encode(data));
  return hex(sig);
}

/** Bytes → standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Standard or URL-safe base64 (padding optional) → bytes; undefined when not base64. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std)) return undefined;
  const padded = std.padEnd(std.length + ((4 - (std.length % 4)) % 4), "=");
  try {
    const bin = atob(padded);
    const out = new Uint8Array(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `lw_` + 40 base62 characters (~238 bits). */
export function newApiKey(): string {
  const bytes = new Uint8Array(40);
  crypto.getRandomValues(bytes);
  let out = "lw_";
  for (const b of bytes) out += B62[b % 62];
  return out;
}

function unb64(s: string): Uint8Array<ArrayBuffer> {
  const bytes = fromBase64(s);
  if (!bytes) throw new Error("malformed base64");
  return bytes;
}

export interface EncryptionKeys {
  current: { id: string; key: CryptoKey };
  all: Map<string, CryptoKey>;
}

const keyCache = new Map<string, Promise<EncryptionKeys>>();

/**
 * Parses `REQUEST_ENCRYPTION_KEYS` = `id:base64key[,id:base64key…]`; the first encrypts, all
 * decrypt, so a key can be rotated without losing access to older attempts.
 */
export function loadEncryptionKeys(spec: string | undefined): Promise<EncryptionKeys> | undefined {
  if (!spec) return undefined;
  let cached = keyCache.get(spec);
  if (!cached) {
    cached = (async () => {
      const all = new Map<string, CryptoKey>();
      let current: { id: string; key: CryptoKey } | undefined;
      for (const part of spec.split(",")) {
        const [id, raw] = part.trim().split(":");
        if (!id || !raw) throw new Error("REQUEST_ENCRYPTION_KEYS must be id:base64key[,id:base64key]");
        const key = await crypto.subtle.importKey("raw", unb64(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
        all.set(id, key);
        current ??= { id, key };
      }
      if (!current) throw new Error("REQUEST_ENCRYPTION_KEYS is empty");
      return { current, all };
    })();
    keyCache.set(spec, cached);
  }
  return cached;
}

/** AES-GCM encrypts `plain`; returns `base64(iv).base64(ciphertext)` and the key id. */
export async function encrypt(keys: EncryptionKeys, plain: string): Promise<{ keyId: string; data: string }> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, keys.current.key, enc.encode(plain));
  return { keyId: keys.current.id, data: `${toBase64(iv)}.${toBase64(new Uint8Array(ct))}` };
}

export async function decrypt(keys: EncryptionKeys, keyId: string, data: string): Promise<string> {
  const key = keys.all.get(keyId);
  if (!key) throw new Error(`unknown encryption key id ${keyId}`);
  const [iv, ct] = data.split(".");
  if (!iv || !ct) throw new Error("malformed ciphertext");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv) }, key, unb64(ct));
  return new TextDecoder().decode(plain);
}
