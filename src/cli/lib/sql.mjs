// SQL for the sources table, built for `wrangler d1 execute --command`, which takes no bound
// parameters: every value is validated first and then quoted as a SQL string literal.
import { newApiKey, newId, newWebhookSecret, sha256Hex } from "./keys.mjs";

const NAME_RE = /^[A-Za-z0-9 _.-]{1,80}$/;
const ID_RE = /^src_[A-Za-z0-9_]{1,64}$/;

/**
 * Quotes a value as a SQL string literal (single quotes doubled). Rejects NUL, which SQLite
 * would truncate at.
 * @param {string} value
 * @returns {string}
 */
export function sqlString(value) {
  if (value.includes("\0")) throw new Error("NUL is not allowed in SQL values");
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Throws unless the source name is 1–80 of [A-Za-z0-9 _.-].
 * @param {string} name
 * @returns {string}
 */
export function validateSourceName(name) {
  if (!NAME_RE.test(name)) throw new Error(`Source name must be 1–80 characters of A-Z a-z 0-9 space _ . - (got ${JSON.stringify(name)})`);
  return name;
}

/**
 * Throws unless the id looks like a source id (`src_…`).
 * @param {string} id
 * @returns {string}
 */
export function validateSourceId(id) {
  if (!ID_RE.test(id)) throw new Error(`Not a source id: ${JSON.stringify(id)} (expected src_…)`);
  return id;
}

/**
 * Throws unless the URL is http(s).
 * @param {string} url
 * @returns {string}
 */
export function validateWebhookUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`Not a URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("The webhook URL must be http(s)");
  return u.toString();
}

/**
 * A new source: its id, its API key (shown once, never stored) and the upsert that stores the
 * hash. With a fixed `id` the statement replaces that source's key (the dev demo source is
 * re-keyed on every run); otherwise a fresh id is drawn.
 * @param {{ name: string, id?: string, webhookUrl?: string, nowMs?: number }} input
 * @returns {{ id: string, name: string, apiKey: string, keyPrefix: string, webhookSecret?: string, sql: string }}
 */
export function createSourceSql(input) {
  const nowMs = input.nowMs ?? Date.now();
  const name = validateSourceName(input.name);
  const id = input.id !== undefined ? validateSourceId(input.id) : newId("src", nowMs);
  const webhookUrl = input.webhookUrl !== undefined ? validateWebhookUrl(input.webhookUrl) : undefined;
  const webhookSecret = webhookUrl ? newWebhookSecret() : undefined;
  const apiKey = newApiKey();
  const keyPrefix = apiKey.slice(0, 12);
  const createdAt = new Date(nowMs).toISOString();
  /** @param {string | undefined} x */
  const v = (x) => (x === undefined ? "NULL" : sqlString(x));
  const sql =
    `INSERT INTO sources (id, name, key_hash, key_prefix, status, excluded_buyers, webhook_url, webhook_secret, quality_score, created_at, revoked_at) ` +
    `VALUES (${v(id)}, ${v(name)}, ${v(sha256Hex(apiKey))}, ${v(keyPrefix)}, 'active', '[]', ${v(webhookUrl)}, ${v(webhookSecret)}, 100, ${v(createdAt)}, NULL) ` +
    `ON CONFLICT(id) DO UPDATE SET name = excluded.name, key_hash = excluded.key_hash, key_prefix = excluded.key_prefix, ` +
    `status = 'active', revoked_at = NULL, webhook_url = COALESCE(excluded.webhook_url, sources.webhook_url), ` +
    `webhook_secret = COALESCE(excluded.webhook_secret, sources.webhook_secret) RETURNING id;`;
  return { id, name, apiKey, keyPrefix, ...(webhookSecret ? { webhookSecret } : {}), sql };
}

/**
 * The statement revoking a source's key (its leads stay); returns a row only when it changed one.
 * @param {string} id
 * @param {number} [nowMs]
 * @returns {string}
 */
export function revokeSourceSql(id, nowMs = Date.now()) {
  return `UPDATE sources SET status = 'revoked', revoked_at = ${sqlString(new Date(nowMs).toISOString())} WHERE id = ${sqlString(validateSourceId(id))} AND status = 'active' RETURNING id;`;
}
