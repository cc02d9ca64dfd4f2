import type { AlertTarget } from "./alert-targets";
import { type HashKey, parseHashKeys } from "./hash-keys";

const DEFAULT_MAX_AGE_HOURS = 24;
const DEFAULT_SYNC_DEADLINE_MS = 15_000;
const DEFAULT_CONSENT_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

/** A number from a var; an empty or unreadable value takes the default (vars are strings). */
function numberVar(v: string | undefined, fallback: number): number {
  const n = Number(v ?? "");
  return v === undefined || v.trim() === "" || !Number.isFinite(n) || n === 0 ? fallback : n;
}

export type { AlertTarget } from "./alert-targets";

/** Checks the parsed JSON of ALERT_TARGETS (`parseAlertTargetList` in alert-targets.ts, built on the schema library). */
export type AlertTargetParser = (json: unknown) => { targets: AlertTarget[] } | { problems: string[] };

let alertTargetParser: AlertTargetParser | undefined;

/**
 * Installs the ALERT_TARGETS parser (undefined removes it: tests of a fresh isolate). Only a
 * Worker with alert targets needs it: src/index.ts loads it on first need, so that an isolate
 * starts without the schema library.
 */
export function useAlertTargetParser(p: AlertTargetParser | undefined): void {
  alertTargetParser = p;
}

/** Whether ALERT_TARGETS is set and its parser not installed yet. */
export function needsAlertTargetParser(env: { ALERT_TARGETS?: string }): boolean {
  return !blank(env.ALERT_TARGETS) && alertTargetParser === undefined;
}

/**
 * The Worker's vars and secrets that change behaviour, read once per distinct configuration.
 * Production refuses to start without the keys that encrypt the exact requests kept for
 * compliance (a silently skipped archive would be found only at an audit) and without the key
 * of the duplicate hashes. Plain string
 * vars are read by hand (every isolate reads them at once: the queue consumer, the cron, the
 * HTTP app); only the JSON of `ALERT_TARGETS`, when set, goes through a schema.
 */
