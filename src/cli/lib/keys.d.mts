/** A new source API key: `lw_` + 40 base62 characters. */
export function newApiKey(): string;
/** Lower-case hex SHA-256 (the form `sources.key_hash` stores). */
export function sha256Hex(s: string): string;
/** Time-sortable id like src/ids.ts. */
export function newId(prefix: string, nowMs?: number): string;
/** A Standard Webhooks secret `whsec_<base64>`. */
export function newWebhookSecret(): string;
