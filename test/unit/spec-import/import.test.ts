/** The three spec readers, on small specs written here to pin each rule of the formats. */
import { describe, expect, it } from "vitest";
import { detectSpecKind, generateBuyer, type ImportedField, importSpec, SpecImportError } from "../../../src/integration/spec-import";
import { parseHttpMessage } from "../../../src/integration/spec-import/http-message";

const read = (fileName: string, text: string, operation?: string) => importSpec(text, { fileName, ...(operation ? { operation } : {}) });
const names = (fields: ImportedField[]): string[] => fields.map((f) => f.name);
const child = (fields: ImportedField[], ...path: string[]): ImportedField | undefined => {
  let list = fields;
  let hit: ImportedField | undefined;
  for (const p of path) {
    hit = list.find((f) => f.name === p);
    list = hit?.properties ?? hit?.items?.properties ?? [];
  }
  return hit;
};

describe("detectSpecKind", () => {
  it("tells the kinds apart by extension and content", () => {
    expect(detectSpecKind("x.yaml", "openapi: 3.0.0\n")).toBe("openapi");
    expect(detectSpecKind("x.json", '{"openapi":"3.1.0","paths":{}}')).toBe("openapi");
    expect(detectSpecKind("x.json", '{"first_name":"Jane"}')).toBe("sample");
    expect(detectSpecKind("x.txt", "# optional: a\nPOST https://a.example/x HTTP/1.1\n\na=1")).toBe("sample");
    expect(detectSpecKind("fields.txt", "name,required,type\nemail,yes,string")).toBe("table");
    expect(detectSpecKind("x.csv", "Field,Mandatory\nemail,y")).toBe("table");
    expect(detectSpecKind("x.xml", "<Lead/>")).toBe("sample");
  });
});

describe("sample requests", () => {
  it("parse as an HTTP message: directives, request line, headers, body and documented answers", () => {
    const m = parseHttpMessage(
      '# optional: a, b\n# allowed Loan.Purpose: P|R\nPOST /leads HTTP/1.1\nHost: api.buyer.example\nX-Partner: lw\n\n{"a":1}\n###\nHTTP/1.1 409 Conflict\nContent-Type: application/json\n\n{"status":"duplicate"}\n',
    );
    expect(m.directives).toEqual({ optional: "a, b", "allowed Loan.Purpose": "P|R" });
    expect(m.method).toBe("POST");
    expect(m.url).toBe("https://api.buyer.example/leads");
    expect(m.headers).toEqual([
      ["Host", "api.buyer.example"],
      ["X-Partner", "lw"],
    ]);
    expect(m.body).toBe('{"a":1}');
    expect(m.responses).toEqual([{ status: 409, headers: [["Content-Type", "application/json"]], body: '{"status":"duplicate"}' }]);
  });

  it("say which line is wrong when a header or an answer is malformed", () => {
    expect(() => parseHttpMessage("POST /x HTTP/1.1\nHost: a\nnot a header\n\n{}")).toThrow(/"not a header" is not a header/);
    expect(() => parseHttpMessage("POST /x HTTP/1.1\n\n{}\n###\n200 OK\n\n{}")).toThrow(/must start with a status line/);
  });

  it("read a bare JSON body: every shown field required unless empty, credential values kept out of the examples", () => {
    const s = read("sample.json", '{"fname":"Jane","dob":"1985-08-09","phone2":"","api_key":"abcd1234","applicant":{"zip":"75201"}}');
    expect(s.format).toEqual({ type: "json" });
    expect(names(s.fields)).toEqual(["fname", "dob", "phone2", "api_key", "applicant"]);
    expect(child(s.fields, "fname")).toEqual({ name: "fname", type: "string", required: true, example: "Jane" });
    expect(child(s.fields, "phone2")?.required).toBe(false);
    expect(child(s.fields, "api_key")).toEqual({ name: "api_key", type: "string", required: true, secret: true });
    expect(s.secretValues).toEqual(["abcd1234"]);
    expect(child(s.fields, "applicant", "zip")?.example).toBe("75201");
  });

  it("read an XML body: root, namespace as root attribute, attributes as @_ fields, repeated elements as arrays", () => {
    const s = read("sample.xml", '<Lead xmlns="urn:x" version="1"><Contact id="7"><Name>Jane</Name><Phone>1</Phone><Phone>2</Phone></Contact></Lead>');
    expect(s.format).toEqual({ type: "xml", root: "Lead", rootAttributes: { xmlns: "urn:x" } });
    expect(names(s.fields)).toEqual(["Contact", "@_version"]);
    expect(names(child(s.fields, "Contact")?.properties ?? [])).toEqual(["Name", "Phone", "@_id"]);
    expect(child(s.fields, "Contact", "Phone")).toMatchObject({ type: "array", items: { type: "string" } });
  });

  it("read a form body with bracket keys as nested fields, and a GET's query parameters as the fields", () => {
    const form = read("sample.txt", "first=Jane&lead[zip]=75201");
    expect(form.format).toEqual({ type: "form", nesting: "bracket" });
    expect(child(form.fields, "lead", "zip")?.example).toBe("75201");
    const get = read("get.http", "GET https://b.example/post?key=secretvalue123&fname=Jane HTTP/1.1\n");
    expect(get.format).toEqual({ type: "query", nesting: "dot" });
    expect(get.endpoint).toEqual({ method: "GET", url: "https://b.example/post" });
    expect(names(get.fields)).toEqual(["fname"]);
    expect(get.auth).toEqual([{ kind: "api_key", in: "query", name: "key" }]);
    expect(get.secretValues).toEqual(["secretvalue123"]);
  });

  it("turn credential headers into auth hints and remember their values only to keep them out", () => {
    const s = read("x.http", 'POST /leads HTTP/1.1\nHost: a.example\nX-Api-Key: 1234567890abc\nAccept: application/json\n\n{"email":"a@b.c"}');
    expect(s.auth).toEqual([{ kind: "api_key", in: "header", name: "X-Api-Key" }]);
    expect(s.headers).toEqual({ Accept: "application/json" });
    expect(s.secretValues).toEqual(["1234567890abc"]);
    const basic = read("b.http", `POST https://a.example/x HTTP/1.1\nAuthorization: Basic ${btoa("partner:s3cret-pass")}\n\n{"email":"a@b.c"}`);
    expect(basic.auth).toEqual([{ kind: "basic" }]);
    expect(basic.secretValues).toEqual([btoa("partner:s3cret-pass"), "partner", "s3cret-pass"]);
  });

  it("a # allowed directive naming no field of the sample is an error", () => {
    expect(() => read("x.http", '# allowed nope: A|B\nPOST https://a.example/x HTTP/1.1\n\n{"a":"1"}')).toThrow(SpecImportError);
  });
});

