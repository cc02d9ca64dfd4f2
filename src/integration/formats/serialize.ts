import { XMLBuilder } from "fast-xml-parser";
import { ConfigError } from "../errors";
import { formComponent, formEncodePayload } from "./form-encode";
import type { CsvFormat, FormatConfig, SoapFormat, XmlFormat } from "./schema";
import { writeXml, xmlAttributes } from "./xml-writer";

/** Turns a mapped payload into the bytes of one wire format. Compiled once per buyer. */
export interface Serializer {
  /** Content-Type header; undefined for query-string (GET) buyers. */
  contentType?: string;
  /** Headers the format itself requires (e.g. SOAPAction). */
  headers: Record<string, string>;
  /** The payload travels in the URL's query string, not in a body. */
  inUrl: boolean;
  /** Escapes one interpolated value for this format (templates). */
  escape: (value: string) => string;
  serialize(payload: Record<string, unknown>, secret: (name: string) => string | undefined): string;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';
// Characters XML 1.0 forbids even when escaped; a stray control character must not break the document.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for XML element content and attribute values (all five special characters). */
export function escapeXml(s: string): string {
  return s.replace(XML_INVALID, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Escapes text as the inside of a JSON string. */
export function escapeJsonString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

// A cell a spreadsheet would run as a formula (=, +, -, @, and tab or CR before one of them:
// OWASP "CSV injection"). Plain numbers (-5, +12147153718) are left alone: a spreadsheet reads
// them as numbers, and a buyer's import of E.164 phones or negative amounts must not change.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV cell: neutralized against formula injection (a leading `'`, which spreadsheets show
 * as text and do not evaluate, on a cell that starts like a formula and is not a plain number),
 * then quoted per RFC 4180 when it holds the delimiter, a quote, CR, LF or edge whitespace.
 */
export function csvCell(v: string, delimiter = ","): string {
  const cell = FORMULA_START.test(v) && !PLAIN_NUMBER.test(v) ? `'${v}` : v;
  return cell !== v || cell.includes(delimiter) || /["\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function stripInvalidXml(v: unknown): unknown {
  if (typeof v === "string") return v.replace(XML_INVALID, "");
  if (Array.isArray(v)) return v.map(stripInvalidXml);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = stripInvalidXml(x);
    return out;
  }
  return v;
}

function scalarText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * Flattens a nested payload to `[key, text]` pairs: dot style `contact.phones[0].number`,
 * bracket style `contact[phones][0][number]` (PHP/Rails form conventions).
 */
export function flatten(payload: Record<string, unknown>, nesting: "dot" | "bracket"): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${key}[${i}]`);
      });
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, nesting === "dot" ? `${key}.${k}` : `${key}[${k}]`);
    } else {
      const t = scalarText(v);
      if (t !== undefined) out.push([key, t]);
    }
  };
  for (const [k, v] of Object.entries(payload)) walk(v, k);
  return out;
}

export { formComponent, formEncodePayload } from "./form-encode";
/** Appends a query string to a URL that may already have one (and maybe a #fragment). */
export function appendQuery(url: string, query: string): string {
  if (query === "") return url;
  const hash = url.indexOf("#");
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const frag = hash >= 0 ? url.slice(hash) : "";
  const sep = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${sep}${query}${frag}`;
}

function resolveSecrets(v: unknown, secret: (name: string) => string | undefined, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => resolveSecrets(x, secret, `${path}[${i}]`));
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "secret" && typeof o.secret === "string") {
      const s = secret(o.secret);
      if (s === undefined) throw new ConfigError(`secret ${o.secret} is not set`, path, o.secret);
      return s;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = resolveSecrets(x, secret, `${path}.${k}`);
    return out;
  }
  return v;
}

function xmlBuilder(prefix: string, pretty: boolean): XMLBuilder {
  return new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: prefix,
    textNodeName: "#text",
    suppressBooleanAttributes: false,
    suppressEmptyNode: false,
    format: pretty,
    processEntities: true,
  });
}

function xmlSerializer(f: XmlFormat): Serializer {
  const builder = xmlBuilder(f.attributePrefix, f.pretty);
  const rootAttrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.rootAttributes ?? {})) rootAttrs[f.attributePrefix + k] = v;
  const decl = f.declaration ? XML_DECL + (f.pretty ? "\n" : "") : "";
  const rootAttrText = xmlAttributes(f.rootAttributes);
  return {
    contentType: `${f.contentType}; charset=${f.charset}`,
    headers: {},
    inUrl: false,
    escape: escapeXml,
    serialize(payload) {
      if (!f.pretty) return decl + writeXml(f.root, payload, f.attributePrefix, rootAttrText);
      const body = { ...rootAttrs, ...(stripInvalidXml(payload) as Record<string, unknown>) };
      return decl + (builder.build({ [f.root]: body }) as string);
    },
  };
}

const SOAP_NS = {
  soap11: "http://schemas.xmlsoap.org/soap/envelope/",
  soap12: "http://www.w3.org/2003/05/soap-envelope",
} as const;

