/**
 * A partner's HTTP body parsed once by what it claims to be (JSON, XML, form, text), falling
 * back to sniffing and then to text: nothing here throws on hostile input.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { BodyKind } from "./body-kinds";

/** A body parsed once; selectors read from it. The XML DOM for XPath is built lazily. */
export interface ParsedBody {
  kind: BodyKind;
  raw: string;
  /** JSON value, fast-xml-parser object, or form key → value; undefined when the body did not parse. */
  data: unknown;
  /** Cached xmldom Document (XPath); null once tried and failed. */
  dom?: unknown;
}

/** Lower-cased media type without parameters: `application/json; charset=utf-8` → `application/json`. */
function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The kind a Content-Type header claims, or undefined for missing / unhelpful types. */
export function kindFromContentType(header: string | undefined): BodyKind | undefined {
  const mt = mediaType(header);
  if (mt === "") return undefined;
  if (mt === "application/json" || mt.endsWith("+json") || mt === "text/json") return "json";
  if (mt === "application/xml" || mt === "text/xml" || mt.endsWith("+xml")) return "xml";
  if (mt === "application/x-www-form-urlencoded") return "form";
  if (mt.startsWith("text/")) return "text";
  return undefined;
}

/** Reads a header case-insensitively. */
export function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

let xmlParser: XMLParser | undefined;

/** The XML reader, made on the first XML body (most buyers answer JSON). */
function xml(): XMLParser {
  xmlParser ??= new XMLParser(XML_OPTIONS);
  return xmlParser;
}

const XML_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  // SOAP and namespaced payloads read as `Envelope.Body.X`, whatever prefix the buyer chose.
  removeNSPrefix: true,
  // Keep ids such as "00123" as strings; selectors return strings anyway.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Standard and numeric character references (&amp; &#233;) decoded; the parser's own
  // entity limits keep DOCTYPE entity bombs from expanding (see the response tests).
  processEntities: true,
  htmlEntities: true,
} as const;

function tryJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

function tryXml(raw: string): { ok: true; value: unknown } | { ok: false } {
  const t = raw.trimStart();
  if (!t.startsWith("<")) return { ok: false };
  try {
    if (XMLValidator.validate(t) !== true) return { ok: false };
    return { ok: true, value: xml().parse(t) as unknown };
  } catch {
    return { ok: false };
  }
}

const FORM_RE = /^[^=&\s<>{}]+=[^&\r\n]*(&[^=&\s<>{}]+=[^&\r\n]*)*$/;

function tryForm(raw: string): { ok: true; value: unknown } | { ok: false } {
  const t = raw.trim();
  if (!FORM_RE.test(t)) return { ok: false };
  // Null prototype: a key such as "toString" or "__proto__" in a buyer's answer is just a key.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  try {
    for (const [k, v] of new URLSearchParams(t)) if (!Object.hasOwn(out, k)) out[k] = v;
  } catch {
    return { ok: false };
  }
  return { ok: true, value: out };
}

const PARSERS: Record<Exclude<BodyKind, "text">, (raw: string) => { ok: true; value: unknown } | { ok: false }> = {
  json: tryJson,
  xml: tryXml,
  form: tryForm,
};

/**
 * Parses a body once. `override` (a buyer's `contentType`) forces the kind: a body that does
 * not parse as that kind has no data and selectors other than regex find nothing. Otherwise the
 * Content-Type header is tried first and, when absent or wrong (JSON served as text/html, XML
 * as text/plain), the body is sniffed: JSON, then XML, then form, else text.
 */
export function parseBody(raw: string, contentType?: string, override?: BodyKind): ParsedBody {
  if (override) {
    if (override === "text") return { kind: "text", raw, data: undefined };
    const r = PARSERS[override](raw);
    return { kind: override, raw, data: r.ok ? r.value : undefined };
  }
  if (raw.trim() === "") return { kind: "text", raw, data: undefined };
  const claimed = kindFromContentType(contentType);
  if (claimed && claimed !== "text") {
    const r = PARSERS[claimed](raw);
    if (r.ok) return { kind: claimed, raw, data: r.value };
  }
  const t = raw.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) {
    const r = tryJson(raw);
    if (r.ok) return { kind: "json", raw, data: r.value };
  }
  if (t.startsWith("<")) {
    const r = tryXml(raw);
    if (r.ok) return { kind: "xml", raw, data: r.value };
  }
  const f = tryForm(raw);
  if (f.ok) return { kind: "form", raw, data: f.value };
  return { kind: "text", raw, data: undefined };
}
