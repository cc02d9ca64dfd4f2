// Key and id helpers for the Node CLIs. Same formats as src/crypto.ts and src/ids.ts, which run
// in the Worker: a key made here must authenticate there.
import { createHash, randomBytes, randomInt } from "node:crypto";

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B32 = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A new source API key: `lw_` + 40 base62 characters.
 * randomInt draws without modulo bias (src/crypto.ts accepts either).
 * @returns {string}
 */
export function newApiKey() {
  let out = "lw_";
  for (let i = 0; i < 40; i++) out += B62[randomInt(62)];
  return out;
}

/**
 * Lower-case hex SHA-256, the form `sources.key_hash` stores.
 * @param {string} s
 * @returns {string}
 */
export function sha256Hex(s) {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/**
 * Time-sortable id `<prefix>_<10 time chars><16 random chars>` like src/ids.ts.
 * @param {string} prefix
 * @param {number} [nowMs]
 * @returns {string}
 */
export function newId(prefix, nowMs = Date.now()) {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = B32[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (const b of randomBytes(16)) rand += B32[b % 32];
  return `${prefix}_${time}${rand}`;
}

/**
 * A Standard Webhooks secret `whsec_<base64 of 24 random bytes>`.
 * @returns {string}
 */
export function newWebhookSecret() {
  return `whsec_${randomBytes(24).toString("base64")}`;
}
