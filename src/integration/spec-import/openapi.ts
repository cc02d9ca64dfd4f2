/**
 * An OpenAPI 3 document (JSON or YAML) and one of its operations → ImportedSpec. Local `$ref`s
 * (`#/components/…`) are followed; `allOf` is merged; `oneOf` / `anyOf` take their first branch
 * (noted). XML bodies follow the `xml` objects (name, attribute, wrapped, namespace).
 */
import YAML from "yaml";
import { isCredentialName } from "./credentials";
import type { AuthHint, HttpMethod, ImportedField, ImportedFormat, ImportedSpec, ResponseExample, Scalar } from "./types";
import { SpecImportError } from "./types";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

const METHODS = ["get", "post", "put", "patch"] as const;

/** One operation of the document, as `--operation` can name it. */
export interface OpenApiOperation {
  id?: string;
  method: HttpMethod;
  path: string;
  summary?: string;
  hasBody: boolean;
}

interface Ctx {
  doc: Obj;
  notes: string[];
  secrets: string[];
}

/** Follows a local `$ref` (JSON pointer into the same document). */
function resolve(ctx: Ctx, v: unknown, seen: Set<string> = new Set()): Obj {
  if (!isObj(v)) return {};
  const ref = str(v.$ref);
  if (ref === undefined) return v;
  if (!ref.startsWith("#/")) throw new SpecImportError(`only local references are supported (${ref}); bundle the document first`);
  if (seen.has(ref)) return {};
  seen.add(ref);
  let cur: unknown = ctx.doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = isObj(cur) ? cur[key] : undefined;
  }
  if (!isObj(cur)) throw new SpecImportError(`reference ${ref} points at nothing`);
  return resolve(ctx, cur, seen);
}

function refName(v: unknown): string | undefined {
  const ref = isObj(v) ? str(v.$ref) : undefined;
  return ref?.split("/").pop();
}

/** A schema with its `allOf` merged and the first `oneOf`/`anyOf` branch taken. */
function flatten(ctx: Ctx, schema: unknown, depth: number): Obj {
  const s = resolve(ctx, schema);
  if (depth > 30) return s;
  const all = Array.isArray(s.allOf) ? s.allOf : undefined;
  const alt = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined;
  if (!all && !alt) return s;
  const out: Obj = { ...s };
  delete out.allOf;
  delete out.oneOf;
  delete out.anyOf;
  const parts = [...(all ?? []), ...(alt?.slice(0, 1) ?? [])];
  if (alt && alt.length > 1) ctx.notes.push(`a schema offers ${alt.length} alternatives (oneOf/anyOf); the first was used`);
  const props: Obj = isObj(out.properties) ? { ...out.properties } : {};
  const required = new Set<string>(Array.isArray(out.required) ? (out.required as string[]) : []);
  for (const p of parts) {
    const f = flatten(ctx, p, depth + 1);
    if (isObj(f.properties)) Object.assign(props, f.properties);
    if (Array.isArray(f.required)) for (const r of f.required) if (typeof r === "string") required.add(r);
    for (const [k, v] of Object.entries(f)) if (!(k in out) && k !== "properties" && k !== "required") out[k] = v;
  }
  if (Object.keys(props).length) out.properties = props;
  if (required.size) out.required = [...required];
  return out;
}

function schemaType(s: Obj): ImportedField["type"] {
  const t = Array.isArray(s.type) ? (s.type as unknown[]).find((x) => x !== "null") : s.type;
  if (t === "string" || t === "number" || t === "integer" || t === "boolean" || t === "object" || t === "array") return t;
  if (isObj(s.properties)) return "object";
  if (s.items !== undefined) return "array";
  const e = Array.isArray(s.enum) ? s.enum.find(isScalar) : undefined;
  if (typeof e === "number") return Number.isInteger(e) ? "integer" : "number";
  if (typeof e === "boolean") return "boolean";
  return "string";
}

interface XmlMode {
  xml: boolean;
}

