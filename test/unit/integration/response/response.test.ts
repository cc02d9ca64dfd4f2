import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ResponseRulesInput } from "../../../../src/integration/response";
import { defaults, parsePrice, parseResponse, ResponseRulesSchema } from "../../../../src/integration/response";
import type { BuyerResponse } from "../../../../src/integration/types";

const rules = (r: ResponseRulesInput) => ResponseRulesSchema.parse(r);
const res = (status: number, body: string, contentType?: string): BuyerResponse => ({
  status,
  headers: contentType ? { "Content-Type": contentType } : {},
  body,
});
const json = (status: number, v: unknown) => res(status, JSON.stringify(v), "application/json");

describe("outcome rules", () => {
  it("status codes, classes, ranges and lists; first matching rule wins", () => {
    const r = rules({
      rules: [
        { status: 409, outcome: "rejected", reason: "duplicate" },
        { status: ["400-408", "410-499"], outcome: "error" },
        { status: "2xx", outcome: "accepted" },
      ],
    });
    expect(parseResponse(r, res(201, ""))).toEqual({ outcome: "accepted" });
    expect(parseResponse(r, res(409, ""))).toEqual({ outcome: "rejected", reason: "duplicate" });
    expect(parseResponse(r, res(422, "")).outcome).toBe("error");
    expect(parseResponse(r, res(500, "")).outcome).toBe("unrecognized");
  });

  it("jsonPath equals / in / matches / exists, case-insensitive by default", () => {
    const r = rules({
      rules: [
        { match: { jsonPath: "result.status", equals: "ACCEPTED" }, outcome: "accepted" },
        { match: { jsonPath: "result.status", in: ["dupe", "duplicate"] }, outcome: "rejected" },
        { match: { jsonPath: "result.status", matches: "^err" }, outcome: "error" },
        { match: { jsonPath: "ack_id" }, outcome: "pending" },
      ],
    });
    expect(parseResponse(r, json(200, { result: { status: "accepted" } })).outcome).toBe("accepted");
    expect(parseResponse(r, json(200, { result: { status: "Duplicate" } })).outcome).toBe("rejected");
    expect(parseResponse(r, json(200, { result: { status: "ERROR_5" } })).outcome).toBe("error");
    expect(parseResponse(r, json(202, { ack_id: "q1" }))).toEqual({ outcome: "accepted", pending: true });
    expect(parseResponse(r, json(200, { ack_id: "" })).outcome).toBe("unrecognized");
  });

  it("caseSensitive, exists:false, booleans and numbers compare as text, several matchers must all hold", () => {
    const r = rules({
      rules: [
        { match: { jsonPath: "code", equals: "OK", caseSensitive: true }, outcome: "accepted" },
        {
          match: [
            { jsonPath: "success", equals: true },
            { jsonPath: "errors", exists: false },
          ],
          outcome: "accepted",
        },
        { match: { jsonPath: "price", equals: 0 }, outcome: "rejected" },
      ],
    });
    expect(parseResponse(r, json(200, { code: "ok" })).outcome).toBe("unrecognized");
    expect(parseResponse(r, json(200, { code: "OK" })).outcome).toBe("accepted");
    expect(parseResponse(r, json(200, { success: true, errors: [] })).outcome).toBe("accepted");
    expect(parseResponse(r, json(200, { success: true, errors: [{ m: 1 }] })).outcome).toBe("unrecognized");
    expect(parseResponse(r, json(200, { price: 0 })).outcome).toBe("rejected");
  });

  it("XPath equals / matches with namespaces", () => {
    const r = rules({
      rules: [
        { match: { xpath: "//r:Status", namespaces: { r: "urn:result" }, equals: "Sold" }, outcome: "accepted" },
        { match: { xpath: "//*[local-name()='Status']", matches: "^(reject|dup)" }, outcome: "rejected" },
      ],
    });
    const x = (s: string) => res(200, `<Result xmlns="urn:result"><Status>${s}</Status></Result>`, "text/xml");
    expect(parseResponse(r, x("sold")).outcome).toBe("accepted");
    expect(parseResponse(r, x("Duplicate lead")).outcome).toBe("rejected");
    expect(parseResponse(r, x("Maybe")).outcome).toBe("unrecognized");
  });

  it("regex over the body and a case-insensitive search term", () => {
    const r = rules({
      rules: [
        { match: { search: "DUPLICATE" }, outcome: "rejected" },
        { match: { regex: "^OK\\|\\d+$", flags: "m" }, outcome: "accepted" },
      ],
    });
    expect(parseResponse(r, res(200, "Error: duplicate lead", "text/html")).outcome).toBe("rejected");
    expect(parseResponse(r, res(200, "OK|1234")).outcome).toBe("accepted");
    expect(parseResponse(r, res(200, "OK")).outcome).toBe("unrecognized");
  });

  it("form-encoded answers by key", () => {
    const r = rules({ rules: [{ match: { formKey: "result", equals: "success" }, outcome: "accepted" }], buyerLeadId: { formKey: "lead_id" } });
    expect(parseResponse(r, res(200, "result=success&lead_id=77", "text/html"))).toEqual({ outcome: "accepted", buyerLeadId: "77" });
  });

  it("a 2xx no rule recognises is unrecognized, not accepted; unknown extra fields are ignored", () => {
    const r = rules({ rules: [{ match: { jsonPath: "status", equals: "accepted" }, outcome: "accepted" }] });
    expect(parseResponse(r, json(200, { something: "else" })).outcome).toBe("unrecognized");
    expect(parseResponse(rules({}), json(200, { status: "accepted" })).outcome).toBe("unrecognized");
    expect(parseResponse(r, json(200, { status: "accepted", extra: { deep: [1, 2] }, more: null })).outcome).toBe("accepted");
  });
});