/** What is wrong with a production `DEDUPE_HASH_KEY` (one secret, or a rotation's list), if anything. */
function dedupeKeyIssue(value: string | undefined): string | undefined {
  const required = "required in production, at least 32 characters: npx wrangler secret put DEDUPE_HASH_KEY";
  let keys: HashKey[] | undefined;
  try {
    keys = parseHashKeys(value);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (!keys) return required;
  const short = keys.find((k) => k.secret.length < 32);
  if (short) return keys.length === 1 ? required : `key ${short.id} is shorter than 32 characters: every key of a rotation list needs at least 32`;
  return undefined;
}

function readSettings(env: SettingsEnv): { settings: Settings; issues: { path: string; message: string }[] } {
  const environment = env.ENVIRONMENT ?? "development";
  const issues: { path: string; message: string }[] = [];
  if (environment === "production") {
    if (!env.REQUEST_ENCRYPTION_KEYS) {
      issues.push({ path: "REQUEST_ENCRYPTION_KEYS", message: "required in production: npx wrangler secret put REQUEST_ENCRYPTION_KEYS" });
    }
    // Duplicate hashes are HMACs under this key; without it intake could only store plain
    // hashes, which enumeration reverses (src/db/dedupe.ts). Refused rather than fallen back from.
    const hashKeyIssue = dedupeKeyIssue(env.DEDUPE_HASH_KEY);
    if (hashKeyIssue) issues.push({ path: "DEDUPE_HASH_KEY", message: hashKeyIssue });
    if (!env.ADMIN_TOKEN || env.ADMIN_TOKEN.length < 16) {
      issues.push({ path: "ADMIN_TOKEN", message: "required in production, at least 16 characters: npx wrangler secret put ADMIN_TOKEN" });
    }
  }
  const countries = blank(env.ACCEPTED_PHONE_COUNTRIES) ? ["US"] : (env.ACCEPTED_PHONE_COUNTRIES ?? "").split(",").map((c) => c.trim().toUpperCase());
  if (!countries.every((c) => /^[A-Z]{2}$/.test(c))) {
    issues.push({ path: "ACCEPTED_PHONE_COUNTRIES", message: "ISO 3166 country codes separated by commas, e.g. US,PR" });
  }
  const int = (name: IntName, fallback: number, min: number, max: number): number => {
    const v = env[name];
    if (v === undefined || v.trim() === "") return fallback;
    const n = Number(v);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    issues.push({ path: name, message: `must be a whole number from ${min} to ${max}` });
    return fallback;
  };
  const analytics =
    env.ANALYTICS_ACCOUNT_ID && env.ANALYTICS_API_TOKEN
      ? {
          accountId: env.ANALYTICS_ACCOUNT_ID,
          apiToken: env.ANALYTICS_API_TOKEN,
          origin: (env.ANALYTICS_SQL_ORIGIN || "https://api.cloudflare.com").replace(/\/$/, ""),
          dataset: env.ANALYTICS_DATASET || "leadwire_attempts",
        }
      : undefined;
  return {
    settings: {
      environment,
      // Hours a lead may wait for a buyer before it expires: default 24, clamped to 1–48.
      leadMaxAgeMs: Math.min(48, Math.max(1, numberVar(env.LEAD_MAX_AGE_HOURS, DEFAULT_MAX_AGE_HOURS))) * 3_600_000,
      // Total time a source waits in `?mode=sync`.
      syncDeadlineMs: numberVar(env.SYNC_DEADLINE_MS, DEFAULT_SYNC_DEADLINE_MS),
      encryptionKeys: env.REQUEST_ENCRYPTION_KEYS,
      // How old a lead's `consent.consented_at` may be, in days (default 90, at least 1).
      consentMaxAgeMs: Math.max(1, numberVar(env.CONSENT_MAX_AGE_DAYS, DEFAULT_CONSENT_MAX_AGE_DAYS)) * DAY_MS,
      acceptedPhoneCountries: countries,
      // Days personal data is kept (leads, attempts, the exact-request archive, callbacks).
      retentionDays: int("RETENTION_DAYS", 30, 1, 3650),
      // Years sanitized attempts and lead facts are kept for compliance.
      complianceYears: int("COMPLIANCE_YEARS", 5, 1, 30),
      // Rows of each kind one retention step handles (the cron repeats steps while rows remain).
      retentionBatch: int("RETENTION_BATCH", 50, 1, 90),
      // The UTC hour the daily regression lead goes to each buyer's sandbox.
      regressionHourUtc: int("REGRESSION_HOUR_UTC", 6, 0, 23),
      alertTargets: parseAlertTargets(env.ALERT_TARGETS, issues),
      publicUrl: env.PUBLIC_URL || undefined,
      analytics,
    },
    issues,
  };
}

const blank = (v: string | undefined): boolean => v === undefined || v.trim() === "";

type IntName = "RETENTION_DAYS" | "COMPLIANCE_YEARS" | "RETENTION_BATCH" | "REGRESSION_HOUR_UTC";

/** `ALERT_TARGETS`: a JSON array of targets, each checked by the installed parser (AlertTargetSchema), names unique. */
function parseAlertTargets(v: string | undefined, issues: { path: string; message: string }[]): AlertTarget[] {
  if (v === undefined || v.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(v);
  } catch {
    issues.push({ path: "ALERT_TARGETS", message: "must be a JSON array of targets" });
    return [];
  }
  if (!alertTargetParser)
    throw new Error("ALERT_TARGETS is set but no parser is installed: pass parseAlertTargetList (src/core/alert-targets.ts) to useAlertTargetParser");
  const parsed = alertTargetParser(json);
  if ("problems" in parsed) {
    for (const message of parsed.problems) issues.push({ path: "ALERT_TARGETS", message });
    return [];
  }
  const names = new Set<string>();
  for (const t of parsed.targets) {
    if (names.has(t.name)) issues.push({ path: "ALERT_TARGETS", message: `target name ${t.name} is used twice` });
    names.add(t.name);
  }
  return parsed.targets;
}

export interface Settings {
  environment: string;
  leadMaxAgeMs: number;
  syncDeadlineMs: number;
  encryptionKeys: string | undefined;
  /** The oldest consent intake accepts, as an age in ms. */
  consentMaxAgeMs: number;
  /** ISO country codes whose phone numbers intake accepts. */
  acceptedPhoneCountries: readonly string[];
  retentionDays: number;
  complianceYears: number;
  retentionBatch: number;
  regressionHourUtc: number;
  alertTargets: AlertTarget[];
  publicUrl: string | undefined;
  /** Set when both the account id and the token are: `/v1/metrics?source=analytics` works. */
  analytics: { accountId: string; apiToken: string; origin: string; dataset: string } | undefined;
}

/** Thrown when the Worker's configuration cannot work; the edge answers 503 and logs every issue. */
export class SettingsError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Leadwire is misconfigured: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "SettingsError";
  }
}

const SETTING_NAMES = [
  "ENVIRONMENT",
  "LEAD_MAX_AGE_HOURS",
  "SYNC_DEADLINE_MS",
  "CONSENT_MAX_AGE_DAYS",
  "ACCEPTED_PHONE_COUNTRIES",
  "REQUEST_ENCRYPTION_KEYS",
  "DEDUPE_HASH_KEY",
  "ADMIN_TOKEN",
  "RETENTION_DAYS",
  "COMPLIANCE_YEARS",
  "RETENTION_BATCH",
  "REGRESSION_HOUR_UTC",
  "ALERT_TARGETS",
  "PUBLIC_URL",
  "ANALYTICS_ACCOUNT_ID",
  "ANALYTICS_API_TOKEN",
  "ANALYTICS_SQL_ORIGIN",
  "ANALYTICS_DATASET",
] as const;

type SettingsEnv = Partial<Record<(typeof SETTING_NAMES)[number], string>>;

let memo: { values: (string | undefined)[]; settings: Settings } | undefined;

/** The parsed settings of this env (cached while its values stay the same: read on every request). Throws SettingsError. */
export function settings(env: SettingsEnv): Settings {
  if (memo && SETTING_NAMES.every((k, i) => env[k] === memo?.values[i])) return memo.settings;
  const { settings: s, issues } = readSettings(env);
  if (issues.length > 0) throw new SettingsError(issues);
  memo = { values: SETTING_NAMES.map((k) => env[k]), settings: s };
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