/** One schema → ImportedField (XML names and attributes applied when `mode.xml`). */
function fieldFromSchema(ctx: Ctx, name: string, schema: unknown, required: boolean, mode: XmlMode, depth: number): ImportedField {
  const s = flatten(ctx, schema, depth);
  const type = schemaType(s);
  const xml = isObj(s.xml) ? s.xml : {};
  let wire = name;
  if (mode.xml) {
    const xn = str(xml.name) ?? name;
    wire = xml.attribute === true ? `@_${xn}` : xn;
  }
  const f: ImportedField = { name: wire, type, required };
  const description = str(s.description) ?? str(s.title);
  if (description) f.description = description;
  if (Array.isArray(s.enum)) {
    const e = s.enum.filter(isScalar);
    if (e.length) f.enum = e;
  }
  const maxLength = num(s.maxLength);
  if (maxLength !== undefined && maxLength > 0) f.maxLength = maxLength;
  const minLength = num(s.minLength);
  if (minLength !== undefined) f.minLength = minLength;
  if (typeof s.pattern === "string") f.pattern = s.pattern;
  const minimum = num(s.minimum) ?? num(s.exclusiveMinimum);
  if (minimum !== undefined) f.minimum = minimum;
  const maximum = num(s.maximum) ?? num(s.exclusiveMaximum);
  if (maximum !== undefined) f.maximum = maximum;
  if (typeof s.format === "string") f.format = s.format;
  const example = isScalar(s.example) ? s.example : Array.isArray(s.examples) ? s.examples.find(isScalar) : undefined;
  const secret = isCredentialName(name);
  if (secret) {
    f.secret = true;
    if (example !== undefined) ctx.secrets.push(String(example));
    if (isScalar(s.default)) ctx.secrets.push(String(s.default));
  } else {
    if (example !== undefined) f.example = example;
    if (isScalar(s.default)) f.default = s.default;
  }
  if (depth > 30) return f;
  if (type === "object" && isObj(s.properties)) {
    const req = new Set(Array.isArray(s.required) ? (s.required as unknown[]).filter((x): x is string => typeof x === "string") : []);
    f.properties = Object.entries(s.properties).map(([k, v]) => fieldFromSchema(ctx, k, v, req.has(k), mode, depth + 1));
  }
  if (type === "array") {
    const items = fieldFromSchema(ctx, name, s.items ?? {}, true, mode, depth + 1);
    if (mode.xml) {
      // Repeated elements are named by the item (default: the property); `wrapped` adds a parent.
      const itemXml = isObj(resolve(ctx, s.items).xml) ? (resolve(ctx, s.items).xml as Obj) : {};
      const itemName = str(itemXml.name) ?? str(xml.name) ?? name;
      if (xml.wrapped === true) {
        return { ...f, type: "object", properties: [{ name: itemName, type: "array", required: true, items: { ...items, name: "item" } }] };
      }
      f.name = itemName;
    }
    f.items = { ...items, name: "item" };
  }
  return f;
}

/** Copies example values into fields that have none (and collects credentials found there). */
function applyExample(ctx: Ctx, fields: ImportedField[], example: unknown): void {
  if (!isObj(example)) return;
  for (const f of fields) {
    const key = f.name.replace(/^@_/, "");
    const v = example[f.name] ?? example[key];
    if (v === undefined) continue;
    if (f.secret) {
      if (isScalar(v)) ctx.secrets.push(String(v));
      continue;
    }
    if (isScalar(v) && f.example === undefined) f.example = v;
    if (f.properties) applyExample(ctx, f.properties, v);
    if (f.items?.properties && Array.isArray(v)) applyExample(ctx, f.items.properties, v[0]);
  }
}

function firstExample(media: Obj): unknown {
  if (media.example !== undefined) return media.example;
  if (isObj(media.examples)) {
    const first = Object.values(media.examples)[0];
    if (isObj(first)) return first.value;
  }
  return undefined;
}

/** Every operation of the document (for choosing one and for error messages). */
export function listOperations(doc: Obj): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    for (const m of METHODS) {
      const op = item[m];
      if (!isObj(op)) continue;
      const o: OpenApiOperation = { method: m.toUpperCase() as HttpMethod, path, hasBody: op.requestBody !== undefined };
      const id = str(op.operationId);
      if (id) o.id = id;
      const summary = str(op.summary);
      if (summary) o.summary = summary;
      out.push(o);
    }
  }
  return out;
}

