/** Quotes a value as a SQL string literal. */
export function sqlString(value: string): string;
/** Throws unless the name is 1–80 of [A-Za-z0-9 _.-]. */
export function validateSourceName(name: string): string;
/** Throws unless the id looks like `src_…`. */
export function validateSourceId(id: string): string;
/** Throws unless the URL is http(s). */
export function validateWebhookUrl(url: string): string;
/** A new source (key shown once) and the upsert storing its hash. */
export function createSourceSql(input: { name: string; id?: string; webhookUrl?: string; nowMs?: number }): {
  id: string;
  name: string;
  apiKey: string;
  keyPrefix: string;
  webhookSecret?: string;
  sql: string;
};
/** The statement revoking a source's key. */
export function revokeSourceSql(id: string, nowMs?: number): string;
