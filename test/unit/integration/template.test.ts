import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { MappingError } from "../../../src/integration/errors";
import { buildRequest } from "../../../src/integration/mapping/request";
import { buyer, ctx, lead } from "./helpers";

const HOSTILE = `Smith & Sons <Script>x</Script> "O'Brien"\nline2 😀`;
const hostile = lead({ last_name: HOSTILE });
const body = (format: Record<string, unknown>, template: string, l = hostile): string =>
  buildRequest(buyer({ format: format as never, mapping: { template } }), l, ctx()).request.body ?? "";

describe("templates", () => {
  it("JSON: strings escaped inside quotes; numbers, booleans and null as JSON values", () => {
    const b = body(
      { type: "json" },
      `{"last": "{{lead.last_name}}", "age": {{age(lead.dob)}}, "test": {{lead.test}}, "x": {{lead.fields.nope}}, "name": {{lead.first_name}}, "lit": "a \\"{{lead.address.state}}\\" b"}`,
    );
    expect(JSON.parse(b)).toEqual({ last: HOSTILE, age: 41, test: false, x: null, name: "Renée", lit: 'a "TX" b' });
  });

  it("helpers and nested calls with string arguments", () => {
    const b = body(
      { type: "json" },
      `{"p": "{{formatPhone(lead.phone, "dashed")}}", "d": "{{formatDate(lead.dob, "MM/DD/YYYY")}}", "u": "{{upper(truncate(lead.first_name, 3))}}", "z": "{{default(lead.fields.none, "n/a")}}", "n": "{{full_name(lead.first_name, lead.last_name)}}"}`,
    );
    expect(JSON.parse(b)).toEqual({ p: "202-555-0123", d: "08/09/1985", u: "REN", z: "n/a", n: `Renée ${HOSTILE}` });
  });

  it("XML: values escaped as XML text, the document parses back to the same text", () => {
    const b = body({ type: "xml", root: "lead" }, `<?xml version="1.0"?><lead><last>{{lead.last_name}}</last><first a="{{lead.first_name}}"/></lead>`);
    expect(b).not.toContain("<Script>");
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(b) as { lead: { last: string; first: Record<string, string> } };
    expect(doc.lead.last).toBe(HOSTILE);
    expect(doc.lead.first["@_a"]).toBe("Renée");
  });

  it("form: values URL-encoded", () => {
    const b = body({ type: "form" }, "last={{lead.last_name}}&state={{lead.address.state}}");
    expect(new URLSearchParams(b).get("last")).toBe(HOSTILE);
  });

  it("query: rendered into the URL of a GET", () => {
    const r = buildRequest(
      buyer({ format: { type: "query" }, endpoint: { url: "https://b.example/p?key=1" }, mapping: { template: "fn={{lead.first_name}}&amp=&" } }),
      hostile,
      ctx(),
    ).request;
    expect(r.method).toBe("GET");
    expect(r.body).toBeUndefined();
    expect(r.url).toBe("https://b.example/p?key=1&fn=Ren%C3%A9e&amp=&");
  });

  it("CSV: cells quoted per RFC 4180", () => {
    expect(body({ type: "csv" }, "{{lead.last_name}},{{lead.address.state}}\r\n")).toBe(`"${HOSTILE.replace(/"/g, '""')}",TX\r\n`);
  });

  it("required placeholders without a value stop the request", () => {
    const b = buyer({ mapping: { template: `{"dob": "{{lead.dob}}"}`, required: ["lead.dob"] } });
    expect(() => buildRequest(b, lead({ dob: undefined }), ctx())).toThrow(MappingError);
  });

  it("unknown functions and malformed placeholders are config errors", () => {
    expect(() => body({ type: "json" }, `{"a": "{{nope(lead.x)}}"}`)).toThrow(/unknown template function "nope"/);
    expect(() => body({ type: "json" }, `{"a": "{{lead.x + 1}}"}`)).toThrow(/unexpected text/);
  });
});