function describeOps(ops: OpenApiOperation[]): string {
  return ops.map((o) => `${o.id ? `${o.id} = ` : ""}${o.method} ${o.path}`).join("; ");
}

/** Picks the operation `--operation` names (`operationId`, `METHOD /path` or `/path`), or the only one with a body. */
export function chooseOperation(ops: OpenApiOperation[], wanted?: string): OpenApiOperation {
  if (ops.length === 0) throw new SpecImportError("the document has no operations under `paths`");
  if (wanted) {
    const w = wanted.trim();
    const m = /^(get|post|put|patch)\s+(\/\S*)$/i.exec(w);
    const hit = m?.[1] && m[2] ? ops.filter((o) => o.method === m[1]?.toUpperCase() && o.path === m[2]) : ops.filter((o) => o.id === w || o.path === w);
    if (hit.length === 1 && hit[0]) return hit[0];
    throw new SpecImportError(
      `${hit.length ? "more than one" : "no"} operation matches "${wanted}"; the document has: ${describeOps(ops)} (pass --operation <operationId> or "POST /path")`,
    );
  }
  const withBody = ops.filter((o) => o.hasBody);
  const pick = withBody.length === 1 ? withBody[0] : ops.length === 1 ? ops[0] : undefined;
  if (!pick) throw new SpecImportError(`the document has several operations; choose one with --operation: ${describeOps(ops)}`);
  return pick;
}

function securityHints(ctx: Ctx, op: Obj): AuthHint[] {
  const reqs = Array.isArray(op.security) ? op.security : Array.isArray(ctx.doc.security) ? ctx.doc.security : [];
  const first = reqs.find(isObj);
  if (!first) return [];
  const schemes = isObj(ctx.doc.components) && isObj(ctx.doc.components.securitySchemes) ? ctx.doc.components.securitySchemes : {};
  const out: AuthHint[] = [];
  for (const [name, scopes] of Object.entries(first)) {
    const s = resolve(ctx, schemes[name]);
    const type = str(s.type);
    if (type === "apiKey") {
      const where = str(s.in);
      const key = str(s.name);
      if (!key || (where !== "header" && where !== "query"))
        ctx.notes.push(`security scheme ${name}: API keys in a ${where ?? "?"} are not supported; set auth by hand`);
      else out.push({ kind: "api_key", in: where, name: key });
    } else if (type === "http") {
      const scheme = str(s.scheme)?.toLowerCase();
      if (scheme === "basic") out.push({ kind: "basic" });
      else if (scheme === "bearer") out.push({ kind: "bearer" });
      else ctx.notes.push(`security scheme ${name}: HTTP ${scheme ?? "?"} is not supported; set auth by hand`);
    } else if (type === "oauth2") {
      const cc = isObj(s.flows) && isObj(s.flows.clientCredentials) ? s.flows.clientCredentials : undefined;
      const tokenUrl = cc ? str(cc.tokenUrl) : undefined;
      if (!tokenUrl) ctx.notes.push(`security scheme ${name}: only the OAuth 2.0 client-credentials flow is generated; set auth by hand`);
      else {
        const list = Array.isArray(scopes) ? scopes.filter((x): x is string => typeof x === "string") : [];
        out.push(list.length ? { kind: "oauth2_client_credentials", tokenUrl, scope: list.join(" ") } : { kind: "oauth2_client_credentials", tokenUrl });
      }
    } else ctx.notes.push(`security scheme ${name} (${type ?? "?"}) is not supported; set auth by hand`);
  }
  return out;
}

function serverUrl(ctx: Ctx, pathItem: Obj, op: Obj): string | undefined {
  const list = [op.servers, pathItem.servers, ctx.doc.servers].find((x) => Array.isArray(x) && x.length > 0) as unknown[] | undefined;
  const server = list?.find(isObj);
  let url = server ? str(server.url) : undefined;
  if (!url || !server) return undefined;
  const vars = isObj(server.variables) ? server.variables : {};
  url = url.replace(/\{([^}]+)\}/g, (m, v: string) => {
    const d = isObj(vars[v]) ? str((vars[v] as Obj).default) : undefined;
    return d ?? m;
  });
  return url.replace(/\/+$/, "");
}

