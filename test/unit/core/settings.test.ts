import { describe, expect, it } from "vitest";
import { SettingsError, settings } from "../../../src/core/settings";

describe("intake settings", () => {
  it("default to 90 days of consent age and US phones", () => {
    const s = settings({ ENVIRONMENT: "development" });
    expect(s.consentMaxAgeMs).toBe(90 * 86_400_000);
    expect(s.acceptedPhoneCountries).toEqual(["US"]);
  });

  it("read CONSENT_MAX_AGE_DAYS and ACCEPTED_PHONE_COUNTRIES from the vars", () => {
    const s = settings({ ENVIRONMENT: "development", CONSENT_MAX_AGE_DAYS: "30", ACCEPTED_PHONE_COUNTRIES: " us, PR " });
    expect(s.consentMaxAgeMs).toBe(30 * 86_400_000);
    expect(s.acceptedPhoneCountries).toEqual(["US", "PR"]);
  });

  it("refuse a country list that is not ISO codes, naming the var", () => {
    expect(() => settings({ ENVIRONMENT: "development", ACCEPTED_PHONE_COUNTRIES: "USA" })).toThrow(SettingsError);
    let caught: unknown;
    try {
      settings({ ENVIRONMENT: "development", ACCEPTED_PHONE_COUNTRIES: "US;CA" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SettingsError);
    expect((caught as SettingsError).issues[0]?.path).toMatch(/^ACCEPTED_PHONE_COUNTRIES/);
  });
});

describe("settings", () => {
  it("fills defaults and clamps the lead age to 1–48 hours", () => {
    expect(settings({})).toMatchObject({
      environment: "development",
      leadMaxAgeMs: 24 * 3_600_000,
      syncDeadlineMs: 15_000,
      encryptionKeys: undefined,
      retentionDays: 30,
      alertTargets: [],
    });
    expect(settings({ LEAD_MAX_AGE_HOURS: "72", SYNC_DEADLINE_MS: "9000" })).toMatchObject({ leadMaxAgeMs: 48 * 3_600_000, syncDeadlineMs: 9000 });
    expect(settings({ LEAD_MAX_AGE_HOURS: "0.5" }).leadMaxAgeMs).toBe(3_600_000);
    expect(settings({ LEAD_MAX_AGE_HOURS: " ", SYNC_DEADLINE_MS: "soon" })).toMatchObject({ leadMaxAgeMs: 24 * 3_600_000, syncDeadlineMs: 15_000 });
  });

  it("refuses a production Worker without its encryption keys, its dedupe hash key and a 16-character admin token, naming each", () => {
    let err: unknown;
    try {
      settings({ ENVIRONMENT: "production", ADMIN_TOKEN: "short" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).issues.map((i) => i.path)).toEqual(["REQUEST_ENCRYPTION_KEYS", "DEDUPE_HASH_KEY", "ADMIN_TOKEN"]);
    expect((err as SettingsError).message).toContain(
      "DEDUPE_HASH_KEY: required in production, at least 32 characters: npx wrangler secret put DEDUPE_HASH_KEY",
    );
    const ok = { ENVIRONMENT: "production", ADMIN_TOKEN: "x".repeat(16), REQUEST_ENCRYPTION_KEYS: "k1:abc" };
    // A short key is refused like a missing one: it would be guessed as easily as the phone numbers it hides.
    expect(() => settings({ ...ok, DEDUPE_HASH_KEY: "too-short" })).toThrow(/DEDUPE_HASH_KEY/);
    expect(settings({ ...ok, DEDUPE_HASH_KEY: "k".repeat(32) }).encryptionKeys).toBe("k1:abc");
  });
});
