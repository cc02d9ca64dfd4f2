import { z } from "zod";

const DEFAULT_MAX_AGE_HOURS = 24;
const DEFAULT_SYNC_DEADLINE_MS = 15_000;
const DEFAULT_CONSENT_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

/** A number from a var; an empty or unreadable value takes the default (vars are strings). */
const numberVar = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => {
      const n = Number(v ?? "");
      return v === undefined || v.trim() === "" || !Number.isFinite(n) || n === 0 ? fallback : n;
    });

/** A whole number from a var within [min, max]; empty or unreadable takes the default. */
const intVar = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

/**
 * Where alerts go: a webhook per target, Slack-compatible or PagerDuty Events v2, signed with
 * Standard Webhooks (`whsec_…`), at an escalation level (0 at once, 1 after 15 minutes
 * unacknowledged, 2 after an hour). Kept as one secret (`ALERT_TARGETS`, a JSON array): the
 * URLs of incoming webhooks and routing keys are credentials.
 */
export const AlertTargetSchema = z
  .object({
    name: z.string().regex(/^[\w-]{1,40}$/, "letters, digits, _ and -, at most 40"),
    url: z.url({ protocol: /^https?$/ }),
    format: z.enum(["slack", "pagerduty"]),
    level: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    signingSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, "a Standard Webhooks secret: whsec_ + base64"),
    routingKey: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => t.format !== "pagerduty" || t.routingKey !== undefined, { message: "a pagerduty target needs its routingKey", path: ["routingKey"] });

export type AlertTarget = z.infer<typeof AlertTargetSchema>;

const alertTargets = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return [];
    let json: unknown;
    try {
      json = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of targets" });
      return z.NEVER;
    }
    const parsed = z.array(AlertTargetSchema).safeParse(json);
    if (!parsed.success) {
      for (const i of parsed.error.issues) ctx.addIssue({ code: "custom", message: `[${i.path.join(".")}] ${i.message}` });
      return z.NEVER;
    }
    const names = new Set<string>();
    for (const t of parsed.data) {
      if (names.has(t.name)) ctx.addIssue({ code: "custom", message: `target name ${t.name} is used twice` });
      names.add(t.name);
    }
    return parsed.data;
  });

/**
 * The Worker's vars and secrets that change behaviour, read once per distinct configuration
 * with zod. Production refuses to start without the keys that encrypt the exact requests kept
 * for compliance (a silently skipped archive would be found only at an audit).
 */
const SettingsSchema = z
  .object({
    ENVIRONMENT: z.string().default("development"),
    /** Hours a lead may wait for a buyer before it expires: default 24, clamped to 1–48. */
    LEAD_MAX_AGE_HOURS: numberVar(DEFAULT_MAX_AGE_HOURS).transform((h) => Math.min(48, Math.max(1, h)) * 3_600_000),
    /** Total time a source waits in `?mode=sync`. */
    SYNC_DEADLINE_MS: numberVar(DEFAULT_SYNC_DEADLINE_MS),
    /** How old a lead's `consent.consented_at` may be, in days (default 90, at least 1). */
    CONSENT_MAX_AGE_DAYS: numberVar(DEFAULT_CONSENT_MAX_AGE_DAYS).transform((d) => Math.max(1, d) * DAY_MS),
    /** Countries (ISO 3166 alpha-2, comma-separated) whose phone numbers intake accepts; default US. */
    ACCEPTED_PHONE_COUNTRIES: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === "" ? ["US"] : v.split(",").map((c) => c.trim().toUpperCase())))
      .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, "ISO 3166 country codes separated by commas, e.g. US,PR"))),
    REQUEST_ENCRYPTION_KEYS: z.string().optional(),
    ADMIN_TOKEN: z.string().optional(),
    /** Days personal data is kept (leads, attempts, the exact-request archive, callbacks): default 30. */
    RETENTION_DAYS: intVar(30, 1, 3650),
    /** Years sanitized attempts and lead facts are kept for compliance: default 5. */
    COMPLIANCE_YEARS: intVar(5, 1, 30),
    /** Rows of each kind one retention step handles (the cron repeats steps while rows remain, within a bound). */
    RETENTION_BATCH: intVar(50, 1, 90),
    /** The UTC hour the daily regression lead goes to each buyer's sandbox: default 6. */
    REGRESSION_HOUR_UTC: intVar(6, 0, 23),
    ALERT_TARGETS: alertTargets,
    /** Where operators reach Leadwire (links in alerts), e.g. https://leadwire.example.com. */
    PUBLIC_URL: z.string().optional(),
    /** Analytics Engine SQL API (production figures): account id and an API token with Account Analytics Read. */
    ANALYTICS_ACCOUNT_ID: z.string().optional(),
    ANALYTICS_API_TOKEN: z.string().optional(),
    /** The SQL API's origin (https://api.cloudflare.com; tests point it at a loopback stand-in). */
    ANALYTICS_SQL_ORIGIN: z.string().optional(),
    ANALYTICS_DATASET: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.ENVIRONMENT !== "production") return;
    if (!v.REQUEST_ENCRYPTION_KEYS) {
      ctx.addIssue({ code: "custom", path: ["REQUEST_ENCRYPTION_KEYS"], message: "required in production: npx wrangler secret put REQUEST_ENCRYPTION_KEYS" });
    }
    if (!v.ADMIN_TOKEN || v.ADMIN_TOKEN.length < 16) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_TOKEN"], message: "required in production, at least 16 characters: npx wrangler secret put ADMIN_TOKEN" });
    }
  });

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

let memo: { key: string; settings: Settings } | undefined;

/** The parsed settings of this env (cached while its values stay the same). Throws SettingsError. */
export function settings(env: SettingsEnv): Settings {
  const values = Object.fromEntries(SETTING_NAMES.map((n) => [n, typeof env[n] === "string" ? env[n] : undefined]));
  const key = JSON.stringify(SETTING_NAMES.map((n) => values[n]));
  if (memo?.key === key) return memo.settings;
  const parsed = SettingsSchema.safeParse(values);
  if (!parsed.success) throw new SettingsError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const p = parsed.data;
  const s: Settings = {
    environment: p.ENVIRONMENT,
    leadMaxAgeMs: p.LEAD_MAX_AGE_HOURS,
    syncDeadlineMs: p.SYNC_DEADLINE_MS,
    encryptionKeys: p.REQUEST_ENCRYPTION_KEYS,
    consentMaxAgeMs: p.CONSENT_MAX_AGE_DAYS,
    acceptedPhoneCountries: p.ACCEPTED_PHONE_COUNTRIES,
    retentionDays: p.RETENTION_DAYS,
    complianceYears: p.COMPLIANCE_YEARS,
    retentionBatch: p.RETENTION_BATCH,
    regressionHourUtc: p.REGRESSION_HOUR_UTC,
    alertTargets: p.ALERT_TARGETS,
    publicUrl: p.PUBLIC_URL || undefined,
    analytics:
      p.ANALYTICS_ACCOUNT_ID && p.ANALYTICS_API_TOKEN
        ? {
            accountId: p.ANALYTICS_ACCOUNT_ID,
            apiToken: p.ANALYTICS_API_TOKEN,
            origin: (p.ANALYTICS_SQL_ORIGIN || "https://api.cloudflare.com").replace(/\/$/, ""),
            dataset: p.ANALYTICS_DATASET || "leadwire_attempts",
          }
        : undefined,
  };
  memo = { key, settings: s };
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
