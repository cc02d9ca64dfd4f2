import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { FormatConfig } from "../../../src/integration/formats/schema";
import { FormatConfigSchema } from "../../../src/integration/formats/schema";
import { appendQuery, compileSerializer, csvCell, toCsv } from "../../../src/integration/formats/serialize";

const ser = (f: Record<string, unknown>) => compileSerializer(FormatConfigSchema.parse(f) as FormatConfig);
const noSecret = () => undefined;
const HOSTILE = { name: "Smith & Sons <Script>alert(1)</Script>", quote: `O'Brien said "hi"`, multi: "line1\nline2", uni: "Zoë 😀 日本" };

describe("json", () => {
  it("round-trips unicode and hostile text exactly, with charset", () => {
    const s = ser({ type: "json" });
    expect(s.contentType).toBe("application/json; charset=utf-8");
    expect(JSON.parse(s.serialize(HOSTILE, noSecret))).toEqual(HOSTILE);
  });
});

describe("xml", () => {
  const parse = (x: string) =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, isArray: (n) => n === "phone" }).parse(x) as Record<
      string,
      Record<string, unknown>
    >;

  it("escapes & < > \" ' and keeps unicode and newlines, with a declaration", () => {
    const body = ser({ type: "xml", root: "lead" }).serialize(HOSTILE, noSecret);
    expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?><lead>')).toBe(true);
    expect(body).toContain("Smith &amp; Sons &lt;Script&gt;alert(1)&lt;/Script&gt;");
    expect(body).toContain("O&apos;Brien said &quot;hi&quot;");
    expect(body).not.toContain("<Script>");
    expect(parse(body).lead).toEqual(HOSTILE);
  });

  it("attributes via @_, repeated elements from arrays, root attributes, no declaration", () => {
    const s = ser({ type: "xml", root: "lead", declaration: false, rootAttributes: { xmlns: "urn:x" } });
    const body = s.serialize({ "@_id": "7 & 8", phone: ["2025550123", "3125550188"], name: { "@_type": "legal", "#text": "A<B" } }, noSecret);
    expect(body).toBe('<lead xmlns="urn:x" id="7 &amp; 8"><phone>2025550123</phone><phone>3125550188</phone><name type="legal">A&lt;B</name></lead>');
    const doc = parse(body);
    expect(doc.lead?.phone).toEqual(["2025550123", "3125550188"]);
  });

  it("drops control characters XML 1.0 cannot carry instead of producing a broken document", () => {
    const body = ser({ type: "xml", root: "r", declaration: false }).serialize({ a: "x\u0001y\u0000" }, noSecret);
    expect(body).toBe("<r><a>xy</a></r>");
  });

  it("empty and missing optional fields", () => {
    const body = ser({ type: "xml", root: "r", declaration: false }).serialize({ a: "", b: undefined }, noSecret);
    expect(body).toBe("<r><a></a></r>");
  });

  it("text/xml when the buyer insists", () => {
    expect(ser({ type: "xml", root: "r", contentType: "text/xml" }).contentType).toBe("text/xml; charset=utf-8");
  });
});

describe("form and query", () => {
  it("flattens nested objects with dots or brackets and encodes values", () => {
    const payload = { contact: { name: "Smith & Sons", phones: ["1", "2"] }, ok: true, nothing: null };
    const dot = ser({ type: "form" }).serialize(payload, noSecret);
    expect([...new URLSearchParams(dot)]).toEqual([
      ["contact.name", "Smith & Sons"],
      ["contact.phones[0]", "1"],
      ["contact.phones[1]", "2"],
      ["ok", "true"],
      ["nothing", ""],
    ]);
    const br = ser({ type: "form", nesting: "bracket" }).serialize(payload, noSecret);
    expect([...new URLSearchParams(br)].map(([k]) => k)).toEqual(["contact[name]", "contact[phones][0]", "contact[phones][1]", "ok", "nothing"]);
    expect(ser({ type: "form" }).contentType).toBe("application/x-www-form-urlencoded; charset=utf-8");
  });

  it("unicode and reserved characters survive form encoding", () => {
    const body = ser({ type: "form" }).serialize({ n: "Zoë & co=1+1?", m: "a\nb" }, noSecret);
    expect(new URLSearchParams(body).get("n")).toBe("Zoë & co=1+1?");
    expect(new URLSearchParams(body).get("m")).toBe("a\nb");
  });

  it("query goes in the URL, merged with a query already there", () => {
    const s = ser({ type: "query" });
    expect(s.inUrl).toBe(true);
    expect(s.contentType).toBeUndefined();
    expect(appendQuery("https://b.example/post?key=1", "a=2")).toBe("https://b.example/post?key=1&a=2");
    expect(appendQuery("https://b.example/post", "a=2")).toBe("https://b.example/post?a=2");
    expect(appendQuery("https://b.example/post?", "a=2")).toBe("https://b.example/post?a=2");
    expect(appendQuery("https://b.example/post?x=1#frag", "a=2")).toBe("https://b.example/post?x=1&a=2#frag");
  });
});