describe("field tables", () => {
  it("read columns by their usual names, enums, lengths, formats, examples and the # directives", () => {
    const s = read(
      "t.csv",
      [
        "# endpoint: POST https://buyer.example/leads",
        "# format: json",
        "# auth: header X-Key",
        '# response 200: {"status":"ok"}',
        "Field Name,Mandatory,Data Type,Valid Values,Max Length,Format,Sample Value,Description",
        "applicant.first,Y,string,,30,,Jane,First name",
        "state,y,string,TX|CA,2,,TX,",
        "dob,yes,date,,,mm/dd/yyyy,,",
        "amount,no,integer,,,,250000,Loan amount",
      ].join("\n"),
    );
    expect(s.endpoint).toEqual({ method: "POST", url: "https://buyer.example/leads" });
    expect(s.format).toEqual({ type: "json" });
    expect(s.auth).toEqual([{ kind: "api_key", in: "header", name: "X-Key" }]);
    expect(s.responses).toEqual([{ status: 200, kind: "json", body: '{"status":"ok"}' }]);
    expect(child(s.fields, "applicant")).toMatchObject({ type: "object", required: true });
    expect(child(s.fields, "applicant", "first")).toEqual({
      name: "first",
      type: "string",
      required: true,
      description: "First name",
      maxLength: 30,
      example: "Jane",
    });
    expect(child(s.fields, "state")?.enum).toEqual(["TX", "CA"]);
    expect(child(s.fields, "dob")).toMatchObject({ required: true, format: "mm/dd/yyyy" });
    expect(child(s.fields, "amount")).toMatchObject({ type: "integer", required: false, example: 250000 });
  });

  it("refuse a table without a name column, naming the columns it found", () => {
    expect(() => read("t.csv", "field_label,required\nFirst,yes")).toThrow(/needs a "name" column \(found: field_label, required\)/);
  });
});