function mediaKind(type: string): ResponseExample["kind"] | undefined {
  const t = type.toLowerCase();
  if (t.includes("json")) return "json";
  if (t.includes("xml")) return "xml";
  if (t.includes("x-www-form-urlencoded")) return "form";
  if (t.startsWith("text/")) return "text";
  return undefined;
}

function responses(ctx: Ctx, op: Obj): ResponseExample[] {
  const out: ResponseExample[] = [];
  const rs = isObj(op.responses) ? op.responses : {};
  for (const [code, raw] of Object.entries(rs)) {
    const r = resolve(ctx, raw);
    const status: number | string = /^\d{3}$/.test(code) ? Number(code) : code;
    const content = isObj(r.content) ? r.content : {};
    const entry = Object.entries(content).find(([t]) => mediaKind(t) !== undefined);
    const ex: ResponseExample = { status, kind: entry ? (mediaKind(entry[0]) ?? "text") : "text" };
    const description = str(r.description);
    if (description) ex.description = description;
    if (entry && isObj(entry[1])) {
      const media = entry[1];
      const schema = media.schema !== undefined ? flatten(ctx, media.schema, 0) : undefined;
      const example = firstExample(media) ?? schema?.example;
      if (example !== undefined) ex.body = typeof example === "string" ? example : JSON.stringify(example);
      if (schema && isObj(schema.properties)) {
        const f = fieldFromSchema(ctx, refName(media.schema) ?? "response", media.schema, true, { xml: ex.kind === "xml" }, 0);
        if (f.properties) ex.fields = f.properties;
      }
    }
    out.push(ex);
  }
  return out;
}

