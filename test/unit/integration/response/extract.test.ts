import { describe, expect, it } from "vitest";
import { compileJsonPath, parseBody, select, selectAll, usesXPath } from "../../../../src/integration/extract";
import { SelectorSchema, toSelector } from "../../../../src/integration/selector-schema";

describe("parseBody", () => {
  it("trusts a Content-Type that fits the body", () => {
    expect(parseBody('{"a":1}', "application/json; charset=utf-8").kind).toBe("json");
    expect(parseBody("<r><a>1</a></r>", "text/xml").kind).toBe("xml");
    expect(parseBody("a=1&b=two+words", "application/x-www-form-urlencoded").kind).toBe("form");
    expect(parseBody("OK", "text/plain").kind).toBe("text");
  });

  it("sniffs when the header is missing or wrong", () => {
    expect(parseBody('{"status":"ok"}', "text/html").kind).toBe("json");
    expect(parseBody('<?xml version="1.0"?><r/>', "text/plain").kind).toBe("xml");
    expect(parseBody("<r><a>1</a></r>", "application/json").kind).toBe("xml");
    expect(parseBody("status=ok&id=9").kind).toBe("form");
    expect(parseBody("Lead accepted, thank you").kind).toBe("text");
    expect(parseBody("<html><body>oops<br></body>").kind).toBe("text");
  });

  it("an override forces the kind; a body that is not that kind has no data", () => {
    const b = parseBody('{"id": 1}', "application/json", "text");
    expect(b.kind).toBe("text");
    const x = parseBody("not json", "text/plain", "json");
    expect(x).toMatchObject({ kind: "json", data: undefined });
  });
});

describe("selectors", () => {
  const json = parseBody(JSON.stringify({ data: { id: "00Q1", errors: [{ message: "a" }, { message: "b" }] }, ok: true, n: 0 }));

  it("JSON paths in a.b[0].c and $.a.b forms, wildcards, numbers and booleans as text", () => {
    expect(select(json, { jsonPath: "data.id" })).toBe("00Q1");
    expect(select(json, { jsonPath: "$.data.id" })).toBe("00Q1");
    expect(select(json, { jsonPath: "data.errors[1].message" })).toBe("b");
    expect(selectAll(json, { jsonPath: "data.errors[*].message" })).toEqual(["a", "b"]);
    expect(select(json, { jsonPath: "ok" })).toBe("true");
    expect(select(json, { jsonPath: "n" })).toBe("0");
    expect(select(json, { jsonPath: "data.missing.deeper" })).toBeUndefined();
    expect(select(json, { jsonPath: "data" })).toBeUndefined(); // an object is not a value
  });

  it("top-level arrays", () => {
    const arr = parseBody('[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING"}]');
    expect(select(arr, { jsonPath: "[0].errorCode" })).toBe("REQUIRED_FIELD_MISSING");
    expect(select(arr, { jsonPath: "$[*].message" })).toContain("LastName");
  });

  it("malformed paths compile to null and select nothing", () => {
    expect(compileJsonPath("a..b")).toBeNull();
    expect(compileJsonPath("a[x]")).toBeNull();
    expect(compileJsonPath("a['odd key'].b")).toEqual(["a", "odd key", "b"]);
    expect(select(json, { jsonPath: "a..b" })).toBeUndefined();
  });

  it("XPath and JSON paths over XML, namespaces, attributes, one or many elements", () => {
    const xml = parseBody('<?xml version="1.0"?><p:Result xmlns:p="urn:buyer"><p:LeadId type="x">42</p:LeadId><p:Msg>a</p:Msg><p:Msg>b</p:Msg></p:Result>');
    expect(select(xml, { xpath: "//*[local-name()='LeadId']" })).toBe("42");
    expect(select(xml, { xpath: "//b:LeadId/@type", namespaces: { b: "urn:buyer" } })).toBe("x");
    expect(selectAll(xml, { xpath: "//*[local-name()='Msg']" })).toEqual(["a", "b"]);
    expect(select(xml, { jsonPath: "Result.LeadId" })).toBe("42");
    expect(selectAll(xml, { jsonPath: "Result.Msg" })).toEqual(["a", "b"]);
    expect(select(xml, { jsonPath: "Result.Msg[0]" })).toBe("a");
    expect(select(xml, { xpath: "count(//*[local-name()='Msg'])" })).toBe("2");
    expect(select(xml, { xpath: "//*[" })).toBeUndefined(); // bad expression: nothing, no throw
  });

  it("regex with a group, form keys, and XPath on non-XML finds nothing", () => {
    const text = parseBody("Lead accepted. Reference: AB-123. Price: $12.50");
    expect(select(text, toSelector({ regex: "Reference: ([A-Z]+-\\d+)" }))).toBe("AB-123");
    expect(select(text, toSelector({ regex: "price: \\$([\\d.]+)", flags: "i" }))).toBe("12.50");
    expect(select(text, toSelector({ regex: "Reference", group: 0 }))).toBe("Reference");
    expect(select(text, { xpath: "//x" })).toBeUndefined();
    const form = parseBody("result=success&lead_id=77&msg=all+good");
    expect(select(form, { formKey: "lead_id" })).toBe("77");
    expect(select(form, { formKey: "msg" })).toBe("all good");
    expect(select(form, { jsonPath: "result" })).toBe("success");
  });

  it("SelectorSchema rejects invalid regexes and unknown keys; a bare string is a JSON path", () => {
    expect(SelectorSchema.safeParse({ regex: "(" }).success).toBe(false);
    expect(SelectorSchema.safeParse({ jsonPath: "a", other: 1 }).success).toBe(false);
    expect(toSelector("a.b")).toEqual({ jsonPath: "a.b" });
  });

  it("decodes character references and does not expand entity bombs", () => {
    expect(select(parseBody("<r><b>&amp;x &lt; &#233;</b></r>"), { jsonPath: "r.b" })).toBe("&x < é");
    const lol = (n: number): string => (n === 0 ? '"lol"' : `"${`&lol${n - 1};`.repeat(10)}"`);
    const dtd = Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i} ${lol(i)}>`).join("");
    const bomb = `<?xml version="1.0"?><!DOCTYPE z [${dtd}]><z><a>&lol7;</a></z>`;
    const t = Date.now();
    const b = parseBody(bomb);
    expect(String(select(b, { jsonPath: "z.a" }) ?? "").length).toBeLessThan(1000);
    expect(select(b, { xpath: "string-length(//a) > 1000" })).not.toBe("true");
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe("usesXPath: whether a config needs the XPath engine (loaded on first need)", () => {
  it("finds an XPath selector anywhere in a config, and nothing else", () => {
    expect(usesXPath({ response: { statusField: { path: { xpath: "/r/s" } } } })).toBe(true);
    expect(usesXPath({ response: { rules: [{ match: [{ jsonPath: "$.a" }, { xpath: "//x" }] }] } })).toBe(true);
    expect(usesXPath({ response: { statusField: "status", buyerLeadId: ["lead_id"] }, mapping: { fields: [{ to: "xpath", from: "lead.id" }] } })).toBe(false);
    expect(usesXPath(null)).toBe(false);
  });
});