describe("OpenAPI documents", () => {
  const doc = (body: string, extra = "") =>
    [
      "openapi: 3.0.3",
      "info: {title: T, version: '1'}",
      "servers: [{url: 'https://t.example/api'}]",
      "paths:",
      "  /leads:",
      "    post:",
      "      operationId: postLead",
      "      requestBody:",
      "        content:",
      body,
      "      responses: {'200': {description: ok}}",
      extra,
    ].join("\n");

  it("follow $ref and merge allOf, keeping required lists, enums, lengths, patterns and examples", () => {
    const s = read(
      "a.yaml",
      doc(
        "          application/json: {schema: {$ref: '#/components/schemas/Lead'}}",
        [
          "components:",
          "  schemas:",
          "    Base: {type: object, required: [email], properties: {email: {type: string, maxLength: 80}}}",
          "    Lead:",
          "      allOf:",
          "        - $ref: '#/components/schemas/Base'",
          "        - type: object",
          "          required: [state]",
          "          properties:",
          "            state: {type: string, enum: [TX, CA]}",
          "            zip: {type: string, pattern: '^\\d{5}$', example: '75201'}",
        ].join("\n"),
      ),
    );
    expect(s.endpoint).toEqual({ method: "POST", url: "https://t.example/api/leads" });
    expect(s.fields).toEqual([
      { name: "email", type: "string", required: true, maxLength: 80 },
      { name: "state", type: "string", required: true, enum: ["TX", "CA"] },
      { name: "zip", type: "string", required: false, pattern: "^\\d{5}$", example: "75201" },
    ]);
  });

  it("name XML elements and attributes from the xml objects, wrapped arrays included", () => {
    const s = read(
      "x.yaml",
      doc(
        [
          "          application/xml:",
          "            schema:",
          "              type: object",
          "              xml: {name: Post, namespace: 'urn:p'}",
          "              properties:",
          "                id: {type: string, xml: {attribute: true, name: ref}}",
          "                phones: {type: array, xml: {wrapped: true, name: Phones}, items: {type: string, xml: {name: Phone}}}",
        ].join("\n"),
      ),
    );
    expect(s.format).toEqual({ type: "xml", root: "Post", rootAttributes: { xmlns: "urn:p" } });
    expect(names(s.fields)).toEqual(["@_ref", "Phones"]);
    expect(child(s.fields, "Phones", "Phone")).toMatchObject({ type: "array", items: { type: "string" } });
  });

  it("read security schemes and credential parameters as auth, never keeping an example key", () => {
    const text = [
      "openapi: 3.0.3",
      "info: {title: T, version: '1'}",
      "servers: [{url: 'https://t.example/api'}]",
      "security: [{basicAuth: []}]",
      "paths:",
      "  /leads:",
      "    post:",
      "      parameters:",
      "        - {name: X-Api-Key, in: header, required: true, schema: {type: string}, example: live_key_123456}",
      "      requestBody: {content: {application/json: {schema: {type: object, properties: {email: {type: string}}}}}}",
      "      responses: {'200': {description: ok}}",
      "components:",
      "  securitySchemes:",
      "    basicAuth: {type: http, scheme: basic}",
    ].join("\n");
    const s = read("s.yaml", text);
    expect(s.auth).toEqual([{ kind: "basic" }, { kind: "api_key", in: "header", name: "X-Api-Key" }]);
    expect(s.secretValues).toContain("live_key_123456");
    const g = generateBuyer(s, { id: "s-buyer", verticals: ["solar"] });
    expect(JSON.stringify(g.config)).not.toContain("live_key_123456");
    expect(g.notes).toContain("the spec names 2 ways to authenticate; the first (basic) was used");
  });

  it("choose the operation by --operation, or explain which there are", () => {
    const two = doc("          application/json: {schema: {type: object, properties: {email: {type: string}}}}").replace(
      "      responses: {'200': {description: ok}}",
      "      responses: {'200': {description: ok}}\n  /other:\n    put:\n      operationId: putOther\n      requestBody: {content: {application/json: {schema: {type: object, properties: {zip: {type: string}}}}}}\n      responses: {'200': {description: ok}}",
    );
    expect(() => read("two.yaml", two)).toThrow(
      "the document has several operations; choose one with --operation: postLead = POST /leads; putOther = PUT /other",
    );
    expect(read("two.yaml", two, "putOther").endpoint).toEqual({ method: "PUT", url: "https://t.example/api/other" });
    expect(read("two.yaml", two, "POST /leads").fields.map((f) => f.name)).toEqual(["email"]);
    expect(() => read("two.yaml", two, "deleteAll")).toThrow(/no operation matches "deleteAll"/);
  });

  it("refuse Swagger 2.0 and references outside the document", () => {
    expect(() => read("old.json", '{"swagger":"2.0","paths":{}}')).toThrow("Swagger 2.0 is not read; convert the document to OpenAPI 3 first");
    expect(() => read("ext.yaml", doc("          application/json: {schema: {$ref: 'other.yaml#/Lead'}}"))).toThrow(/only local references are supported/);
  });
});