/** Reads an OpenAPI 3 document (JSON or YAML text) at one operation. */
export function importOpenApi(text: string, operation?: string): ImportedSpec {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new SpecImportError(`the document is neither JSON nor YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new SpecImportError("the document is not an object");
  if (typeof doc.swagger === "string") throw new SpecImportError("Swagger 2.0 is not read; convert the document to OpenAPI 3 first");
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3")) throw new SpecImportError('not an OpenAPI 3 document (no "openapi: 3.x")');
  const ctx: Ctx = { doc, notes: [], secrets: [] };
  const chosen = chooseOperation(listOperations(doc), operation);
  const paths = doc.paths as Obj;
  const pathItem = resolve(ctx, paths[chosen.path]);
  const op = resolve(ctx, pathItem[chosen.method.toLowerCase()]);

  const auth = securityHints(ctx, op);
  const headers: Record<string, string> = {};
  const queryConst = new URLSearchParams();
  const queryFields: ImportedField[] = [];
  let path = chosen.path;
  const params = [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])].map((p) =>
    resolve(ctx, p),
  );
  for (const p of params) {
    const name = str(p.name);
    const where = str(p.in);
    if (!name || !where) continue;
    const schema = flatten(ctx, p.schema, 0);
    const example = [p.example, schema.example, schema.default, Array.isArray(schema.enum) && schema.enum.length === 1 ? schema.enum[0] : undefined].find(
      isScalar,
    );
    if (isCredentialName(name) || (where === "header" && name.toLowerCase() === "authorization")) {
      if (example !== undefined) ctx.secrets.push(String(example).replace(/^(Bearer|Basic)\s+/i, ""), String(example));
      if (where === "header" && name.toLowerCase() === "authorization") {
        if (!auth.length) auth.push(/^basic/i.test(String(example ?? "")) ? { kind: "basic" } : { kind: "bearer" });
      } else if ((where === "header" || where === "query") && !auth.some((a) => a.kind === "api_key" && a.name === name)) {
        auth.push({ kind: "api_key", in: where, name });
      }
      continue;
    }
    if (where === "path") {
      if (example !== undefined) path = path.replace(`{${name}}`, encodeURIComponent(String(example)));
      else ctx.notes.push(`path parameter {${name}} has no example: fill it in endpoint.url`);
    } else if (where === "header") {
      if (example !== undefined && !/^(content-type|content-length|host)$/i.test(name)) headers[name] = String(example);
      else if (p.required === true && example === undefined) ctx.notes.push(`header ${name} is required but has no example value: add it to endpoint.headers`);
    } else if (where === "query") {
      if (chosen.method === "GET" && op.requestBody === undefined)
        queryFields.push(fieldFromSchema(ctx, name, p.schema, p.required === true, { xml: false }, 0));
      else if (example !== undefined) queryConst.append(name, String(example));
      else if (p.required === true) ctx.notes.push(`query parameter ${name} is required but has no example value: add it to endpoint.url`);
    }
  }

  let format: ImportedFormat;
  let fields: ImportedField[] = [];
  const body = op.requestBody !== undefined ? resolve(ctx, op.requestBody) : undefined;
  if (body) {
    const content = isObj(body.content) ? body.content : {};
    const types = Object.keys(content);
    const pick =
      types.find((t) => /json/i.test(t)) ?? types.find((t) => /x-www-form-urlencoded/i.test(t)) ?? types.find((t) => /xml/i.test(t) && !/soap/i.test(t));
    if (!pick) throw new SpecImportError(`the request body is ${types.join(", ") || "undescribed"}; JSON, form-encoded or XML is needed`);
    const media = isObj(content[pick]) ? content[pick] : {};
    const kind = mediaKind(pick);
    const isXml = kind === "xml";
    const root = fieldFromSchema(ctx, refName(media.schema) ?? "Request", media.schema ?? {}, true, { xml: isXml }, 0);
    fields = root.properties ?? [];
    applyExample(ctx, fields, firstExample(media));
    if (kind === "json") format = { type: "json" };
    else if (isXml) {
      const s = flatten(ctx, media.schema, 0);
      const xml = isObj(s.xml) ? s.xml : {};
      format = { type: "xml", root: root.name };
      const ns = str(xml.namespace);
      if (ns) format.rootAttributes = { [str(xml.prefix) ? `xmlns:${str(xml.prefix)}` : "xmlns"]: ns };
      if (/text\/xml/i.test(pick)) format.contentType = "text/xml";
    } else {
      const nested = fields.some((f) => f.type === "object" || f.type === "array");
      format = { type: "form", nesting: nested ? "bracket" : "dot" };
    }
  } else if (queryFields.length) {
    format = { type: "query", nesting: "dot" };
    fields = queryFields;
  } else {
    throw new SpecImportError(`${chosen.method} ${chosen.path} has no request body and no query parameters: nothing to map`);
  }

  const base = serverUrl(ctx, pathItem, op);
  if (!base) ctx.notes.push("the document names no server: pass --url or fill endpoint.url");
  let url = base ? `${base}${path}` : undefined;
  if (url && queryConst.size) url += `${url.includes("?") ? "&" : "?"}${queryConst.toString()}`;

  const info = isObj(doc.info) ? doc.info : {};
  const title = [str(info.title), str(info.version)].filter(Boolean).join(" ");
  const spec: ImportedSpec = {
    source: "openapi",
    endpoint: { method: chosen.method, ...(url ? { url } : {}) },
    headers,
    format,
    fields,
    auth,
    secretValues: ctx.secrets.filter((s) => s.length > 0),
    responses: responses(ctx, op),
    notes: ctx.notes,
  };
  if (title) spec.title = title;
  const summary = str(op.summary) ?? str(op.description);
  if (summary) spec.description = summary;
  const docs = isObj(op.externalDocs) ? str(op.externalDocs.url) : isObj(doc.externalDocs) ? str(doc.externalDocs.url) : undefined;
  if (docs) spec.docsUrl = docs;
  const verticals = doc["x-leadwire-verticals"] ?? op["x-leadwire-verticals"];
  if (Array.isArray(verticals)) spec.verticals = verticals.filter((v): v is string => typeof v === "string");
  return spec;
}
