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
