/**
 * A sample request (see http-message.ts for the file format) → ImportedSpec: endpoint and
 * method from the request line, format and field tree from the body, auth from the headers,
 * documented answers from the `###` sections.
 */
import { readHeader } from "./credentials";
import { type HttpMessage, headerOf, listDirective, parseHttpMessage } from "./http-message";
import { bodyKind, fieldsFromObject, formPairsToObject, type Optionality } from "./shape";
import type { AuthHint, HttpMethod, ImportedField, ImportedFormat, ImportedSpec } from "./types";
import { SpecImportError } from "./types";
import { readXmlSample } from "./xml-sample";

function addAuth(list: AuthHint[], hint: AuthHint): void {
  if (!list.some((h) => JSON.stringify(h) === JSON.stringify(hint))) list.push(hint);
}

/** The field at a dotted path (array element fields are reached through the array's name). */
function findField(fields: ImportedField[], path: string[]): ImportedField | undefined {
  const [head, ...rest] = path;
  const f = fields.find((x) => x.name === head || x.name === `@_${head}`);
  if (!f || rest.length === 0) return f;
  const children = f.properties ?? f.items?.properties ?? f.pairs?.fields;
  return children ? findField(children, rest) : undefined;
}

/** What reading a sample collects beside the fields: auth hints and credential values to keep out of the file. */
interface Collected {
  o: Optionality;
  auth: AuthHint[];
  secrets: string[];
}

/** Credential headers become auth hints; other constant headers are kept for every request. */
function readHeaders(msg: HttpMessage, c: Collected): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of msg.headers) {
    const r = readHeader(name, value);
    if (r.kind === "auth") {
      addAuth(c.auth, r.hint);
      c.secrets.push(...r.secretValues);
    } else if (r.kind === "constant") headers[name] = value;
  }
  return headers;
}

/**
 * Credentials in the URL become an API key in the query; a GET's other parameters are the
 * fields; what is left stays in the URL.
 */
function readUrl(msg: HttpMessage, method: HttpMethod, c: Collected): { url?: string; queryFields: ImportedField[] } {
  if (!msg.url) return { queryFields: [] };
  let u: URL;
  try {
    u = new URL(msg.url);
  } catch {
    return { url: msg.url, queryFields: [] };
  }
  const keep = new URLSearchParams();
  const fieldPairs: [string, string][] = [];
  for (const [k, v] of u.searchParams) {
    const probe = fieldsFromObject({ [k]: v }, c.o, c.secrets)[0];
    if (probe?.secret) addAuth(c.auth, { kind: "api_key", in: "query", name: k });
    else if (method === "GET" && msg.body === "") fieldPairs.push([k, v]);
    else keep.append(k, v);
  }
  const queryFields = fieldPairs.length ? fieldsFromObject(formPairsToObject(fieldPairs).value, c.o, c.secrets) : [];
  u.search = keep.toString();
  return { url: u.toString(), queryFields };
}

/** The body's format and field tree: JSON, XML (plain or SOAP), form-encoded, or the query of a bodiless GET. */
function readBody(msg: HttpMessage, method: HttpMethod, queryFields: ImportedField[], c: Collected): { format: ImportedFormat; fields: ImportedField[] } {
  if (msg.body === "") {
    if (!queryFields.length) throw new SpecImportError("the sample has no body and no query parameters: nothing to map");
    return { format: { type: "query", nesting: "dot" }, fields: queryFields };
  }
  const contentType = headerOf(msg.headers, "content-type");
  const kind = bodyKind(contentType, msg.body);
  if (kind === "json") {
    let value: unknown;
    try {
      value = JSON.parse(msg.body);
    } catch (e) {
      throw new SpecImportError(`the JSON sample does not parse: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SpecImportError("the JSON sample must be an object");
    return { format: { type: "json" }, fields: fieldsFromObject(value as Record<string, unknown>, c.o, c.secrets) };
  }
  if (kind === "xml") {
    const action = headerOf(msg.headers, "soapaction") ?? /action="?([^";]+)"?/.exec(contentType ?? "")?.[1];
    const r = readXmlSample(msg.body, c.o, c.secrets, action);
    if (r.format.type === "xml" && /text\/xml/i.test(contentType ?? "")) r.format.contentType = "text/xml";
    return { format: r.format, fields: r.fields };
  }
  if (kind === "form") {
    const { value, nesting } = formPairsToObject(new URLSearchParams(msg.body.trim()));
    return { format: method === "GET" ? { type: "query", nesting } : { type: "form", nesting }, fields: fieldsFromObject(value, c.o, c.secrets) };
  }
  throw new SpecImportError("the sample body is neither JSON, XML nor form-encoded (key=value&…)");
}

/** `# allowed Loan.Purpose: PURCH|REFI|CASHOUT` gives a field its allowed values. */
function applyAllowed(d: Record<string, string>, fields: ImportedField[]): void {
  for (const [key, value] of Object.entries(d)) {
    const m = /^allowed\s+(.+)$/.exec(key);
    if (!m?.[1]) continue;
    const target = findField(fields, m[1].split("."));
    if (!target) throw new SpecImportError(`"# ${key}": the sample has no field ${m[1]}`);
    target.enum = value
      .split(value.includes("|") ? "|" : ",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

/** Reads a sample request: an HTTP-message-like file or a bare JSON / XML / form body. */
export function importSample(text: string): ImportedSpec {
  const msg = parseHttpMessage(text);
  const d = msg.directives;
  const c: Collected = { o: { optional: new Set(listDirective(d, "optional")) }, auth: [], secrets: [] };
  const headers = readHeaders(msg, c);
  const method = (msg.method ?? "POST") as HttpMethod;
  const { url, queryFields } = readUrl(msg, method, c);
  const { format, fields } = readBody(msg, method, queryFields, c);

  // Form and query credentials travel as an API key in the query string; elsewhere a person decides.
  if (format.type === "form" || format.type === "query") {
    for (const f of fields) if (f.secret) addAuth(c.auth, { kind: "api_key", in: "query", name: f.name });
  }
  applyAllowed(d, fields);

  const spec: ImportedSpec = {
    source: "sample",
    endpoint: { method, ...(url ? { url } : {}) },
    headers,
    format,
    fields,
    auth: c.auth,
    secretValues: c.secrets.filter((s) => s.length > 0),
    responses: msg.responses.map((r) => {
      const kind = bodyKind(headerOf(r.headers, "content-type"), r.body);
      return { status: r.status, kind, ...(r.body ? { body: r.body } : {}) };
    }),
    notes: [],
  };
  if (d.name) spec.title = d.name;
  if (d.docs) spec.docsUrl = d.docs;
  if (d.description) spec.description = d.description;
  const verticals = [...listDirective(d, "vertical"), ...listDirective(d, "verticals")];
  if (verticals.length) spec.verticals = verticals;
  return spec;
}