function soapSerializer(f: SoapFormat): Serializer {
  const builder = xmlBuilder("@_", f.pretty);
  const p = f.prefix;
  const headers: Record<string, string> = {};
  let contentType: string;
  if (f.type === "soap11") {
    contentType = `text/xml; charset=${f.charset}`;
    // SOAP 1.1 requires the header even when empty; its value is a quoted URI.
    headers.SOAPAction = `"${f.action ?? ""}"`;
  } else {
    contentType = `application/soap+xml; charset=${f.charset}${f.action ? `; action="${f.action}"` : ""}`;
  }
  const envOpen = `${XML_DECL}<${p}:Envelope xmlns:${p}="${SOAP_NS[f.type]}">`;
  const opAttrs = ` xmlns="${escapeXml(f.namespace)}"`;
  const bodyClose = `</${p}:Body></${p}:Envelope>`;
  const headerHasSecrets = secretNamesIn(f.header);
  const headerXml = (secret: (name: string) => string | undefined): string => {
    if (!f.header) return "";
    let inner = "";
    for (const [name, content] of Object.entries(f.header)) {
      const resolved = resolveSecrets(content, secret, `format.header.${name}`);
      inner +=
        resolved !== null && typeof resolved === "object" && !Array.isArray(resolved)
          ? writeXml(name, resolved as Record<string, unknown>, "@_", opAttrs)
          : writeXml(name, { "#text": resolved }, "@_", opAttrs);
    }
    return `<${p}:Header>${inner}</${p}:Header>`;
  };
  // Headers without secrets are the same for every lead: render them once.
  const staticHeader = headerHasSecrets ? undefined : headerXml(() => undefined);
  return {
    contentType,
    headers,
    inUrl: false,
    escape: escapeXml,
    serialize(payload, secret) {
      if (!f.pretty) {
        const header = staticHeader ?? headerXml(secret);
        return `${envOpen}${header}<${p}:Body>${writeXml(f.operation, payload, "@_", opAttrs)}${bodyClose}`;
      }
      const envelope: Record<string, unknown> = { [`@_xmlns:${p}`]: SOAP_NS[f.type] };
      if (f.header) {
        const h: Record<string, unknown> = {};
        for (const [name, content] of Object.entries(f.header)) {
          const resolved = resolveSecrets(content, secret, `format.header.${name}`);
          h[name] =
            resolved !== null && typeof resolved === "object" && !Array.isArray(resolved)
              ? { "@_xmlns": f.namespace, ...(resolved as Record<string, unknown>) }
              : { "@_xmlns": f.namespace, "#text": resolved };
        }
        envelope[`${p}:Header`] = h;
      }
      envelope[`${p}:Body`] = {
        [f.operation]: { "@_xmlns": f.namespace, ...(stripInvalidXml(payload) as Record<string, unknown>) },
      };
      return `${XML_DECL}\n${builder.build({ [`${p}:Envelope`]: envelope }) as string}`;
    },
  };
}

function secretNamesIn(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(secretNamesIn);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.secret === "string" && Object.keys(o).length === 1) return true;
    return Object.values(o).some(secretNamesIn);
  }
  return false;
}

/** Rows → RFC 4180 CSV (CRLF line ends) with an optional header row; also used for batch files. */
export function toCsv(rows: Record<string, unknown>[], f: Pick<CsvFormat, "header" | "delimiter" | "columns">): string {
  const flat = rows.map((r) => new Map(flatten(r, "dot")));
  let cols = f.columns;
  if (!cols) {
    const seen = new Set<string>();
    for (const r of flat) for (const k of r.keys()) seen.add(k);
    cols = [...seen];
  }
  const d = f.delimiter;
  const lines: string[] = [];
  if (f.header) lines.push(cols.map((c) => csvCell(c, d)).join(d));
  for (const r of flat) lines.push(cols.map((c) => csvCell(r.get(c) ?? "", d)).join(d));
  return `${lines.join("\r\n")}\r\n`;
}

function csvSerializer(f: CsvFormat): Serializer {
  const d = f.delimiter;
  return {
    contentType: `text/csv; charset=${f.charset}; header=${f.header ? "present" : "absent"}`,
    headers: {},
    inUrl: false,
    escape: (s) => csvCell(s, d),
    serialize: (payload) => toCsv([payload], f),
  };
}

/** Compiles the wire format of a buyer once. */
export function compileSerializer(f: FormatConfig): Serializer {
  switch (f.type) {
    case "json":
      return {
        contentType: `application/json; charset=${f.charset}`,
        headers: {},
        inUrl: false,
        escape: escapeJsonString,
        serialize: (payload) => JSON.stringify(payload),
      };
    case "xml":
      return xmlSerializer(f);
    case "form": {
      const nesting = f.nesting;
      return {
        contentType: `application/x-www-form-urlencoded; charset=${f.charset}`,
        headers: {},
        inUrl: false,
        escape: formComponent,
        serialize: (payload) => formEncodePayload(payload, nesting),
      };
    }
    case "query": {
      const nesting = f.nesting;
      return { headers: {}, inUrl: true, escape: formComponent, serialize: (payload) => formEncodePayload(payload, nesting) };
    }
    case "soap11":
    case "soap12":
      return soapSerializer(f);
    case "csv":
      return csvSerializer(f);
  }
}
