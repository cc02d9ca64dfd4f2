import type { SqlLike } from "./breaker";

/**
 * Schema migrations of the gate's SQLite storage, applied in order and gated by
 * `meta.schema_version`. Never edit an applied entry: append a new one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS breaker_calls (at INTEGER NOT NULL, failure INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS breaker_calls_at ON breaker_calls (at);
   CREATE TABLE IF NOT EXISTS reservations (
     id TEXT PRIMARY KEY, state TEXT NOT NULL, hour_key TEXT NOT NULL, day_key TEXT NOT NULL,
     week_key TEXT NOT NULL, month_key TEXT NOT NULL, in_flight INTEGER NOT NULL,
     expires_at INTEGER, created_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS reservations_day ON reservations (day_key);
   CREATE INDEX IF NOT EXISTS reservations_month ON reservations (month_key);
   CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL, fetched_at INTEGER NOT NULL, refresh_token TEXT);
   CREATE TABLE IF NOT EXISTS schedule (id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_at INTEGER NOT NULL, payload TEXT);`,
  // Salesforce's token answer names the org's instance; requests made with the token go there.
  "ALTER TABLE tokens ADD COLUMN instance_url TEXT;",
  // Issue 16: leads collected for a batch job or an e-mail digest (batch.ts), and the jobs.
  `CREATE TABLE IF NOT EXISTS batch_items (
     delivery_id TEXT PRIMARY KEY, lead_id TEXT NOT NULL, attempt INTEGER NOT NULL, billable INTEGER NOT NULL,
     sandbox INTEGER NOT NULL, fields TEXT, state TEXT NOT NULL, job_id TEXT, queued_at INTEGER NOT NULL,
     result TEXT, settled_at INTEGER);
   CREATE INDEX IF NOT EXISTS batch_items_state ON batch_items (state, queued_at);
   CREATE INDEX IF NOT EXISTS batch_items_job ON batch_items (job_id);
   CREATE TABLE IF NOT EXISTS batch_jobs (
     id TEXT PRIMARY KEY, kind TEXT NOT NULL, sandbox INTEGER NOT NULL, step TEXT NOT NULL, remote_id TEXT,
     remote_state TEXT, polls INTEGER NOT NULL, failures INTEGER NOT NULL, error TEXT, created_at INTEGER NOT NULL,
     closed_at INTEGER, next_at INTEGER NOT NULL, wire_ms INTEGER NOT NULL);`,
  // Routing (issue 13): revenue caps and prepaid balances, reserved and committed like cap slots (spend.ts).
  `CREATE TABLE IF NOT EXISTS spend (
     id TEXT PRIMARY KEY, state TEXT NOT NULL, amount INTEGER NOT NULL, hour_key TEXT NOT NULL, day_key TEXT NOT NULL,
     week_key TEXT NOT NULL, month_key TEXT NOT NULL, expires_at INTEGER, created_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS spend_day ON spend (day_key);
   CREATE TABLE IF NOT EXISTS topups (ref TEXT PRIMARY KEY, amount INTEGER NOT NULL, created_at INTEGER NOT NULL);`,
];

/**
 * The gate's key/value facts (buyer id, last config, throttle, last success …) and its schema
 * version. Read once into memory when the object starts (the gate is the only writer); a
 * `set` writes through, and only when the value changes.
 */
export class GateMeta {
  #values = new Map<string, string>();

  constructor(private readonly sql: SqlLike) {}

  /** Creates or upgrades the schema and reads the facts; runs synchronously inside the constructor's blockConcurrencyWhile. */
  migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    for (const r of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray()) this.#values.set(r.key, r.value);
    const version = Number(this.get("schema_version") ?? "0") || 0;
    for (let v = version; v < MIGRATIONS.length; v++) {
      const ddl = MIGRATIONS[v];
      if (ddl) this.sql.exec(ddl);
      this.set("schema_version", String(v + 1));
    }
  }

  get(key: string): string | undefined {
    return this.#values.get(key);
  }

  /** A numeric fact; 0 when unset. */
  num(key: string): number {
    return Number(this.get(key) ?? "0") || 0;
  }

  set(key: string, value: string): void {
    if (this.#values.get(key) === value) return;
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
    this.#values.set(key, value);
  }
}
