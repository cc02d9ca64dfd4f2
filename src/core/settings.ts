import { z } from "zod";

const DEFAULT_MAX_AGE_HOURS = 24;
const DEFAULT_SYNC_DEADLINE_MS = 15_000;

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
}

/** Thrown when the Worker's configuration cannot work; the edge answers 503 and logs every issue. */
export class SettingsError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Leadwire is misconfigured: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "SettingsError";
  }
}

type SettingsEnv = Partial<Record<"ENVIRONMENT" | "LEAD_MAX_AGE_HOURS" | "SYNC_DEADLINE_MS" | "REQUEST_ENCRYPTION_KEYS" | "ADMIN_TOKEN", string>>;

let memo: { key: string; settings: Settings } | undefined;

/** The parsed settings of this env (cached while its values stay the same). Throws SettingsError. */
export function settings(env: SettingsEnv): Settings {
  const key = JSON.stringify([env.ENVIRONMENT, env.LEAD_MAX_AGE_HOURS, env.SYNC_DEADLINE_MS, env.REQUEST_ENCRYPTION_KEYS, env.ADMIN_TOKEN]);
  if (memo?.key === key) return memo.settings;
  const parsed = SettingsSchema.safeParse({
    ENVIRONMENT: env.ENVIRONMENT,
    LEAD_MAX_AGE_HOURS: env.LEAD_MAX_AGE_HOURS,
    SYNC_DEADLINE_MS: env.SYNC_DEADLINE_MS,
    REQUEST_ENCRYPTION_KEYS: env.REQUEST_ENCRYPTION_KEYS,
    ADMIN_TOKEN: env.ADMIN_TOKEN,
  });
  if (!parsed.success) throw new SettingsError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const s: Settings = {
    environment: parsed.data.ENVIRONMENT,
    leadMaxAgeMs: parsed.data.LEAD_MAX_AGE_HOURS,
    syncDeadlineMs: parsed.data.SYNC_DEADLINE_MS,
    encryptionKeys: parsed.data.REQUEST_ENCRYPTION_KEYS,
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