describe("status-field defaults", () => {
  it("statusField shorthand reads the usual words after the explicit rules", () => {
    const r = rules({ statusField: "status", reason: ["reason", "errors[*]"] });
    expect(parseResponse(r, json(200, { status: "Success" })).outcome).toBe("accepted");
    expect(parseResponse(r, json(200, { status: "rejected", reason: "Out of area" }))).toEqual({ outcome: "rejected", reason: "Out of area" });
    expect(parseResponse(r, json(200, { status: "error", errors: ["phone invalid", "zip invalid"] }))).toEqual({
      outcome: "error",
      reason: "phone invalid; zip invalid",
    });
    expect(parseResponse(r, json(200, { status: "queued" }))).toEqual({ outcome: "accepted", pending: true });
    expect(parseResponse(r, json(200, { status: "who knows" })).outcome).toBe("unrecognized");
  });

  it("defaults() with custom words and an XML path", () => {
    const r = rules({ rules: defaults({ path: { xpath: "//code" }, accepted: ["A1"], rejected: ["R1", "R2"] }) });
    expect(parseResponse(r, res(200, "<r><code>a1</code></r>")).outcome).toBe("accepted");
    expect(parseResponse(r, res(200, "<r><code>R2</code></r>")).outcome).toBe("rejected");
    expect(parseResponse(r, res(200, "<r><code>error</code></r>")).outcome).toBe("error");
  });
});

describe("extraction", () => {
  const r = rules({
    statusField: "status",
    buyerLeadId: ["lead.id", "id"],
    reason: ["errors[*].message", "message"],
    price: "payout",
    fallbackPrice: 12,
    redirectUrl: "next.url",
  });

  it("lead id (first path that has one), reasons joined, price, redirect URL", () => {
    expect(parseResponse(r, json(200, { status: "accepted", id: 991, payout: "$1,250.50", next: { url: "https://b.example/t/1" } }))).toEqual({
      outcome: "accepted",
      buyerLeadId: "991",
      price: 1250.5,
      redirectUrl: "https://b.example/t/1",
    });
    expect(parseResponse(r, json(200, { status: "rejected", errors: [{ message: "Duplicate" }, { message: "Bad ZIP" }], message: "2 errors" }))).toEqual({
      outcome: "rejected",
      reason: "Duplicate; Bad ZIP; 2 errors",
    });
  });

  it("the fallback price applies to an accepted lead without a readable price only", () => {
    expect(parseResponse(r, json(200, { status: "accepted", payout: "n/a" })).price).toBe(12);
    expect(parseResponse(r, json(200, { status: "rejected" })).price).toBeUndefined();
    expect(parseResponse(r, json(200, { status: "accepted", payout: 0 })).price).toBe(0);
  });

  it("by XPath and regex capture group", () => {
    const x = rules({
      rules: [{ match: { xpath: "//Result", equals: "OK" }, outcome: "accepted" }],
      buyerLeadId: { xpath: "//Lead/@id" },
      price: { regex: "<Price>\\$?([\\d.]+)</Price>" },
    });
    expect(parseResponse(x, res(200, '<R><Result>OK</Result><Lead id="L-5"/><Price>$7.25</Price></R>'))).toEqual({
      outcome: "accepted",
      buyerLeadId: "L-5",
      price: 7.25,
    });
  });

  it("parsePrice", () => {
    expect(parsePrice("USD 10")).toBe(10);
    expect(parsePrice(".5")).toBe(0.5);
    expect(parsePrice("-3")).toBeUndefined();
    expect(parsePrice("12abc")).toBeUndefined();
  });
});

describe("content types", () => {
  const r = rules({ rules: [{ match: { jsonPath: "status", equals: "ok" }, outcome: "accepted" }], buyerLeadId: "id" });

  it("JSON served as text/html or without a header is still read as JSON", () => {
    expect(parseResponse(r, res(200, '{"status":"ok","id":"7"}', "text/html; charset=iso-8859-1"))).toEqual({ outcome: "accepted", buyerLeadId: "7" });
    expect(parseResponse(r, res(200, ' \n{"status":"ok"}')).outcome).toBe("accepted");
  });

  it("XML labelled application/json is read as XML", () => {
    const x = rules({ rules: [{ match: { xpath: "/r/status", equals: "ok" }, outcome: "accepted" }], buyerLeadId: "r.id" });
    expect(parseResponse(x, res(200, "<r><status>ok</status><id>8</id></r>", "application/json"))).toEqual({ outcome: "accepted", buyerLeadId: "8" });
  });

  it("a per-buyer contentType override wins over the body's look", () => {
    const t = rules({
      contentType: "text",
      rules: [
        { match: { jsonPath: "status", equals: "ok" }, outcome: "accepted" },
        { match: { search: "ok" }, outcome: "rejected" },
      ],
    });
    expect(parseResponse(t, json(200, { status: "ok" })).outcome).toBe("rejected");
  });
});

