import { describe, expect, it } from "vitest";
import { expandPreset, mergeConfig, PresetError } from "../../../src/integration/adapters";
import { signedContent } from "../../../src/integration/auth/hmac";
import { parseBody, select } from "../../../src/integration/extract";
import { booleanOutputs, formatBoolean } from "../../../src/integration/mapping/formatters";
import { mapLead } from "../../../src/integration/mapping/request";
import { compileTemplate } from "../../../src/integration/mapping/template";
import { getPath, parsePath, setPath } from "../../../src/integration/path";
import { validateMapping } from "../../../src/integration/validate";
import { buyer, lead, NOW } from "./helpers";

// Every lookup by a name a user (a source's field key, a buyer's config or answer) chose is by
// own property: "constructor", "toString" or "__proto__" are names, never Object.prototype's members.

const PROTO = ["toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "constructor"];
const map = (fields: unknown[], l = lead()) => mapLead(buyer({ mapping: { fields } as never }), l, () => NOW);

describe("lead paths", () => {
  it.each(PROTO)("lead.fields.%s is absent when the lead has no such field, and the source's value when it has", (name) => {
    const l = lead({ fields: {} });
    expect(getPath(l, parsePath(`fields.${name}`))).toBeUndefined();
    const absent = map([{ to: "x", from: `lead.fields.${name}`, default: "none" }], l);
    expect(absent.payload).toEqual({ x: "none" });
    const present = map([{ to: "x", from: `lead.fields.${name}` }], lead({ fields: { [name]: "v" } }));
    expect(present.payload).toEqual({ x: "v" });
  });

  it("a payload key named like a prototype member is written, not refused as a conflict", () => {
    const r = map([
      { to: "constructor.x", from: "email" },
      { to: "toString", from: "first_name" },
    ]);
    expect(r.issues).toEqual([]);
    expect(JSON.stringify(r.payload)).toBe('{"constructor":{"x":"renee.obrien@example.com"},"toString":"Renée"}');
  });

  it("a __proto__ path is refused and Object.prototype stays untouched", () => {
    expect(() => parsePath("__proto__.polluted")).toThrow(/__proto__/);
    expect(() => map([{ to: "__proto__.polluted", value: "yes" }])).toThrow(/__proto__/);
    const root: Record<string, unknown> = {};
    setPath(root, ["constructor", "prototype"], 1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    expect(root).toEqual({ constructor: { prototype: 1 } });
  });

  it("a template reading lead.fields.constructor renders nothing for a lead without it", () => {
    const render = compileTemplate('{"c":"{{lead.fields.constructor}}","d":{{lead.fields.toString}}}', "json", (s) => s);
    expect(render(lead({ fields: {} }), { now: () => NOW }).body).toBe('{"c":"","d":null}');
  });
});

describe("config names", () => {
  it("a preset named like a prototype member is an unknown preset", () => {
    for (const name of PROTO) expect(() => expandPreset({ preset: name, id: "x" })).toThrow(PresetError);
  });

  it("merging a buyer file with a __proto__ key keeps it a plain key, never the merged object's prototype", () => {
    const over = JSON.parse('{"endpoint":{"url":"https://x"},"__proto__":{"polluted":true}}') as unknown;
    const merged = mergeConfig({ endpoint: { method: "POST" } }, over) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(["endpoint", "__proto__"]);
  });

  it("validateMapping reports lead.toString as no field of the canonical lead", () => {
    const r = validateMapping(
      buyer({ mapping: { fields: [{ to: "a", from: "lead.toString" }] } as never, spec: { fields: { a: { type: "string" } } } as never }),
    );
    expect(r.problems.map((p) => p.message)).toContain("lead.toString is not a field of the canonical lead");
  });

  it("boolean styles and HMAC placeholders are looked up by own entry", () => {
    expect(booleanOutputs("toString")).toBeUndefined();
    expect(formatBoolean(true, "constructor")).toBeUndefined();
    expect(signedContent("{toString}.{body}", { method: "POST", url: "https://x/y", body: "B", timestamp: "1" })).toBe("{toString}.B");
  });
});

describe("buyer answers", () => {
  it("form answers with keys named like prototype members are read as data", () => {
    const body = parseBody("toString=1&constructor=2&__proto__=3&lead_id=9", "application/x-www-form-urlencoded");
    expect(select(body, { formKey: "toString" })).toBe("1");
    expect(select(body, { formKey: "constructor" })).toBe("2");
    expect(select(body, { formKey: "__proto__" })).toBe("3");
    expect(select(body, { formKey: "valueOf" })).toBeUndefined();
  });

  it("JSON paths find only own keys", () => {
    const body = parseBody('{"data":[{"id":"a"},{"id":"b"}]}', "application/json");
    expect(select(body, { jsonPath: "data.constructor" })).toBeUndefined();
    expect(select(body, { jsonPath: "data.toString" })).toBeUndefined();
    expect(select(body, { jsonPath: "data[1].id" })).toBe("b");
  });
});
