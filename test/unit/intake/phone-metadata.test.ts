import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parsePhoneNumberFromString as parseWithMax } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
// @ts-expect-error — a plain .mjs CLI module without type declarations
import { nanpMetadata } from "../../../src/cli/phone-metadata.mjs";
import { normalizePhone } from "../../../src/intake/normalizers";
import nanp from "../../../src/intake/phone-metadata.nanp.json";
import { sampleLines } from "../../fixtures/sample";

/** What intake answered with the full "max" metadata (before the metadata was cut to NANP). */
function withMax(input: string | number): { e164: string; national: string; country: string | undefined } | undefined {
  const s = String(input).trim();
  if (!/\d/.test(s) || s.length > 32) return undefined;
  const parsed = parseWithMax(s, "US");
  if (!parsed?.isValid() || parsed.countryCallingCode !== "1") return undefined;
  return { e164: parsed.number, national: parsed.nationalNumber, country: parsed.country };
}

describe("phone metadata sized to NANP", () => {
  it("is the NANP part of the installed libphonenumber-js max metadata (run npm run phone:metadata after an upgrade)", () => {
    const max = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("libphonenumber-js/metadata.max.json"), "utf8"));
    expect(nanp).toEqual(nanpMetadata(max));
    expect(Object.keys(nanp.countries)).toEqual(expect.arrayContaining(["US", "CA", "PR"]));
  });

  it("normalizes every phone of the 2,000-lead sample exactly as the full metadata did", () => {
    const phones = sampleLines()
      .flatMap((l) => [l.lead.phone, l.lead.phone_secondary])
      .filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    expect(phones.length).toBeGreaterThan(2000);
    let valid = 0;
    for (const p of phones) {
      const want = withMax(p);
      expect(normalizePhone(p), String(p)).toEqual(want);
      if (want) valid++;
    }
    expect(valid).toBeGreaterThan(1500);
  });

  it("refuses numbers outside NANP and NANP numbers the full metadata calls invalid, as before", () => {
    const cases = [
      "+44 20 7946 0958", // UK, valid in its country
      "011 44 20 7946 0958", // the same, dialled from the US
      "+52 55 1234 5678", // Mexico
      "+1 999 555 0100", // no such area code
      "(123) 456-7890", // area codes never start with 1
      "+1 416 555 0199", // Toronto: NANP, kept
      "787-555-0123", // Puerto Rico
      "+1 (876) 555-0147", // Jamaica
      "214.715.3718",
    ];
    for (const c of cases) expect(normalizePhone(c), c).toEqual(withMax(c));
    expect(normalizePhone("+44 20 7946 0958")).toBeUndefined();
    expect(normalizePhone("+1 416 555 0199")?.e164).toBe("+14165550199");
    expect(normalizePhone("214.715.3718")).toEqual({ e164: "+12147153718", national: "2147153718", country: "US" });
    expect(normalizePhone("+1 (876) 555-0147")?.country).toBe("JM");
  });
});