describe("SOAP faults", () => {
  it("SOAP 1.1 Fault is an error with the fault string", () => {
    const body = `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Invalid SupplierID</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
    const r = rules({ rules: [{ status: "2xx", outcome: "accepted" }] });
    expect(parseResponse(r, res(500, body, "text/xml; charset=utf-8"))).toEqual({ outcome: "error", reason: "Invalid SupplierID" });
    // Some servers answer a fault with 200; the fault still wins over a status rule.
    expect(parseResponse(r, res(200, body, "text/xml")).outcome).toBe("error");
  });

  it("SOAP 1.2 Fault (Code/Value, Reason/Text with xml:lang)", () => {
    const body = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Lead rejected: duplicate</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`;
    expect(parseResponse(rules({}), res(500, body, "application/soap+xml"))).toEqual({ outcome: "error", reason: "Lead rejected: duplicate" });
  });

  it("soapFaults: false leaves faults to the rules; a normal SOAP body goes to the rules", () => {
    const fault = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultstring>dup</faultstring></s:Fault></s:Body></s:Envelope>`;
    const r = rules({ soapFaults: false, rules: [{ match: { xpath: "//faultstring", equals: "dup" }, outcome: "rejected" }] });
    expect(parseResponse(r, res(500, fault)).outcome).toBe("rejected");
    const ok = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><InsertLeadResponse xmlns="urn:x"><InsertLeadResult>Accepted</InsertLeadResult></InsertLeadResponse></s:Body></s:Envelope>`;
    const r2 = rules({ rules: [{ match: { jsonPath: "Envelope.Body.InsertLeadResponse.InsertLeadResult", equals: "accepted" }, outcome: "accepted" }] });
    expect(parseResponse(r2, res(200, ok, "text/xml")).outcome).toBe("accepted");
  });
});

describe("hostile bodies never throw", () => {
  const r = rules({
    statusField: "status",
    rules: [{ match: { xpath: "//ok" }, outcome: "accepted" }],
    buyerLeadId: [{ xpath: "//id" }, "id", { regex: "id=(\\d+)" }],
    reason: "message",
    price: "price",
  });
  const cases: [string, BuyerResponse][] = [
    ["empty body", res(200, "")],
    ["whitespace", res(200, " \r\n ", "application/json")],
    ["malformed JSON", res(200, '{"status": "accepted",', "application/json")],
    ["malformed XML", res(200, "<r><ok>1</r>", "text/xml")],
    ["binary garbage", res(200, "\u0000\u00ff\u00fe\ud800PK\u0003\u0004\u0007", "application/octet-stream")],
    ["HTML error page", res(200, "<html><head><title>502</title></head><body><p>Bad gateway<br></body></html>", "text/html")],
    ["a JSON scalar", res(200, '"accepted"', "application/json")],
    ["JSON null", res(200, "null", "application/json")],
    ["huge nesting", res(200, "[".repeat(5000) + "]".repeat(5000))],
  ];
  for (const [name, response] of cases) {
    it(name, () => {
      expect(parseResponse(r, response)).toEqual({ outcome: "unrecognized" });
    });
  }
  it("headers in any case, including none at all", () => {
    expect(parseResponse(r, { status: 200, headers: { "content-TYPE": "application/json" }, body: '{"status":"ok"}' }).outcome).toBe("accepted");
  });
});

describe("ResponseRulesSchema", () => {
  it("reports config mistakes", () => {
    expect(ResponseRulesSchema.safeParse({ rules: [{ outcome: "accepted" }] }).success).toBe(false);
    expect(ResponseRulesSchema.safeParse({ rules: [{ match: { regex: "([" }, outcome: "accepted" }] }).success).toBe(false);
    expect(ResponseRulesSchema.safeParse({ rules: [{ match: { jsonPath: "a", matches: "(" }, outcome: "accepted" }] }).success).toBe(false);
    expect(ResponseRulesSchema.safeParse({ rules: [{ status: "2xy", outcome: "accepted" }] }).success).toBe(false);
    expect(ResponseRulesSchema.safeParse({ rules: [{ status: 200, outcome: "maybe" }] }).success).toBe(false);
    expect(ResponseRulesSchema.safeParse({ unknownKey: 1 }).success).toBe(false);
  });

  it("has a JSON Schema for editors", () => {
    const js = z.toJSONSchema(ResponseRulesSchema, { io: "input" });
    expect(JSON.stringify(js)).toContain("jsonPath");
  });
});
