/**
 * Shared value extraction from a partner's HTTP body: parse once by content type (JSON, XML,
 * form, text), then evaluate any number of selectors against the parsed body. Used by buyer
 * response rules, login-token parsing and the webhook mapping of buyers' callback bodies.
 *
 * Nothing here throws on hostile input: a body that does not parse as what it claims is read
 * as text, and a selector that finds nothing yields undefined.
 */
import type { DOMParser as DomParser } from "@xmldom/xmldom";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type * as XPath from "xpath";
import type { BodyKind } from "./body-kinds";
import type { Selector } from "./selector-schema";

export { BODY_KINDS, type BodyKind } from "./body-kinds";

/** Validates a regular expression at config-check time, so a typo fails `buyers:check`, not a delivery. */
export function isValidRegex(source: string, flags?: string): boolean {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
}

// The selector schema (what a config may write) is in selector-schema.ts: reading bodies needs
// only its types, so an isolate that delivers never builds the schema.
export type { Selector, SelectorInput } from "./selector-schema";

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

// ---------- JSON path ----------

type JsonSeg = string | number | "*";
const WILDCARD = "*" as const;
const jsonPathCache = new Map<string, JsonSeg[] | null>();

/**
 * Compiles `$.a.b[0].c`, `a.b[0].c`, `$[0].message`, `errors[*].message`, `a['odd key']`.
 * Returns null for a malformed path (a config error the schema reports).
 */
export function compileJsonPath(path: string): JsonSeg[] | null {
  const hit = jsonPathCache.get(path);
  if (hit !== undefined) return hit;
  const segs: JsonSeg[] = [];
  let i = 0;
  let p = path.trim();
  if (p.startsWith("$")) {
    p = p.slice(1);
    if (p.startsWith(".")) p = p.slice(1);
  }
  let ok = true;
  while (i < p.length && ok) {
    const ch = p[i];
    if (ch === "[") {
      const end = p.indexOf("]", i);
      if (end < 0) {
        ok = false;
        break;
      }
      const inner = p.slice(i + 1, end).trim();
      if (inner === "*") segs.push(WILDCARD);
      else if (/^\d+$/.test(inner)) segs.push(Number(inner));
      else if (/^'.*'$|^".*"$/.test(inner)) segs.push(inner.slice(1, -1));
      else ok = false;
      i = end + 1;
      if (p[i] === ".") i++;
    } else {
      let j = i;
      while (j < p.length && p[j] !== "." && p[j] !== "[") j++;
      const name = p.slice(i, j);
      if (name === "") ok = false;
      else segs.push(name === "*" ? WILDCARD : name);
      i = j;
      if (p[i] === ".") {
        i++;
        if (i === p.length) ok = false;
      }
    }
  }
  const result = ok ? segs : null;
  if (jsonPathCache.size < 10_000) jsonPathCache.set(path, result);
  return result;
}

function walk(values: unknown[], seg: JsonSeg): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (v === null || typeof v !== "object") continue;
    if (seg === WILDCARD) {
      if (Array.isArray(v)) out.push(...(v as unknown[]));
      else out.push(...Object.values(v as Record<string, unknown>));
      continue;
    }
    // XML parsed to objects turns a repeated element into an array and a single one into an
    // object; `a.b` on an array therefore reads every element's `b`, and `[0]` on a single
    // object reads the object itself, so one path works whether one or many elements came.
    if (Array.isArray(v)) {
      if (typeof seg === "number") {
        if (seg < v.length) out.push(v[seg]);
      } else {
        for (const item of v as unknown[]) {
          if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.hasOwn(item, seg)) {
            out.push((item as Record<string, unknown>)[seg]);
          }
        }
      }
      continue;
    }
    if (typeof seg === "number") {
      if (seg === 0) out.push(v);
      else if (Object.hasOwn(v, String(seg))) out.push((v as Record<string, unknown>)[String(seg)]);
      continue;
    }
    if (Object.hasOwn(v, seg)) out.push((v as Record<string, unknown>)[seg]);
  }
  return out;
}

/** Every value at a JSON path (several with `[*]` or across repeated XML elements). */
export function jsonPathAll(data: unknown, path: string): unknown[] {
  const segs = compileJsonPath(path);
  if (!segs || data === undefined) return [];
  let cur: unknown[] = [data];
  for (const s of segs) {
    cur = walk(cur, s);
    if (cur.length === 0) return cur;
  }
  // A repeated XML element at the end of the path, or a JSON array, yields its items.
  const flat: unknown[] = [];
  for (const v of cur) {
    if (Array.isArray(v) && segs[segs.length - 1] !== WILDCARD) flat.push(...(v as unknown[]));
    else flat.push(v);
  }
  return flat;
}

// ---------- XPath ----------

/** The XPath engine (@xmldom/xmldom and xpath, ~380 KiB of code), once loaded. */
let xpathEngine: { DOMParser: typeof DomParser; xpath: typeof XPath } | undefined;

