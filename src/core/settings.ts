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
}

/** Thrown when the Worker's configuration cannot work; the edge answers 503 and logs every issue. */
export class SettingsError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Leadwire is misconfigured: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "SettingsError";
  }
}

const VARS = [
  "ENVIRONMENT",
  "LEAD_MAX_AGE_HOURS",
  "SYNC_DEADLINE_MS",
  "CONSENT_MAX_AGE_DAYS",
  "ACCEPTED_PHONE_COUNTRIES",
  "REQUEST_ENCRYPTION_KEYS",
  "ADMIN_TOKEN",
] as const;
type SettingsEnv = Partial<Record<(typeof VARS)[number], string>>;

let memo: { key: string; settings: Settings } | undefined;

/** The parsed settings of this env (cached while its values stay the same). Throws SettingsError. */
export function settings(env: SettingsEnv): Settings {
  const values = VARS.map((name) => env[name]);
  const key = JSON.stringify(values);
  if (memo?.key === key) return memo.settings;
  const parsed = SettingsSchema.safeParse(Object.fromEntries(VARS.map((name, i) => [name, values[i]])));
  if (!parsed.success) throw new SettingsError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const s: Settings = {
    environment: parsed.data.ENVIRONMENT,
    leadMaxAgeMs: parsed.data.LEAD_MAX_AGE_HOURS,
    syncDeadlineMs: parsed.data.SYNC_DEADLINE_MS,
    encryptionKeys: parsed.data.REQUEST_ENCRYPTION_KEYS,
    consentMaxAgeMs: parsed.data.CONSENT_MAX_AGE_DAYS,
    acceptedPhoneCountries: parsed.data.ACCEPTED_PHONE_COUNTRIES,
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
