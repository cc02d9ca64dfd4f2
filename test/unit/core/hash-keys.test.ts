import { describe, expect, it } from "vitest";
import { parseHashKeys } from "../../../src/core/hash-keys";
import { type SettingsError, settings } from "../../../src/core/settings";

const A = "a".repeat(32);
const B = "b".repeat(40);

describe("DEDUPE_HASH_KEY", () => {
  it("is one secret (the key k1) or a rotation list whose first key writes", () => {
    expect(parseHashKeys(A)).toEqual([{ id: "k1", secret: A }]);
    expect(parseHashKeys(`k2:${B},k1:${A}`)).toEqual([
      { id: "k2", secret: B },
      { id: "k1", secret: A },
    ]);
    // A base64 secret has no comma or colon; one that merely starts like an id is still a single key.
    expect(parseHashKeys("k9-not-a-list")).toEqual([{ id: "k1", secret: "k9-not-a-list" }]);
    expect(parseHashKeys(undefined)).toBeUndefined();
    expect(parseHashKeys("  ")).toBeUndefined();
  });

  it("refuses a list naming one key id twice", () => {
    expect(() => parseHashKeys(`k1:${B},k1:${A}`)).toThrow(/names a key id twice/);
  });

  it("in production needs every key of a list to be at least 32 characters, naming the short one", () => {
    const prod = { ENVIRONMENT: "production", REQUEST_ENCRYPTION_KEYS: "k1:abc", ADMIN_TOKEN: "t".repeat(16) };
    expect(settings({ ...prod, DEDUPE_HASH_KEY: `k2:${B},k1:${A}` }).environment).toBe("production");
    const issue = (value: string) => {
      try {
        settings({ ...prod, DEDUPE_HASH_KEY: value });
      } catch (e) {
        return (e as SettingsError).issues.find((i) => i.path === "DEDUPE_HASH_KEY")?.message;
      }
      return undefined;
    };
    expect(issue(`k2:short,k1:${A}`)).toBe("key k2 is shorter than 32 characters: every key of a rotation list needs at least 32");
    expect(issue(`k2:${B},k2:${A}`)).toMatch(/names a key id twice/);
    expect(issue("short")).toMatch(/^required in production, at least 32 characters/);
  });
});
