import { describe, expect, it } from "vitest";
import { computedFunctions, getComputed } from "../../../src/integration/computed";

const env = { now: () => Date.parse("2026-08-09T12:00:00Z") };
const call = (name: string, args: unknown[], options: Record<string, string | number> = {}): unknown => {
  const fn = getComputed(name);
  if (!fn) throw new Error(`no ${name}`);
  return fn.fn(args, options, env);
};

describe("computed fields", () => {
  it("age counts birthdays against the injected clock", () => {
    expect(call("age", ["1985-08-09"])).toBe(41);
    expect(call("age", ["1985-08-10"])).toBe(40);
    expect(call("age", ["not a date"])).toBeUndefined();
  });
  it("ltv is loan / value in percent, with decimals", () => {
    expect(call("ltv", [312500, 450000])).toBe(69.44);
    expect(call("ltv", [312500, 450000], { decimals: 0 })).toBe(69);
    expect(call("ltv", [100, 0])).toBeUndefined();
  });
  it("street number / name split", () => {
    expect(call("street_number", ["6220 Sunset Blvd, Suite 100"])).toBe("6220");
    expect(call("street_name", ["6220 Sunset Blvd, Suite 100"])).toBe("Sunset Blvd, Suite 100");
    expect(call("street_number", ["12-14B Main St"])).toBe("12-14B");
    expect(call("street_number", ["PO Box 12"])).toBeUndefined();
    expect(call("street_name", ["PO Box 12"])).toBe("PO Box 12");
  });
  it("full name join and first/last split", () => {
    expect(call("full_name", ["Renée", " O'Brien "])).toBe("Renée O'Brien");
    expect(call("full_name", ["Smith", "John"], { separator: ", " })).toBe("Smith, John");
    expect(call("first_name", ["Mary Ann Smith"])).toBe("Mary Ann");
    expect(call("last_name", ["John Smith Jr."])).toBe("Smith Jr.");
    expect(call("last_name", ["Cher"])).toBeUndefined();
  });
  it("consent text carries the certificate and the time", () => {
    const t = call("consent_text", ["I agree.", "https://cert.trustedform.com/abc", "2026-11-25T05:33:00Z"]);
    expect(t).toBe("I agree. Consent given 2026-11-25T05:33:00Z (TrustedForm https://cert.trustedform.com/abc).");
    expect(call("consent_text", ["I agree.", undefined, undefined], { template: "{text}|{url}" })).toBe("I agree.|n/a");
  });
  it("consent text fills each placeholder once, for any template, as one pass of String.replace does", () => {
    const replaceOnce = (tpl: string, text: string, url: unknown, ts: unknown) =>
      tpl.replace(/\{(text|url|timestamp)\}/g, (_m, k: string) =>
        k === "text" ? text.trim() : k === "url" ? (typeof url === "string" && url !== "" ? url : "n/a") : typeof ts === "string" && ts !== "" ? ts : "n/a",
      );
    const templates = ["{text}", "{url}{url} and {timestamp}", "no placeholders", "{{text}} {unknown} {text", "", "{timestamp}{text}{url}."];
    const args: [string, unknown, unknown][] = [
      ["  Agreed {url} {text}  ", "https://cert.trustedform.com/{timestamp}", "2026-11-25T05:33:00Z"],
      ["I agree.", "", undefined],
      ["$& $1 $$", 42, "$'"],
    ];
    for (const template of templates)
      for (const [text, url, ts] of args) {
        expect(call("consent_text", [text, url, ts], { template }), `${template} / ${text}`).toBe(replaceOnce(template, text, url, ts));
      }
    expect(call("consent_text", ["   ", "u", "t"])).toBeUndefined();
    expect(call("consent_text", [5, "u", "t"])).toBeUndefined();
  });
  it("zip+4 join", () => {
    expect(call("zip_plus4", ["75201", "1234"])).toBe("75201-1234");
    expect(call("zip_plus4", ["75201", undefined])).toBe("75201");
  });
  it("every registered function documents itself", () => {
    for (const [name, fn] of Object.entries(computedFunctions)) {
      expect(fn.name).toBe(name);
      expect(fn.description.length).toBeGreaterThan(10);
    }
  });
});
