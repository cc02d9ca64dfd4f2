const DEFAULT_MAX_AGE_HOURS = 24;
const DEFAULT_SYNC_DEADLINE_MS = 15_000;

/** A number from a var; an empty or unreadable value takes the default (vars are strings). */
function numberVar(v: string | undefined, fallback: number): number {
  const n = Number(v ?? "");
  return v === undefined || v.trim() === "" || !Number.isFinite(n) || n === 0 ? fallback : n;
}

/**
 * The Worker's vars and secrets that change behaviour, read once per distinct configuration.
 * Production refuses to start without the keys that encrypt the exact requests kept for
 * compliance (a silently skipped archive would be found only at an audit). Five plain
 * string vars, read by hand: every isolate reads them at once (the queue consumer, the cron,
 * the HTTP app), and none should have to load a schema library first.
 */
function readSettings(env: SettingsEnv): { settings: Settings; issues: { path: string; message: string }[] } {
  const environment = env.ENVIRONMENT ?? "development";
  const issues: { path: string; message: string }[] = [];
  if (environment === "production") {
    if (!env.REQUEST_ENCRYPTION_KEYS) {
      issues.push({ path: "REQUEST_ENCRYPTION_KEYS", message: "required in production: npx wrangler secret put REQUEST_ENCRYPTION_KEYS" });
    }
    if (!env.ADMIN_TOKEN || env.ADMIN_TOKEN.length < 16) {
      issues.push({ path: "ADMIN_TOKEN", message: "required in production, at least 16 characters: npx wrangler secret put ADMIN_TOKEN" });
    }
  }
  return {
    settings: {
      environment,
      // Hours a lead may wait for a buyer before it expires: default 24, clamped to 1–48.
      leadMaxAgeMs: Math.min(48, Math.max(1, numberVar(env.LEAD_MAX_AGE_HOURS, DEFAULT_MAX_AGE_HOURS))) * 3_600_000,
      // Total time a source waits in `?mode=sync`.
      syncDeadlineMs: numberVar(env.SYNC_DEADLINE_MS, DEFAULT_SYNC_DEADLINE_MS),
      encryptionKeys: env.REQUEST_ENCRYPTION_KEYS,
    },
    issues,
  };
}

export interface Settings {
  environment: string;
  leadMaxAgeMs: number;
  syncDeadlineMs: number;
  encryptionKeys: string | undefined;
}

/** Thrown when the Worker's configuration cannot work; the edge answers 503 and logs every issue. */
export class SettingsError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Leadwire is misconfigured: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "SettingsError";
  }
}

type SettingsEnv = Partial<Record<"ENVIRONMENT" | "LEAD_MAX_AGE_HOURS" | "SYNC_DEADLINE_MS" | "REQUEST_ENCRYPTION_KEYS" | "ADMIN_TOKEN", string>>;

const KEYS = ["ENVIRONMENT", "LEAD_MAX_AGE_HOURS", "SYNC_DEADLINE_MS", "REQUEST_ENCRYPTION_KEYS", "ADMIN_TOKEN"] as const;

let memo: { values: (string | undefined)[]; settings: Settings } | undefined;

/** The parsed settings of this env (cached while its values stay the same: read on every request). Throws SettingsError. */
export function settings(env: SettingsEnv): Settings {
  if (memo && KEYS.every((k, i) => env[k] === memo?.values[i])) return memo.settings;
  const { settings: s, issues } = readSettings(env);
  if (issues.length > 0) throw new SettingsError(issues);
  memo = { values: KEYS.map((k) => env[k]), settings: s };
  return s;
}

/**
 * Reads a Worker secret or var by name (buyer configs reference secrets by name); only
 * non-empty strings count. The one place a name becomes a value.
 */
export function readSecret(env: object, name: string): string | undefined {
  const v: unknown = (env as Record<string, unknown>)[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}