/**
 * Loads the XPath engine. Only rules that read XML answers with XPath need it (some XML and
 * SOAP buyers), so it is imported on first need instead of when the Worker starts: callers
 * that may evaluate an XPath selector on an XML body await this first (`usesXPath` tells).
 */
export async function loadXPath(): Promise<void> {
  if (xpathEngine) return;
  const [dom, xpath] = await Promise.all([import("@xmldom/xmldom"), import("xpath")]);
  xpathEngine = { DOMParser: dom.DOMParser, xpath };
}

const xpathUse = new WeakMap<object, boolean>();

/** Whether a config (or any part of one) holds an XPath selector anywhere. Cached per object. */
export function usesXPath(config: unknown): boolean {
  if (config === null || typeof config !== "object") return false;
  const hit = xpathUse.get(config);
  if (hit !== undefined) return hit;
  const found = Array.isArray(config)
    ? config.some(usesXPath)
    : Object.entries(config).some(([k, v]) => (k === "xpath" && typeof v === "string") || usesXPath(v));
  xpathUse.set(config, found);
  return found;
}

function engine(): NonNullable<typeof xpathEngine> {
  if (!xpathEngine) throw new Error("an XPath selector was evaluated before loadXPath()");
  return xpathEngine;
}

function domOf(body: ParsedBody): unknown {
  if (body.dom !== undefined) return body.dom;
  if (body.kind !== "xml" || body.data === undefined) {
    body.dom = null;
    return null;
  }
  const { DOMParser } = engine();
  body.dom = null;
  try {
    const doc = new DOMParser({
      onError: (level: string) => {
        if (level !== "warning") throw new Error("malformed xml");
      },
    }).parseFromString(body.raw.trim(), "text/xml");
    body.dom = doc;
  } catch {
    body.dom = null;
  }
  return body.dom;
}

function xpathAll(body: ParsedBody, expr: string, namespaces?: Record<string, string>): unknown[] {
  const doc = domOf(body);
  if (doc === null || doc === undefined) return [];
  const { xpath } = engine();
  let result: unknown;
  try {
    const node = doc as Parameters<typeof xpath.select>[1];
    result = namespaces ? xpath.useNamespaces(namespaces)(expr, node) : xpath.select(expr, node);
  } catch {
    return [];
  }
  if (Array.isArray(result)) {
    return (result as unknown[]).map((n) => {
      const node = n as { nodeType?: number; textContent?: string | null; nodeValue?: string | null };
      return node.textContent ?? node.nodeValue ?? undefined;
    });
  }
  if (result === null || result === undefined) return [];
  // Functions such as count() or string() yield a scalar; an empty string() means "no match".
  if (result === "") return [];
  return [result];
}

// ---------- regex / form ----------

const regexCache = new Map<string, RegExp | null>();
function regexOf(source: string, flags = ""): RegExp | null {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = isValidRegex(source, flags) ? new RegExp(source, flags.replace(/g/g, "")) : null;
    if (regexCache.size < 10_000) regexCache.set(key, re);
  }
  return re;
}

/** Tests a regular expression (cached) against text; an invalid pattern never matches. */
export function regexTest(source: string, text: string, flags?: string): boolean {
  const re = regexOf(source, flags);
  return re ? re.test(text) : false;
}

// ---------- evaluation ----------

/**
 * The value as text: strings as-is, numbers and booleans printed, an XML element with
 * attributes by its text, anything else (objects, arrays, null) undefined.
 */
export function toText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, "#text")) {
    return toText((v as Record<string, unknown>)["#text"]);
  }
  return undefined;
}

/** Every raw value a selector finds (JSON values, XPath node texts, regex captures, form values). */
export function selectAllRaw(body: ParsedBody, sel: Selector): unknown[] {
  if ("jsonPath" in sel) return jsonPathAll(body.data, sel.jsonPath);
  if ("xpath" in sel) return xpathAll(body, sel.xpath, sel.namespaces);
  if ("regex" in sel) {
    const re = regexOf(sel.regex, sel.flags);
    const m = re ? re.exec(body.raw) : null;
    const g = m ? m[sel.group] : undefined;
    return g === undefined ? [] : [g];
  }
  if (body.kind === "form" && body.data !== null && typeof body.data === "object" && Object.hasOwn(body.data, sel.formKey)) {
    const v = (body.data as Record<string, unknown>)[sel.formKey];
    return v === undefined ? [] : [v];
  }
  return [];
}

/** Every value a selector finds, as non-empty trimmed strings. */
export function selectAll(body: ParsedBody, sel: Selector): string[] {
  const out: string[] = [];
  for (const v of selectAllRaw(body, sel)) {
    const s = toText(v)?.trim();
    if (s) out.push(s);
  }
  return out;
}

/** The first non-empty value a selector finds, as a trimmed string; undefined when none. */
export function select(body: ParsedBody, sel: Selector): string | undefined {
  return selectAll(body, sel)[0];
}

/** A selector of an already validated config, where a bare string means a JSON path. */
export function asSelector(input: string | Selector): Selector {
  return typeof input === "string" ? { jsonPath: input } : input;
}
