import { describe, expect, it } from "vitest";
import { SettingsError, settings } from "../../../src/core/settings";

describe("settings", () => {
  it("fills defaults and clamps the lead age to 1–48 hours", () => {
    expect(settings({})).toEqual({ environment: "development", leadMaxAgeMs: 24 * 3_600_000, syncDeadlineMs: 15_000, encryptionKeys: undefined });
    expect(settings({ LEAD_MAX_AGE_HOURS: "72", SYNC_DEADLINE_MS: "9000" })).toMatchObject({ leadMaxAgeMs: 48 * 3_600_000, syncDeadlineMs: 9000 });
    expect(settings({ LEAD_MAX_AGE_HOURS: "0.5" }).leadMaxAgeMs).toBe(3_600_000);
    expect(settings({ LEAD_MAX_AGE_HOURS: " ", SYNC_DEADLINE_MS: "soon" })).toMatchObject({ leadMaxAgeMs: 24 * 3_600_000, syncDeadlineMs: 15_000 });
  });

  it("refuses a production Worker without its encryption keys and a 16-character admin token, naming each", () => {
    let err: unknown;
    try {
      settings({ ENVIRONMENT: "production", ADMIN_TOKEN: "short" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).issues.map((i) => i.path)).toEqual(["REQUEST_ENCRYPTION_KEYS", "ADMIN_TOKEN"]);
    expect(settings({ ENVIRONMENT: "production", ADMIN_TOKEN: "x".repeat(16), REQUEST_ENCRYPTION_KEYS: "k1:abc" }).encryptionKeys).toBe("k1:abc");
  });
});