describe("soap", () => {
  const payload = { Lead: { Name: "O'Brien & <Co>" } };

  it("1.1: envelope, header elements (secrets resolved), body operation, text/xml and SOAPAction", () => {
    const s = ser({
      type: "soap11",
      operation: "SubmitLead",
      namespace: "urn:b",
      action: "urn:b/SubmitLead",
      header: { Auth: { User: "lw", Key: { secret: "K" } } },
    });
    expect(s.contentType).toBe("text/xml; charset=utf-8");
    expect(s.headers.SOAPAction).toBe('"urn:b/SubmitLead"');
    const body = s.serialize(payload, (n) => (n === "K" ? "s3cr3t" : undefined));
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
        '<soap:Header><Auth xmlns="urn:b"><User>lw</User><Key>s3cr3t</Key></Auth></soap:Header>' +
        '<soap:Body><SubmitLead xmlns="urn:b"><Lead><Name>O&apos;Brien &amp; &lt;Co&gt;</Name></Lead></SubmitLead></soap:Body></soap:Envelope>',
    );
  });

  it("1.2: soap-envelope namespace and the action in the Content-Type", () => {
    const s = ser({ type: "soap12", operation: "Op", namespace: "urn:b", action: "urn:b/Op" });
    expect(s.contentType).toBe('application/soap+xml; charset=utf-8; action="urn:b/Op"');
    expect(s.headers.SOAPAction).toBeUndefined();
    expect(s.serialize({}, noSecret)).toContain('xmlns:soap="http://www.w3.org/2003/05/soap-envelope"');
  });

  it("a header secret that is not set is a config error", () => {
    const s = ser({ type: "soap11", operation: "Op", namespace: "urn:b", header: { Auth: { Key: { secret: "MISSING" } } } });
    expect(() => s.serialize({}, noSecret)).toThrow(/MISSING is not set/);
  });
});

describe("csv", () => {
  it("RFC 4180: quotes cells with commas, quotes and newlines; CRLF; header row", () => {
    const body = ser({ type: "csv" }).serialize({ name: "Smith, John", note: 'say "hi"\nbye', zip: "75201", nested: { a: 1 } }, noSecret);
    expect(body).toBe('name,note,zip,nested.a\r\n"Smith, John","say ""hi""\nbye",75201,1\r\n');
  });
  it("no header, a column order and missing cells empty (batch files)", () => {
    expect(toCsv([{ a: 1, b: "x" }, { a: 2 }], { header: false, delimiter: ";", columns: ["b", "a"] })).toBe("x;1\r\n;2\r\n");
    expect(csvCell("a;b", ";")).toBe('"a;b"');
    expect(csvCell(" padded")).toBe('" padded"');
  });
  it("neutralizes cells a spreadsheet would run as a formula (=, +, -, @, tab, CR), quoted, with a leading '", () => {
    const body = ser({ type: "csv" }).serialize(
      { a: '=HYPERLINK("http://x","y")', b: "+cmd|' /C calc'!A0", c: "-2+3+cmd|x", d: "@SUM(A1:A2)", e: "\t=1+1", f: "\r=1+1", g: "Smith" },
      noSecret,
    );
    expect(body).toBe(
      "a,b,c,d,e,f,g\r\n" + `"'=HYPERLINK(""http://x"",""y"")","'+cmd|' /C calc'!A0","'-2+3+cmd|x","'@SUM(A1:A2)","'\t=1+1","'\r=1+1",Smith\r\n`,
    );
  });
  it("leaves plain numbers (E.164 phones, negative amounts) and inner signs alone", () => {
    for (const v of ["+12147153718", "-5", "-12.50", "+1.5e3", "42", "a=b", "Smith-Jones", "x@example.com"]) expect(csvCell(v)).toBe(v);
    expect(csvCell("-")).toBe(`"'-"`);
    expect(csvCell("+1 (214) 715-3718")).toBe(`"'+1 (214) 715-3718"`);
  });
});

describe("fast writers match the reference libraries byte for byte", () => {
  const tricky = ["Smith & Sons <Script>x</Script>", `O'Brien "q"`, "Zoë 😀 日本", "a\nb\r\nc\td", "!'()*~-._ +=&?#%", "", "ctl\u0001x"];

  it("XML writer = fast-xml-parser XMLBuilder (hostile text, attributes, arrays, #text, null, nesting)", async () => {
    const { XMLBuilder } = await import("fast-xml-parser");
    const { writeXml } = await import("../../../src/integration/formats/xml-writer");
    const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressBooleanAttributes: false, processEntities: true });
    for (const t of tricky.filter((x) => !x.includes("\u0001"))) {
      const payload = {
        "@_id": t,
        a: t,
        list: [t, 1, true],
        nested: { "@_k": "v", "#text": t },
        deep: { x: { y: t } },
        n: null,
        num: 1.5,
        bool: false,
        empty: {},
      };
      expect(writeXml("root", payload)).toBe(builder.build({ root: payload }) as string);
    }
  });

  it("form encoder = URLSearchParams over the flattened payload", async () => {
    const { flatten, formEncodePayload } = await import("../../../src/integration/formats/serialize");
    for (const t of [...tricky, "lone \uD800 surrogate"]) {
      const payload = { [`k ${t}`]: t, nested: { a: [t, 2], b: { c: t } }, n: null, b: true };
      for (const nesting of ["dot", "bracket"] as const) {
        expect(formEncodePayload(payload, nesting)).toBe(new URLSearchParams(flatten(payload, nesting)).toString());
      }
    }
  });
});
